"""Excel import routes: template, upload → preview (stores nothing) → import in steps; who may; whose file."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import today_local
from domain.catalog.models import Product
from domain.intake import services
from domain.orders.models import SalesOrder
from tests.helpers import csrf_token, sign_in_staff
from tests.intake_workbooks import order_rows, workbook_bytes
from tests.seed import Seed
from tests.web.conftest import Identities, count_orders, english_client, make_app, run_db

BASE = "/backoffice/imports/excel"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PREVIEW = re.compile(rf"^{BASE}/([A-Za-z0-9_-]{{32}})$")


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def client(database_url: str, seeded: Seed, uploads: Path) -> Iterator[TestClient[Litestar]]:
    with english_client(make_app(database_url, upload_dir=uploads)) as c:
        yield c


def soon() -> str:
    return (today_local() + dt.timedelta(days=25)).isoformat()


def parts(database_url: str, seed: Seed) -> list[str]:
    async def work(s: AsyncSession) -> list[str]:
        by_id = dict((await s.execute(select(Product.id, Product.part_no))).all())
        return [by_id[i] for i in seed.products]

    return run_db(database_url, work)


def upload(client: TestClient[Any], data: bytes, name: str = "orders.xlsx") -> Any:
    token = csrf_token(client, BASE)
    return client.post(
        BASE, data={"_csrf_token": token}, files={"file": (name, data, XLSX)}, follow_redirects=False
    )


def upload_ok(client: TestClient[Any], data: bytes) -> str:
    response = upload(client, data)
    assert response.status_code == 303, response.text[:400]
    match = PREVIEW.match(response.headers["location"])
    assert match
    return match.group(1)


def test_template_opens_in_openpyxl_with_bilingual_headers_and_lists_from_the_database(
    client: TestClient[Any], seeded: Seed, database_url: str
) -> None:
    sign_in_staff(client, "sales")
    response = client.get(f"{BASE}/template.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(XLSX)
    assert "attachment" in response.headers["content-disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["Orders"]
    assert [c.value for c in ws[1]] == [
        "客户代码 Customer code", "客户PO号 Customer PO no.", "要求交期 Requested date", "产品料号 Part no.",
        "数量 Quantity", "特殊要求 Special requirements",
    ]  # fmt: skip
    assert ws.freeze_panes == "A2"
    assert ws["A2"].value == "C001"
    assert ws["E2"].value == 100
    lists = wb["Lists"]
    assert [r[0] for r in lists.iter_rows(min_row=2, max_col=1, values_only=True) if r[0]] == ["C001", "C002"]
    assert sorted(
        r[0] for r in lists.iter_rows(min_row=2, min_col=3, max_col=3, values_only=True) if r[0]
    ) == sorted(parts(database_url, seeded))
    formulas = {dv.formula1: str(dv.sqref) for dv in ws.data_validations.dataValidation}
    assert formulas["Lists!$A$2:$A$3"].startswith("A2:")
    assert formulas["Lists!$C$2:$C$6"].startswith("D2:")
    assert ws.column_dimensions["F"].width > ws.column_dimensions["E"].width


def test_the_template_itself_previews_as_one_valid_order(client: TestClient[Any]) -> None:
    sign_in_staff(client, "sales")
    data = client.get(f"{BASE}/template.xlsx").content
    key = upload_ok(client, data)
    page = client.get(f"{BASE}/{key}")
    assert page.status_code == 200
    assert 'data-count="orders">1<' in page.text
    assert 'data-count="errors">0<' in page.text


@pytest.mark.parametrize("user", ["pmc", "warehouse", "qc", "logistics", "billing", "aftersales"])
def test_roles_without_order_entry_get_403(client: TestClient[Any], user: str, seeded: Seed) -> None:
    sign_in_staff(client, user)
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}/template.xlsx").status_code == 403
    token = csrf_token(client, "/backoffice/orders")
    response = client.post(BASE, data={"_csrf_token": token}, files={"file": ("a.xlsx", b"PK", XLSX)})
    assert response.status_code == 403


def test_signed_out_goes_to_login(client: TestClient[Any]) -> None:
    response = client.get(f"{BASE}/template.xlsx", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/backoffice/login")


def test_preview_shows_row_errors_and_stores_nothing_then_import_creates_the_valid_orders(
    client: TestClient[Any], seeded: Seed, database_url: str, uploads: Path
) -> None:
    p = parts(database_url, seeded)
    rows = [
        *order_rows("C001", "PO-XL-1", soon(), [(p[0], 10), (p[1], 20)]),
        ["C001", "PO-XL-2", soon(), "NO-SUCH", "<script>alert(1)</script>"],
        *order_rows("C002", "PO-XL-3", soon(), [(p[2], "１５")]),
    ]
    sign_in_staff(client, "sales")
    before = count_orders(database_url)
    key = upload_ok(client, workbook_bytes(rows))
    assert (uploads / "imports" / f"{key}.xlsx").is_file()
    page = client.get(f"{BASE}/{key}")
    assert page.status_code == 200
    text = page.text
    assert 'data-count="orders">2<' in text
    assert 'data-count="lines">3<' in text
    assert 'data-count="refused">1<' in text
    assert 'data-error-row="4" data-error-column="product"' in text
    assert "Unknown part no. NO-SUCH." in text
    assert 'data-error-row="4" data-error-column="quantity"' in text
    assert "<script>alert(1)</script>" not in text
    assert 'data-po="PO-XL-1"' in text
    assert 'data-po="PO-XL-3"' in text
    assert count_orders(database_url) == before

    token = csrf_token(client, f"{BASE}/{key}")
    response = client.post(f"{BASE}/{key}/import", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"{BASE}/{key}"
    done = client.get(f"{BASE}/{key}")
    assert 'data-import-status="done"' in done.text
    assert count_orders(database_url) == before + 2

    async def created(s: AsyncSession) -> list[tuple[str | None, str, str, int]]:
        rows = await s.execute(
            select(SalesOrder.customer_po, SalesOrder.channel, SalesOrder.status, SalesOrder.line_count)
            .where(SalesOrder.customer_po.like("PO-XL-%"))
            .order_by(SalesOrder.customer_po)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]

    assert run_db(database_url, created) == [
        ("PO-XL-1", "excel", "submitted", 2),
        ("PO-XL-3", "excel", "submitted", 1),
    ]
    assert not (uploads / "imports" / f"{key}.xlsx").exists()  # the file goes once imported
    # Importing again does nothing more.
    token = csrf_token(client, f"{BASE}/{key}")
    client.post(f"{BASE}/{key}/import", data={"_csrf_token": token})
    assert count_orders(database_url) == before + 2


def test_a_large_import_runs_in_steps_that_htmx_drives(
    client: TestClient[Any], seeded: Seed, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "STEP_SECONDS", 600.0)  # steps cut by lines here, not by a slow CI machine
    p = parts(database_url, seeded)
    rows: list[list[Any]] = []
    for i in range(450):  # one order per line: two steps of at most 400 lines
        rows += order_rows("C002", f"PO-BIG-{i:04d}", soon(), [(p[i % 5], i + 1)])
    sign_in_staff(client, "cs")
    key = upload_ok(client, workbook_bytes(rows))
    before = count_orders(database_url)
    token = csrf_token(client, f"{BASE}/{key}")
    client.post(f"{BASE}/{key}/import", data={"_csrf_token": token})
    page = client.get(f"{BASE}/{key}")
    assert 'data-import-status="importing"' in page.text
    assert f'hx-post="{BASE}/{key}/step"' in page.text
    assert count_orders(database_url) == before + 400
    step = client.post(f"{BASE}/{key}/step", headers={"HX-Request": "true", "X-CSRFToken": token})
    assert step.status_code == 200
    assert 'data-import-status="done"' in step.text
    assert "<html" not in step.text
    assert count_orders(database_url) == before + 450


def test_bad_files_are_explained_on_the_preview(client: TestClient[Any]) -> None:
    sign_in_staff(client, "sales")
    for data, message in (
        (b"this is a csv, not a workbook", "This is not an Excel workbook (.xlsx)."),
        (workbook_bytes([]), "The worksheet has a header row but no orders."),
    ):
        key = upload_ok(client, data)
        page = client.get(f"{BASE}/{key}")
        assert page.status_code == 200
        assert message in page.text
        assert "data-import-start" not in page.text
        token = csrf_token(client, f"{BASE}/{key}")
        response = client.post(f"{BASE}/{key}/import", data={"_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 303


def test_no_file_and_a_huge_file_are_refused_at_upload(client: TestClient[Any], database_url: str) -> None:
    sign_in_staff(client, "sales")
    token = csrf_token(client, BASE)
    response = client.post(BASE, data={"_csrf_token": token}, files={"file": ("a.xlsx", b"", XLSX)})
    assert response.status_code == 422
    assert "Choose an .xlsx file to upload." in response.text
    response = upload(client, b"x" * (8 * 1024 * 1024 + 1))
    assert response.status_code == 422
    assert "larger than 8 MB" in response.text


def test_another_users_upload_is_not_found(client: TestClient[Any]) -> None:
    who = Identities(client, "staff")
    key = upload_ok(who("sales"), workbook_bytes(order_rows("C001", "PO-1", soon(), [("X", 1)])))
    assert who("sales").get(f"{BASE}/{key}").status_code == 200
    other = who("salesmgr")
    assert other.get(f"{BASE}/{key}").status_code == 404
    token = csrf_token(other, BASE)
    assert other.post(f"{BASE}/{key}/import", data={"_csrf_token": token}).status_code == 404
    assert other.get(f"{BASE}/{'a' * 32}").status_code == 404
    assert other.get(f"{BASE}/..%2F..%2Fetc").status_code == 404
