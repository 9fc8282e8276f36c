"""QC inspections over HTTP: every route, the roles that may and may not, another customer's report,
stale versions, bad input and bad files (nothing stored), and the download log."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.quality.excel import FIXED
from domain.quality.inputs import CharacteristicInput, HeaderInput
from domain.quality.models import Characteristic, Inspection, Nonconformance, QcReport, ReportDownload
from domain.quality.services import create_inspection, transition_inspection
from tests.helpers import csrf_token, post_form
from tests.seed import Seed
from tests.web.conftest import Identities, run_db

BASE = "/backoffice/quality"


@pytest.fixture
def staff(client: TestClient[Litestar], seeded: Seed) -> Identities:
    return Identities(client, "staff")


@pytest.fixture
def customers(client: TestClient[Litestar], seeded: Seed) -> Identities:
    return Identities(client, "portal")


def count(database_url: str, model: type, *where: Any) -> int:
    async def work(s: AsyncSession) -> int:
        return int(await s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    return run_db(database_url, work)


def line_id(database_url: str, order_no: str) -> int:
    async def work(s: AsyncSession) -> int:
        value = await s.scalar(
            select(SalesOrderLine.id).join(SalesOrder).where(SalesOrder.order_no == order_no)
        )
        assert value is not None
        return value

    return run_db(database_url, work)


def published(database_url: str, seed: Seed, *, fail: bool = False, publish: bool = True) -> tuple[int, str]:
    """An inspection on C001's order in production, through the domain; answers (id, report token)."""
    order_no = seed.orders["c001_in_production"]
    qc = Actor(kind="staff", id=seed.staff["qc"], name="qc", roles=frozenset({"qc"}))
    admin = Actor(kind="staff", id=seed.staff["admin"], name="admin", roles=frozenset({"admin"}))

    async def work(s: AsyncSession) -> tuple[int, str]:
        lid = await s.scalar(
            select(SalesOrderLine.id).join(SalesOrder).where(SalesOrder.order_no == order_no)
        )
        rows = [CharacteristicInput("外径", Decimal("20"), Decimal("-0.05"), Decimal("0.05"), "mm",
                                    (Decimal("20.09") if fail else Decimal("20.01"),))]  # fmt: skip
        i = await create_inspection(s, order_no=order_no, header=HeaderInput(lid, "L-7", "GB/T 1804", "2000", "", ""),
                                    rows=rows, actor=qc)  # fmt: skip
        steps = [("submit", qc), ("approve", admin)] + ([("publish", qc)] if publish else [])
        for action, who in steps:
            i = await transition_inspection(
                s, inspection_id=i.id, action=action, expected_version=i.version, actor=who
            )
        token = await s.scalar(select(QcReport.token).where(QcReport.inspection_id == i.id))
        return i.id, token or ""

    return run_db(database_url, work)


def form_data(lid: int, rows: list[tuple[str, ...]], **extra: str) -> dict[str, Any]:
    data: dict[str, Any] = {"order_line_id": str(lid), "lot_no": "L-2026-01", "standard": "GB/T 1804-m",
                            "standard_version": "2000", "instrument": "卡尺", "notes": "", "action": "save"}  # fmt: skip
    for i, name in enumerate(("c_name", "c_nominal", "c_lower", "c_upper", "c_unit", "c_samples")):
        data[name] = [r[i] for r in rows]
    data.update(extra)
    return data


def xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append([*FIXED, "样本1 Sample 1", "样本2 Sample 2"])
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- recording ---------------------------------------------------------------------------------------


def test_qc_records_an_inspection_with_an_out_of_tolerance_value(
    staff: Identities, seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    client = staff("qc")
    assert (
        f"{BASE}/orders/{order_no}" in client.get(f"/backoffice/orders/{order_no}").text
    )  # the order page links it
    new = f"{BASE}/inspections/new?order={order_no}"
    rows = [
        ("外径 <script>x</script>", "20", "-0.05", "0.05", "mm", "20.01 20.06"),
        ("孔径", "10", "±0.1", "", "mm", "１０．０２"),
    ]
    response = post_form(client, new, form_data(line_id(database_url, order_no), rows))
    assert response.status_code == 303, response.text[:2000]
    inspection_url = response.headers["location"]
    page = client.get(inspection_url)
    assert "Inspection saved." in page.text
    assert "外径 &lt;script&gt;x&lt;/script&gt;" in page.text
    assert "<script>x</script>" not in page.text
    assert page.text.count("data-out") == 1  # 20.06 is marked, nothing else
    assert "10.02" in page.text  # full-width digits were read


def test_bad_rows_come_back_with_messages_and_nothing_is_stored(
    staff: Identities, seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    client = staff("qc")
    rows = [
        ("外径", "abc", "-0.05", "0.05", "mm", "20"),
        ("孔径", "10", "0.1", "0.1", "mm", "10 x"),
        ("", "5", "", "", "", ""),
    ]
    response = post_form(client, f"{BASE}/inspections/new?order={order_no}",
                         form_data(line_id(database_url, order_no), rows, lot_no=""), headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 422
    for message in ("Not a number.", "The lower tolerance must be below the upper tolerance.",
                    "Sample 2 is not a number.", "Name the characteristic.", "Required."):  # fmt: skip
        assert message in response.text, message
    assert "<html" not in response.text  # only the form block
    assert count(database_url, Inspection) == 0
    assert count(database_url, Characteristic) == 0


def test_another_orders_line_and_unknown_order(staff: Identities, seeded: Seed, database_url: str) -> None:
    client = staff("qc")
    order_no = seeded.orders["c001_in_production"]
    other = line_id(database_url, seeded.orders["c002_submitted"])
    response = post_form(client, f"{BASE}/inspections/new?order={order_no}", form_data(other, []),
                         token_from=f"{BASE}/inspections/new?order={order_no}")  # fmt: skip
    assert response.status_code == 422
    assert "Choose the order line." in response.text
    assert client.get(f"{BASE}/inspections/new?order=SO-1999-000001").status_code == 404
    draft = seeded.orders["c001_draft"]
    response = post_form(
        client, f"{BASE}/inspections/new?order={draft}", form_data(line_id(database_url, draft), [])
    )
    assert response.status_code == 422
    assert "Orders in this status are not inspected." in response.text
    assert count(database_url, Inspection) == 0


def test_add_row_with_and_without_javascript(staff: Identities, seeded: Seed, database_url: str) -> None:
    client = staff("qc")
    fragment = client.get(f"{BASE}/inspections/row?index=3", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert 'id="c_name-3"' in fragment.text
    assert "<html" not in fragment.text
    order_no = seeded.orders["c001_in_production"]
    response = post_form(client, f"{BASE}/inspections/new?order={order_no}",
                         form_data(line_id(database_url, order_no), [("a", "1", "-1", "1", "mm", "")], action="add_row"))  # fmt: skip
    assert response.status_code == 200
    assert 'id="c_name-1"' in response.text
    assert count(database_url, Inspection) == 0


@pytest.mark.parametrize("username", ["pmc", "sales", "warehouse", "logistics"])
def test_only_qc_and_admin_record(staff: Identities, seeded: Seed, database_url: str, username: str) -> None:
    client = staff(username)
    order_no = seeded.orders["c001_in_production"]
    assert client.get(f"{BASE}/inspections/new?order={order_no}").status_code == 403
    token = csrf_token(client, "/backoffice/orders")
    response = client.post(f"{BASE}/inspections/new?order={order_no}", follow_redirects=False,
                           data={**form_data(line_id(database_url, order_no), [("a", "1", "-1", "1", "mm", "1")]), "_csrf_token": token})  # fmt: skip
    assert response.status_code == 403
    assert count(database_url, Inspection) == 0


@pytest.mark.parametrize(("username", "status"), [("pmc", 200), ("sales", 200), ("admin", 200), ("qc", 200),
                                                  ("warehouse", 403), ("billing", 403)])  # fmt: skip
def test_who_reads_inspections(
    staff: Identities, seeded: Seed, database_url: str, username: str, status: int
) -> None:
    inspection_id, token = published(database_url, seeded, fail=True)
    client = staff(username)
    order_no = seeded.orders["c001_in_production"]
    for path in ("/inspections", f"/inspections/{inspection_id}", f"/orders/{order_no}", "/nonconformances",
                 "/template.xlsx", f"/reports/{token}.pdf"):  # fmt: skip
        assert client.get(BASE + path).status_code == status, path
    nav = client.get("/backoffice/orders").text
    assert (f'href="{BASE}/inspections"' in nav) is (status == 200)


def test_pmc_reads_but_has_no_buttons(staff: Identities, seeded: Seed, database_url: str) -> None:
    inspection_id, _ = published(database_url, seeded, publish=False)
    page = staff("pmc").get(f"{BASE}/inspections/{inspection_id}").text
    assert 'name="action"' not in page
    assert "/edit" not in page
    response = post_form(staff("pmc"), f"{BASE}/inspections/{inspection_id}/transition",
                         {"action": "publish", "version": "3"}, token_from=f"{BASE}/inspections/{inspection_id}")  # fmt: skip
    assert response.status_code == 403


# --- the steps ---------------------------------------------------------------------------------------


def test_submit_approve_publish_and_four_eyes(staff: Identities, seeded: Seed, database_url: str) -> None:
    order_no = seeded.orders["c001_in_production"]
    qc = staff("qc")
    response = post_form(qc, f"{BASE}/inspections/new?order={order_no}",
                         form_data(line_id(database_url, order_no), [("外径", "20", "-0.05", "0.05", "mm", "20.01")]))  # fmt: skip
    url = response.headers["location"]
    iid = int(url.rsplit("/", 1)[1])

    def press(client: TestClient[Any], action: str, version: int) -> Any:
        return post_form(
            client, f"{url}/transition", {"action": action, "version": str(version)}, token_from=url
        )

    assert press(qc, "submit", 1).status_code == 303
    assert press(qc, "approve", 2).status_code == 403  # the inspector cannot approve their own
    assert 'value="approve"' not in qc.get(url).text
    admin = staff("admin")
    assert press(admin, "approve", 1).status_code == 409  # stale
    assert press(admin, "approve", 2).status_code == 303
    assert press(admin, "approve", 3).status_code == 409  # not possible any more
    assert press(admin, "bogus", 3).status_code == 400
    assert count(database_url, QcReport) == 0
    assert press(admin, "publish", 3).status_code == 303
    page = admin.get(url).text
    assert "Published" in page
    assert "Nobody has downloaded the report yet." in page
    assert count(database_url, QcReport, QcReport.inspection_id == iid) == 1
    timeline = admin.get(f"/backoffice/orders/{order_no}").text
    assert "QC report published — lot L-2026-01" in timeline


def test_submit_without_values_is_refused_in_place(
    staff: Identities, seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    qc = staff("qc")
    url = post_form(qc, f"{BASE}/inspections/new?order={order_no}",
                    form_data(line_id(database_url, order_no), [("外径", "20", "-0.05", "0.05", "mm", "")])).headers["location"]  # fmt: skip
    response = post_form(qc, f"{url}/transition", {"action": "submit", "version": "1"}, token_from=url,
                         headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 422
    assert "Enter measured values for every characteristic before submitting." in response.text
    assert count(database_url, Inspection, Inspection.status == "draft") == 1


def test_edit_is_version_checked(staff: Identities, seeded: Seed, database_url: str) -> None:
    order_no = seeded.orders["c001_in_production"]
    qc = staff("qc")
    lid = line_id(database_url, order_no)
    url = post_form(qc, f"{BASE}/inspections/new?order={order_no}",
                    form_data(lid, [("外径", "20", "-0.05", "0.05", "mm", "20")])).headers["location"]  # fmt: skip
    edit = f"{url}/edit"
    ok = post_form(
        qc,
        edit,
        {
            **form_data(
                lid, [("外径", "20", "-0.05", "0.05", "mm", "20.02"), ("孔径", "5", "-1", "1", "mm", "5")]
            ),
            "version": "1",
        },
    )
    assert ok.status_code == 303
    stale = post_form(qc, edit, {**form_data(lid, [("x", "1", "-1", "1", "mm", "1")]), "version": "1"})
    assert stale.status_code == 409
    assert count(database_url, Characteristic) == 2


# --- Excel -------------------------------------------------------------------------------------------


def upload(client: TestClient[Any], url: str, data: bytes, name: str = "m.xlsx") -> Any:
    token = csrf_token(client, f"{url}/edit")
    return client.post(f"{url}/import", files={"file": (name, data, "application/octet-stream")},
                       data={"_csrf_token": token}, follow_redirects=False)  # fmt: skip


def test_excel_import_previews_then_saves(staff: Identities, seeded: Seed, database_url: str) -> None:
    order_no = seeded.orders["c001_in_production"]
    qc = staff("qc")
    lid = line_id(database_url, order_no)
    url = post_form(qc, f"{BASE}/inspections/new?order={order_no}", form_data(lid, [])).headers["location"]
    template = qc.get(f"{BASE}/template.xlsx")
    assert template.status_code == 200
    assert template.content[:2] == b"PK"
    preview = upload(
        qc,
        url,
        xlsx([["外径", 20, -0.05, 0.05, "mm", 20.01, "２０．０７"], ["孔径", 10, "±0.1", None, "mm", 10]]),
    )
    assert preview.status_code == 200
    assert 'data-imported="2"' in preview.text
    assert 'value="20.01 20.07"' in preview.text
    assert count(database_url, Characteristic) == 0  # a preview stores nothing
    # The preview is the edit form: saving it stores the rows.
    rows = [("外径", "20", "-0.05", "0.05", "mm", "20.01 20.07"), ("孔径", "10", "-0.1", "0.1", "mm", "10")]
    assert post_form(qc, f"{url}/edit", {**form_data(lid, rows), "version": "1"}).status_code == 303
    assert count(database_url, Characteristic) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"%PDF-1.4 not a workbook", "This is not an Excel workbook (.xlsx) that can be read."),
        (b"x" * (2 * 1024 * 1024 + 10), "The file is larger than 2 MB."),
        ("formula", "Formulas are not read: paste the values instead."),
        ("text", "Sample 1 is not a number."),
    ],
)
def test_bad_files_show_errors_and_store_nothing(staff: Identities, seeded: Seed, database_url: str,
                                                 content: Any, message: str) -> None:  # fmt: skip
    order_no = seeded.orders["c001_in_production"]
    qc = staff("qc")
    url = post_form(qc, f"{BASE}/inspections/new?order={order_no}",
                    form_data(line_id(database_url, order_no), [("外径", "20", "-0.05", "0.05", "mm", "20")])).headers["location"]  # fmt: skip
    if content == "formula":
        content = xlsx([["外径", 20, -0.05, 0.05, "mm", "=20+0.01"]])
    elif content == "text":
        content = xlsx([["外径", 20, -0.05, 0.05, "mm", "twenty"]])
    response = upload(qc, url, content)
    assert response.status_code == 422
    assert message in response.text
    assert "data-import-errors" in response.text
    assert count(database_url, Characteristic) == 1  # the stored row is untouched


def test_import_needs_a_draft_and_the_qc_role(staff: Identities, seeded: Seed, database_url: str) -> None:
    inspection_id, _ = published(database_url, seeded)
    url = f"{BASE}/inspections/{inspection_id}"
    qc = staff("qc")
    token = csrf_token(qc, url)
    data = xlsx([["外径", 20, -0.05, 0.05, "mm", 20]])
    response = qc.post(f"{url}/import", files={"file": ("m.xlsx", data)}, data={"_csrf_token": token})
    assert response.status_code == 409
    pmc = staff("pmc")
    token = csrf_token(pmc, url)
    assert (
        pmc.post(f"{url}/import", files={"file": ("m.xlsx", data)}, data={"_csrf_token": token}).status_code
        == 403
    )


# --- the portal and the download log ------------------------------------------------------------------


def test_customer_lists_and_downloads_and_the_back_office_sees_the_log(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    inspection_id, token = published(database_url, seeded, fail=True)
    order_no = seeded.orders["c001_in_production"]
    customers = Identities(client, "portal")
    buyer = customers("c001-qe")
    page = buyer.get(f"/portal/orders/{order_no}")
    assert f"/portal/orders/{order_no}/qc-reports" in page.text  # the order page loads the list
    listing = buyer.get(f"/portal/orders/{order_no}/qc-reports", headers={"HX-Request": "true"})
    assert listing.status_code == 200
    assert f"/portal/qc-reports/{token}.pdf" in listing.text
    assert "<html" not in listing.text
    assert 'data-verdict="fail"' in listing.text
    pdf = buyer.get(f"/portal/qc-reports/{token}.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    assert "no-store" in pdf.headers["cache-control"]
    assert count(database_url, ReportDownload, ReportDownload.viewer_kind == "customer") == 1

    staff = Identities(client, "staff")
    log = staff("qc").get(f"{BASE}/inspections/{inspection_id}").text
    assert "C001 qc_engineer" in log
    assert "data-download" in log


def test_another_customer_gets_404_even_with_the_token(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    _, token = published(database_url, seeded)
    order_no = seeded.orders["c001_in_production"]
    other = Identities(client, "portal")("c002-buyer")
    assert other.get(f"/portal/qc-reports/{token}.pdf").status_code == 404
    assert other.get(f"/portal/orders/{order_no}/qc-reports").status_code == 404
    assert count(database_url, ReportDownload) == 0
    own = Identities(client, "portal")("c001-buyer")
    for path in (f"/portal/qc-reports/{token[:-1]}x.pdf", f"/portal/qc-reports/{token}", "/portal/qc-reports/' OR 1=1 --.pdf",
                 f"/portal/qc-reports/{'a' * 500}.pdf"):  # fmt: skip
        assert own.get(path).status_code == 404, path


def test_signed_out_download_goes_to_sign_in(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    _, token = published(database_url, seeded)
    response = client.get(f"/portal/qc-reports/{token}.pdf", follow_redirects=False)
    assert response.status_code == 303
    assert "/portal/login" in response.headers["location"]


def test_unpublished_reports_are_not_listed(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    published(database_url, seeded, publish=False)
    order_no = seeded.orders["c001_in_production"]
    text = Identities(client, "portal")("c001-buyer").get(f"/portal/orders/{order_no}/qc-reports").text
    assert "No QC report has been published for this order yet." in text


# --- nonconformances ----------------------------------------------------------------------------------


def test_nonconformance_is_listed_and_closed_by_pmc(
    staff: Identities, seeded: Seed, database_url: str
) -> None:
    published(database_url, seeded, fail=True)
    sales = staff("sales")
    listing = sales.get(f"{BASE}/nonconformances").text
    assert "外径" in listing
    assert 'data-nc-status="open"' in listing
    assert "/close" not in listing
    nc_id = int(re.search(r'data-nc="(\d+)"', listing).group(1))  # type: ignore[union-attr]
    close = f"{BASE}/nonconformances/{nc_id}/close"
    assert (
        post_form(
            sales, close, {"note": "x", "version": "1"}, token_from=f"{BASE}/nonconformances"
        ).status_code
        == 403
    )
    pmc = staff("pmc")
    empty = post_form(pmc, close, {"note": " ", "version": "1"}, token_from=f"{BASE}/nonconformances")
    assert empty.status_code == 422
    assert "Say how it was resolved." in empty.text
    assert (
        post_form(
            pmc, close, {"note": "Reworked", "version": "9"}, token_from=f"{BASE}/nonconformances"
        ).status_code
        == 409
    )
    assert post_form(pmc, close, {"note": "Reworked and re-inspected", "version": "1"},
                     token_from=f"{BASE}/nonconformances").status_code == 303  # fmt: skip
    assert count(database_url, Nonconformance, Nonconformance.status == "closed") == 1
    assert "Reworked and re-inspected" in pmc.get(f"{BASE}/nonconformances?status=closed").text


def test_statements_per_page_do_not_grow_with_reports(
    app: Litestar, client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    """No N+1: the portal list, the back-office list and the order block cost the same with 1 or 3
    published reports."""
    from sqlalchemy import event

    engine = app.state.alchemy.get_engine()
    counter = {"n": 0}

    def tick(*_: Any) -> None:
        counter["n"] += 1

    order_no = seeded.orders["c001_in_production"]
    pages = [
        ("portal", f"/portal/orders/{order_no}/qc-reports"),
        ("staff", f"{BASE}/inspections"),
        ("staff", f"{BASE}/orders/{order_no}"),
    ]
    faces = {"portal": Identities(client, "portal"), "staff": Identities(client, "staff")}
    users = {"portal": "c001-buyer", "staff": "pmc"}

    def costs() -> list[int]:
        out = []
        for face, path in pages:
            who = faces[face](users[face])
            counter["n"] = 0
            assert who.get(path).status_code == 200
            out.append(counter["n"])
        return out

    event.listen(engine.sync_engine, "before_cursor_execute", tick)
    try:
        published(database_url, seeded)
        one = costs()
        published(database_url, seeded, fail=True)
        published(database_url, seeded)
        three = costs()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", tick)
    assert one == three, (one, three)
