"""Change requests over HTTP: the portal form and page, the approver's queue and decisions, the signed
report and its verification, revisions — and every forbidden path (another customer, wrong role, stale
version, bad input, double sign)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from pypdf import PdfReader
from sqlalchemy import func, select

from domain.approvals.defaults import ensure_default_chains
from domain.changes.models import ChangeRequest, ChangeSignature
from domain.orders.models import SalesOrder
from tests.helpers import csrf_token, post_form, sign_in_customer
from tests.seed import Seed
from tests.web.conftest import Identities, order_state, run_db

CR_URL = re.compile(r"/(?:portal|backoffice)/changes/(CR-\d{4}-\d{6})$")


@pytest.fixture
def chains(seeded: Seed, database_url: str) -> Seed:
    run_db(database_url, ensure_default_chains)
    return seeded


def count_requests(database_url: str) -> int:
    async def work(s: Any) -> int:
        return await s.scalar(select(func.count()).select_from(ChangeRequest)) or 0

    return run_db(database_url, work)


def requested_date(database_url: str, order_no: str) -> dt.date:
    async def work(s: Any) -> dt.date:
        return await s.scalar(select(SalesOrder.requested_date).where(SalesOrder.order_no == order_no))

    return run_db(database_url, work)


def ask(client: TestClient[Any], order_no: str, face: str = "portal", **data: str) -> Any:
    prefix = "/portal" if face == "portal" else "/backoffice"
    new = f"{prefix}/orders/{order_no}/changes/new"
    version = data.pop("version", None) or re.search(
        r'name="version" value="(\d+)"', client.get(new).text
    ).group(1)  # type: ignore[union-attr]
    form = {"reason": "customer_adjustment", "scope": "date_only", "version": version, **data}
    return post_form(client, f"{prefix}/orders/{order_no}/changes", form, token_from=new)


def date_change(client: TestClient[Any], seeded: Seed, database_url: str, days: int = 7) -> str:
    order_no = seeded.orders["c001_submitted"]
    new = requested_date(database_url, order_no) + dt.timedelta(days=days)
    response = ask(client, order_no, new_date=new.isoformat())
    assert response.status_code == 303, response.text[:400]
    match = CR_URL.search(response.headers["location"])
    assert match
    return match.group(1)


def decide(
    client: TestClient[Any], number: str, decision: str, comment: str = "", version: str | None = None
) -> Any:
    page = f"/backoffice/changes/{number}"
    if version is None:
        version = re.search(r'name="version" value="(\d+)"', client.get(page).text).group(1)  # type: ignore[union-attr]
    return post_form(
        client,
        f"{page}/decide",
        {"decision": decision, "comment": comment, "version": version},
        token_from=page,
    )


def test_buyer_requests_a_date_change_and_sees_where_it_stands(client: TestClient[Litestar], chains: Seed,
                                                                database_url: str) -> None:  # fmt: skip
    sign_in_customer(client, "c001-buyer")
    order_no = chains.orders["c001_submitted"]
    assert "data-request-change" in client.get(f"/portal/orders/{order_no}").text
    number = date_change(client, chains, database_url)
    page = client.get(f"/portal/changes/{number}")
    assert page.status_code == 200
    assert 'data-cr-status="pending"' in page.text
    assert 'data-state="current"' in page.text
    assert "PMC planner" in page.text
    assert "Sign the report" not in page.text  # not before approval
    listing = client.get(f"/portal/changes?order={order_no}")
    assert number in listing.text


def test_other_customers_orders_and_requests_are_404(
    client: TestClient[Litestar], chains: Seed, database_url: str
) -> None:
    sign_in_customer(client, "c001-buyer")
    number = date_change(client, chains, database_url)
    other = chains.orders["c002_submitted"]
    assert client.get(f"/portal/orders/{other}/changes/new").status_code == 404
    token = csrf_token(client, "/portal/orders")
    response = client.post(f"/portal/orders/{other}/changes", data={"_csrf_token": token, "version": "2",
                                                                   "quantity-1": "5"}, follow_redirects=False)  # fmt: skip
    assert response.status_code == 404
    client.post("/portal/logout", data={"_csrf_token": token})
    sign_in_customer(client, "c002-buyer")
    for path in (f"/portal/changes/{number}", f"/portal/changes/{number}/report.pdf"):
        assert client.get(path).status_code == 404
    assert number not in client.get("/portal/changes").text


def test_customer_qc_engineer_may_not_request(client: TestClient[Litestar], chains: Seed) -> None:
    sign_in_customer(client, "c001-qe")
    assert client.get(f"/portal/orders/{chains.orders['c001_submitted']}/changes/new").status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"qty-1": "0"}, "Quantity must be greater than zero."),
        ({"qty-1": "1e12"}, "Quantity must be at most"),
        ({"new_date": "2001-01-01"}, "The requested date cannot be in the past."),
        ({"add_product": "99999999", "add_quantity": "3"}, "Unknown product."),
        ({}, "Nothing would change"),
        ({"qty-1": "5", "reason": "other", "reason_text": ""}, "Please give a reason."),
    ],
)
def test_bad_input_answers_422_next_to_the_field_and_stores_nothing(
    client: TestClient[Litestar], chains: Seed, database_url: str, data: dict[str, str], message: str
) -> None:
    sign_in_customer(client, "c001-buyer")
    response = ask(client, chains.orders["c001_submitted"], **data)
    assert response.status_code == 422
    assert message in response.text
    assert count_requests(database_url) == 0


def test_script_in_the_reason_is_escaped_on_the_page_and_in_the_pdf(
    client: TestClient[Litestar], chains: Seed
) -> None:
    sign_in_customer(client, "c001-buyer")
    evil = "<script>alert(1)</script> & <b>bold</b>"
    response = ask(
        client, chains.orders["c001_submitted"], **{"qty-1": "90", "reason": "other", "reason_text": evil}
    )
    number = CR_URL.search(response.headers["location"]).group(1)  # type: ignore[union-attr]
    sign_in = Identities(client, "staff")
    page = sign_in("pmc").get(f"/backoffice/changes/{number}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text
    pdf = client.get(f"/backoffice/changes/{number}/report.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "变更影响评估简报" in text
    assert "<script>alert(1)</script>" in text


def test_stale_order_version_is_409(client: TestClient[Litestar], chains: Seed, database_url: str) -> None:
    sign_in_customer(client, "c001-buyer")
    order_no = chains.orders["c001_submitted"]
    _, version = order_state(database_url, order_no)
    response = ask(client, order_no, version=str(version - 1), **{"qty-1": "5"})
    assert response.status_code == 409
    assert count_requests(database_url) == 0


@pytest.mark.parametrize("status", ["shipped", "closed", "cancelled"])
def test_a_shipped_or_closed_order_says_why_and_refuses(client: TestClient[Litestar], chains: Seed, database_url: str,
                                                        status: str) -> None:  # fmt: skip
    from sqlalchemy import update

    order_no = chains.orders["c001_submitted"]

    async def ship(s: Any) -> None:
        await s.execute(update(SalesOrder).where(SalesOrder.order_no == order_no).values(status=status))

    run_db(database_url, ship)
    sign_in_customer(client, "c001-buyer")
    page = client.get(f"/portal/orders/{order_no}/changes/new")
    assert page.status_code == 200
    assert "data-refusal" in page.text
    response = ask(client, order_no, version=str(order_state(database_url, order_no)[1]), **{"qty-1": "5"})
    assert response.status_code == 422
    assert count_requests(database_url) == 0


def test_l2_needs_pmc_then_manager_with_forbidden_paths(
    client: TestClient[Litestar], chains: Seed, database_url: str
) -> None:
    staff = Identities(client, "staff")
    order_no = chains.orders["c001_submitted"]
    response = ask(staff("sales"), order_no, face="staff", **{"qty-1": "150"})
    assert response.status_code == 303
    number = CR_URL.search(response.headers["location"]).group(1)  # type: ignore[union-attr]
    assert number not in staff("salesmgr").get("/backoffice/changes").text.split("Recent requests")[0]
    queue = staff("pmc").get("/backoffice/changes")
    assert f'data-request="{number}"' in queue.text
    assert decide(staff("warehouse"), number, "approve", version="1").status_code == 403
    assert decide(staff("salesmgr"), number, "approve", version="1").status_code == 403  # not its step yet
    assert decide(staff("pmc"), number, "reject", "").status_code == 422  # a rejection needs a reason
    assert decide(staff("pmc"), number, "approve", "capacity ok", version="1").status_code == 303
    assert (
        decide(staff("pmc"), number, "approve", version="1").status_code == 409
    )  # stale form: already signed
    assert f'data-request="{number}"' in staff("salesmgr").get("/backoffice/changes").text
    assert decide(staff("salesmgr"), number, "approve").status_code == 303
    detail = staff("salesmgr").get(f"/backoffice/changes/{number}")
    assert 'data-cr-status="approved"' in detail.text
    revisions = staff("salesmgr").get(f"/backoffice/orders/{order_no}/revisions")
    assert 'data-field="quantity"' in revisions.text
    assert "150" in revisions.text
    order_page = staff("salesmgr").get(f"/backoffice/orders/{order_no}")
    assert f"/backoffice/orders/{order_no}/revisions?a=1&amp;b=2" in order_page.text


def test_two_approvers_on_one_step_only_one_wins(
    client: TestClient[Litestar], chains: Seed, database_url: str
) -> None:
    """Both loaded the page at version 1; the second answer is a 409, not a second signature."""
    from domain.parties.auth import hash_password
    from domain.parties.models import StaffUser

    async def second_pmc(s: Any) -> None:
        s.add(
            StaffUser(
                username="pmc2", display_name="pmc2", roles=["pmc"], password_hash=hash_password("orderpulse")
            )
        )

    run_db(database_url, second_pmc)
    sign_in_customer(client, "c001-buyer")
    number = date_change(client, chains, database_url)
    staff = Identities(client, "staff")
    assert decide(staff("pmc"), number, "approve", version="1").status_code == 303
    response = decide(staff("pmc2"), number, "approve", version="1")
    assert response.status_code == 409
    assert "Changed by pmc" in response.text


def test_buyer_signs_the_approved_report_and_staff_verify_it(client: TestClient[Litestar], chains: Seed,
                                                              database_url: str) -> None:  # fmt: skip
    sign_in_customer(client, "c001-buyer")
    number = date_change(client, chains, database_url)
    staff = Identities(client, "staff")
    assert decide(staff("pmc"), number, "approve").status_code == 303
    page = client.get(f"/portal/changes/{number}").text
    shown = re.search(r'name="report_sha256" value="([0-9a-f]{64})"', page).group(1)  # type: ignore[union-attr]
    report = client.get(f"/portal/changes/{number}/report.pdf").content
    import hashlib

    assert hashlib.sha256(report).hexdigest() == shown  # the hash is of exactly the bytes shown
    sign_path, token_from = f"/portal/changes/{number}/sign", f"/portal/changes/{number}"
    missing = post_form(client, sign_path, {"typed_name": " ", "report_sha256": shown}, token_from=token_from)
    assert missing.status_code == 422
    assert "Type your name to sign." in missing.text
    assert "Tick the box" in missing.text
    wrong = post_form(
        client,
        sign_path,
        {"typed_name": "李雷", "confirm": "1", "report_sha256": "0" * 64},
        token_from=token_from,
    )
    assert wrong.status_code == 409
    ok = post_form(
        client,
        sign_path,
        {"typed_name": "李雷", "confirm": "1", "report_sha256": shown},
        token_from=token_from,
    )
    assert ok.status_code == 303
    again = post_form(
        client,
        sign_path,
        {"typed_name": "李雷", "confirm": "1", "report_sha256": shown},
        token_from=token_from,
    )
    assert again.status_code == 422  # signed once only

    async def stored(s: Any) -> ChangeSignature:
        return await s.scalar(select(ChangeSignature))

    signature = run_db(database_url, stored)
    assert (signature.typed_name, signature.report_sha256, signature.ip) == ("李雷", shown, "testclient")
    signed = client.get(f"/portal/changes/{number}/report.pdf").content
    assert hashlib.sha256(signed).hexdigest() == signature.signed_pdf_sha256
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(signed)).pages)
    assert "李雷" in text
    assert shown in text.replace("\n", "")

    officer = staff("cs")

    def verify(data: bytes) -> Any:
        token = csrf_token(officer, "/backoffice/changes/verify")
        return officer.post("/backoffice/changes/verify", data={"_csrf_token": token},
                            files={"file": ("r.pdf", data, "application/pdf")})  # fmt: skip

    assert 'data-verified="yes"' in verify(signed).text
    assert 'data-verified="yes"' in verify(report).text
    assert 'data-verified="no"' in verify(signed.replace(b"%%EOF", b"%%EOF\n% tampered")).text
    assert verify(b"GIF89a not a pdf").status_code == 422


def test_chains_are_for_managers_and_admins(client: TestClient[Litestar], chains: Seed) -> None:
    staff = Identities(client, "staff")
    assert staff("sales").get("/backoffice/approval-chains").status_code == 403
    assert staff("pmc").get("/backoffice/approval-chains").status_code == 403
    page = staff("salesmgr").get("/backoffice/approval-chains")
    assert page.status_code == 200
    assert "L3" in page.text


def test_copy_reorder_add_remove_and_assign_a_chain(
    client: TestClient[Litestar], chains: Seed, database_url: str
) -> None:
    mgr = Identities(client, "staff")("salesmgr")
    index = mgr.get("/backoffice/approval-chains").text
    l2 = re.search(
        r'data-chain="(\d+)">\s*<td><a class="link-strong" href="/backoffice/approval-chains/\d+">L2', index
    ).group(1)  # type: ignore[union-attr]
    copied = post_form(
        mgr,
        f"/backoffice/approval-chains/{l2}/copy",
        {"name": "L2 加急"},
        token_from=f"/backoffice/approval-chains/{l2}",
    )
    assert copied.status_code == 303
    chain_path = copied.headers["location"]
    dup = post_form(
        mgr,
        f"/backoffice/approval-chains/{l2}/copy",
        {"name": "L2 加急"},
        token_from=f"/backoffice/approval-chains/{l2}",
    )
    assert dup.status_code == 422
    assert "already exists" in dup.text

    def nodes() -> list[tuple[str, str]]:
        return re.findall(r'data-node="(\d+)" data-position="(\d+)"', mgr.get(chain_path).text)

    def version() -> str:
        return re.search(r'name="version" value="(\d+)"', mgr.get(chain_path).text).group(1)  # type: ignore[union-attr]

    first, second = [n for n, _ in nodes()]
    assert (
        post_form(
            mgr,
            f"{chain_path}/nodes/{second}/move",
            {"direction": "up", "version": version()},
            token_from=chain_path,
        ).status_code
        == 303
    )
    assert [n for n, _ in nodes()] == [second, first]
    stale = post_form(
        mgr, f"{chain_path}/nodes/{second}/move", {"direction": "down", "version": "1"}, token_from=chain_path
    )
    assert stale.status_code == 409
    bad = post_form(mgr, f"{chain_path}/nodes", {"mode": "all", "version": version()}, token_from=chain_path)
    assert bad.status_code == 422
    assert "Choose at least one role or person." in bad.text
    bad_hours = post_form(
        mgr,
        f"{chain_path}/nodes",
        {"roles": "qc", "mode": "any", "time_limit_hours": "99999", "version": version()},
        token_from=chain_path,
    )
    assert bad_hours.status_code == 422
    added = post_form(
        mgr,
        f"{chain_path}/nodes",
        {"roles": ["qc", "pmc"], "mode": "all", "time_limit_hours": "12", "version": version()},
        token_from=chain_path,
    )
    assert added.status_code == 303
    assert len(nodes()) == 3
    assert (
        post_form(
            mgr, f"{chain_path}/nodes/{first}/delete", {"version": version()}, token_from=chain_path
        ).status_code
        == 303
    )
    assert [p for _, p in nodes()] == ["1", "2"]
    chain_id = chain_path.rsplit("/", 1)[1]
    index = mgr.get("/backoffice/approval-chains").text
    ids = dict(
        re.findall(
            r'id="chain-(L\d)" name="chain-L\d">\s*(?:<option value="\d+"[^>]*>[^<]*</option>)*', index
        )
    )
    form = {f"chain-{lvl}": chain_id if lvl == "L2" else re.search(rf'name="chain-{lvl}">.*?<option value="(\d+)" selected', index, re.S).group(1)  # type: ignore[union-attr]
            for lvl in ("L1", "L2", "L3")}  # fmt: skip
    del ids
    assert (
        post_form(
            mgr, "/backoffice/approval-chains/levels", form, token_from="/backoffice/approval-chains"
        ).status_code
        == 303
    )
    # A new L2 request now follows the copied chain (QC + PMC countersign first, after the reorder).
    response = ask(
        Identities(client, "staff")("sales"), chains.orders["c001_submitted"], face="staff", **{"qty-1": "33"}
    )
    number = CR_URL.search(response.headers["location"]).group(1)  # type: ignore[union-attr]
    detail = Identities(client, "staff")("sales").get(f"/backoffice/changes/{number}").text
    assert "L2 加急" in detail


def test_anonymous_is_sent_to_sign_in(client: TestClient[Litestar], chains: Seed) -> None:
    for path in ("/backoffice/changes", "/backoffice/approval-chains", "/portal/changes"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert "/login" in response.headers["location"]


def test_with_htmx_a_bad_change_swaps_only_the_form(client: TestClient[Litestar], chains: Seed) -> None:
    sign_in_customer(client, "c001-buyer")
    order_no = chains.orders["c001_submitted"]
    new = f"/portal/orders/{order_no}/changes/new"
    token = csrf_token(client, new)
    response = client.post(
        f"/portal/orders/{order_no}/changes",
        data={
            "_csrf_token": token,
            "version": "2",
            "qty-1": "-1",
            "reason": "customer_adjustment",
            "scope": "date_only",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert response.text.lstrip().startswith('<div id="change-form">')
    assert "<html" not in response.text
    assert "Quantity must be greater than zero." in response.text
