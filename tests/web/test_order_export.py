"""Order desk export: the .xlsx holds exactly the list on screen (filters and sort), in the reader's language."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import load_workbook

from domain.orders import export
from tests.helpers import sign_in_staff
from tests.seed import Seed
from tests.web.conftest import english_client, make_app, reset_with_desk

EXPORT = "/backoffice/orders/export.xlsx"
ROW_LINK = re.compile(r'href="/backoffice/orders/(SO-\d{4}-\d{6})"')


@pytest.fixture
def desk(database_url: str) -> Seed:
    return reset_with_desk(database_url)


@pytest.fixture
def client(database_url: str, desk: Seed) -> Iterator[TestClient[Litestar]]:
    with english_client(make_app(database_url)) as c:
        yield c


def sheet_rows(content: bytes) -> list[tuple[Any, ...]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]


def listed(client: TestClient[Any], query: str) -> list[str]:
    """Order numbers of every page of the desk list for ``query``."""
    numbers: list[str] = []
    for page in range(1, 10):
        text = client.get(f"/backoffice/orders?{query}&page={page}").text
        found = ROW_LINK.findall(text)
        if not found:
            break
        numbers += found
    return numbers


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=submitted",
        "q=DESK-PO-01&sort=total&dir=asc",
        "sort=promised_date&dir=asc",
        "sort=customer&dir=desc",
    ],
)
def test_export_matches_the_filtered_sorted_list(client: TestClient[Any], query: str) -> None:
    sign_in_staff(client, "warehouse")  # any staff role may take the list along
    response = client.get(f"{EXPORT}?{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert re.match(
        r'attachment; filename="orders-\d{8}-\d{4}\.xlsx"', response.headers["content-disposition"]
    )
    rows = sheet_rows(response.content)
    assert rows[0][:5] == ("Order no.", "Customer code", "Customer", "PO no.", "Status")
    assert [r[0] for r in rows[1:]] == listed(client, query)


def test_export_contents_and_chinese_headers(client: TestClient[Any], desk: Seed) -> None:
    sign_in_staff(client, "sales")
    rows = sheet_rows(client.get(f"{EXPORT}?q=DESK-PO-003").content)
    assert len(rows) == 2
    order_no, code, _name, po, status, _ordered, *_rest, lines, net, gross = rows[1]
    assert (order_no, po, lines) == (desk.orders["desk_3"], "DESK-PO-003", 1)
    assert code == "C001"
    assert status == "Quality check"
    assert gross >= net > 0
    client.headers["Accept-Language"] = "zh-CN"
    rows = sheet_rows(client.get(f"{EXPORT}?q=DESK-PO-003").content)
    assert rows[0][0] == "订单号"
    assert rows[1][4] == "质检"


def test_the_list_page_links_to_the_export_with_its_query(client: TestClient[Any]) -> None:
    sign_in_staff(client, "sales")
    page = client.get("/backoffice/orders?status=qc&sort=total&dir=asc&page=1")
    link = re.search(r'href="(/backoffice/orders/export\.xlsx[^"]*)"', page.text)
    assert link
    assert "status=qc" in link.group(1)
    assert "sort=total" in link.group(1)
    assert "page=" not in link.group(1)
    fragment = client.get("/backoffice/orders?customer=999", headers={"HX-Request": "true"})
    assert fragment.status_code == 200


def test_bad_parameters_are_harmless(client: TestClient[Any]) -> None:
    sign_in_staff(client, "sales")
    query = "sort=id%3BDROP+TABLE+x&dir=sideways&status=%3Cscript%3E&date_from=yesterday&customer=abc"
    response = client.get(f"{EXPORT}?{query}")
    assert response.status_code == 200
    rows = sheet_rows(response.content)
    assert len(rows) > 30
    assert [r[0] for r in rows[1:]] == listed(client, query)
    # A literal "%" searches for a percent sign, not for everything.
    assert len(sheet_rows(client.get(f"{EXPORT}?q=%25").content)) == 1


def test_the_export_is_capped(client: TestClient[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "EXPORT_CAP", 3)
    sign_in_staff(client, "sales")
    rows = sheet_rows(client.get(EXPORT).content)
    assert len(rows) == 5  # header, three orders, the note
    assert rows[-1][0] == "Only the first 3 orders are in this file: narrow the filters."


def test_signed_out_and_customers_cannot_export(client: TestClient[Any]) -> None:
    response = client.get(EXPORT, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/backoffice/login")
