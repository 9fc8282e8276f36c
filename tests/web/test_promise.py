"""The promise on the web: the quick-entry preview (a dry run), the order card, the review queue, the
credit override and re-check — with the forbidden paths."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local
from domain.orders.drafts import LineDraft, OrderDraft
from domain.orders.models import SalesOrder
from domain.orders.services import create_order
from domain.promise.models import PromiseCheck
from tests.floor import build_floor
from tests.helpers import csrf_token, sign_in_customer
from tests.promise_data import build_stock
from tests.seed import Seed
from tests.web.conftest import Identities, run_db

PREVIEW = "/backoffice/orders/new/preview"


def _in(days: int) -> str:
    return (today_local() + dt.timedelta(days=days)).isoformat()


@pytest.fixture
def world(database_url: str, seeded: Seed) -> Seed:
    async def work(s: AsyncSession) -> None:
        await build_floor(s, seeded)
        await build_stock(s, seeded)

    run_db(database_url, work)
    return seeded


def _submit(
    database_url: str, seed: Seed, customer: str, *lines: tuple[int, str], limit: str | None = None
) -> str:
    """An order submitted through the domain, as any channel does."""

    async def work(s: AsyncSession) -> str:
        if limit is not None:
            from domain.parties.models import Customer

            c = await s.get(Customer, seed.customers[customer])
            assert c is not None
            c.credit_limit = Decimal(limit)
        sales = Actor(kind="staff", id=seed.staff["sales"], name="sales", roles=frozenset({"sales"}))
        order = await create_order(s, OrderDraft(
            customer_id=seed.customers[customer], requested_date=today_local() + dt.timedelta(days=30),
            lines=[LineDraft(seed.products[i], Decimal(q)) for i, q in lines]), sales, submit=True)  # fmt: skip
        return order.order_no

    return run_db(database_url, work)


def _checks(database_url: str) -> int:
    async def work(s: AsyncSession) -> int:
        return await s.scalar(select(func.count()).select_from(PromiseCheck)) or 0

    return run_db(database_url, work)


def _version(database_url: str, order_no: str) -> int:
    async def work(s: AsyncSession) -> int:
        return await s.scalar(select(SalesOrder.version).where(SalesOrder.order_no == order_no)) or 0

    return run_db(database_url, work)


def _preview(client: TestClient[Litestar], data: dict[str, Any]) -> Any:
    token = csrf_token(client, "/backoffice/orders/new")
    return client.post(PREVIEW, data=data, headers={"X-CSRFToken": token, "HX-Request": "true"})


# --- preview --------------------------------------------------------------------------------------------


def test_the_preview_shows_the_promise_and_a_kitting_flag_and_stores_nothing(
    client: TestClient[Litestar], world: Seed, database_url: str
) -> None:
    as_user = Identities(client, "staff")
    as_user("sales")
    before = _checks(database_url)
    # products[1] needs a BEARING a unit; 10 are free, the next confirmed ones come on day 60
    r = _preview(client, {"customer": str(world.customers["C001"]), "requested_date": _in(30),
                          "product": [str(world.products[1])], "quantity": ["20"]})  # fmt: skip
    assert r.status_code == 200
    assert 'data-preview="red"' in r.text
    assert 'data-flag="kitting"' in r.text
    assert "M-BEARING" in r.text
    assert "What would make the requested date possible" in r.text
    # a line that can be made in time is green with a date
    r = _preview(client, {"customer": str(world.customers["C001"]), "requested_date": _in(30),
                          "product": [str(world.products[0])], "quantity": ["10"]})  # fmt: skip
    assert 'data-preview="green"' in r.text
    assert re.search(r'data-promised="\d{4}-\d{2}-\d{2}"', r.text)
    assert _checks(database_url) == before  # a dry run


def test_the_preview_tolerates_half_a_form_and_bad_input(client: TestClient[Litestar], world: Seed) -> None:
    Identities(client, "staff")("sales")
    r = _preview(client, {"product": [""], "quantity": [""]})
    assert r.status_code == 200
    assert 'data-preview="empty"' in r.text
    for bad in ("abc", "-5", "1e400", "<script>alert(1)</script>", "1; DROP TABLE sales_orders"):
        r = _preview(client, {"product": [str(world.products[0])], "quantity": [bad]})
        assert r.status_code == 200
        assert 'data-preview="empty"' in r.text
        assert "<script>alert" not in r.text
    r = _preview(client, {"product": ["999999"], "quantity": ["5"]})  # unknown product
    assert 'data-preview="empty"' in r.text
    # no customer, no date: a promised date without credit or comparison
    r = _preview(client, {"product": [str(world.products[0])], "quantity": ["5"], "customer": "x",
                          "requested_date": "yesterday"})  # fmt: skip
    assert "Choose a customer to check credit." in r.text
    assert "Choose a requested date to compare." in r.text


def test_the_preview_needs_order_entry_rights(client: TestClient[Litestar], world: Seed) -> None:
    as_user = Identities(client, "staff")
    as_user("sales")
    token = csrf_token(client, "/backoffice/orders/new")
    as_user("warehouse")
    r = client.post(PREVIEW, data={"product": [str(world.products[0])], "quantity": ["5"]},
                    headers={"X-CSRFToken": token})  # fmt: skip
    assert r.status_code == 403


def test_the_quick_entry_form_asks_for_the_preview(client: TestClient[Litestar], world: Seed) -> None:
    Identities(client, "staff")("sales")
    page = client.get("/backoffice/orders/new").text
    assert f'hx-post="{PREVIEW}"' in page
    assert 'id="promise-preview"' in page


# --- order card, review queue ------------------------------------------------------------------------------


def test_a_flagged_order_shows_in_the_queue_and_on_its_page(
    client: TestClient[Litestar], world: Seed, database_url: str
) -> None:
    order_no = _submit(database_url, world, "C002", (1, "20"))
    as_user = Identities(client, "staff")
    as_user("pmc")
    queue = client.get("/backoffice/review")
    assert queue.status_code == 200
    assert f'data-order="{order_no}"' in queue.text
    assert 'data-check="kitting"' in queue.text
    only_credit = client.get("/backoffice/review?check=credit", headers={"HX-Request": "true"})
    assert f'data-order="{order_no}"' not in only_credit.text
    assert "<html" not in only_credit.text  # the fragment alone
    page = client.get(f"/backoffice/orders/{order_no}").text
    assert 'data-promise="red"' in page
    assert "M-BEARING" in page
    assert "data-override-form" not in page  # no credit flag, and PMC may not override anyway
    assert 'class="table heat"' in page  # the floor's load around the date, for the reviewer
    assert "/backoffice/production/load?start=" in page
    # roles without business in credit positions are refused the queue and see no card
    as_user("warehouse")
    assert client.get("/backoffice/review").status_code == 403
    assert 'data-promise="red"' not in client.get(f"/backoffice/orders/{order_no}").text


def test_the_customer_sees_under_review_without_reasons(
    client: TestClient[Litestar], world: Seed, database_url: str
) -> None:
    order_no = _submit(database_url, world, "C001", (1, "20"))
    sign_in_customer(client, "c001-buyer")
    page = client.get(f"/portal/orders/{order_no}").text
    assert 'data-promise="review"' in page
    assert "M-BEARING" not in page
    assert "Credit" not in page
    # another customer's order is not found, whatever its flags
    other = _submit(database_url, world, "C002", (1, "20"))
    assert client.get(f"/portal/orders/{other}").status_code == 404


# --- override ---------------------------------------------------------------------------------------------


def _override(client: TestClient[Litestar], order_no: str, version: int, reason: str, **headers: str) -> Any:
    token = csrf_token(client, f"/backoffice/orders/{order_no}")
    return client.post(f"/backoffice/review/{order_no}/override",
                       data={"version": str(version), "reason": reason, "_csrf_token": token},
                       headers=headers, follow_redirects=False)  # fmt: skip


def test_the_credit_override_needs_a_sales_manager_a_reason_and_the_current_version(
    client: TestClient[Litestar], world: Seed, database_url: str
) -> None:
    order_no = _submit(database_url, world, "C001", (0, "10"), limit="1.00")
    version = _version(database_url, order_no)
    as_user = Identities(client, "staff")

    as_user("sales")
    assert _override(client, order_no, version, "customer paid").status_code == 403
    as_user("salesmgr")
    page = client.get(f"/backoffice/orders/{order_no}").text
    assert "data-override-form" in page
    assert 'data-flag="credit"' in page
    r = _override(client, order_no, version, "   ", **{"HX-Request": "true"})
    assert r.status_code == 422
    assert "Please give a reason." in r.text
    r = _override(client, order_no, version, "x" * 2001)
    assert r.status_code == 422
    assert "At most 2000 characters." in r.text
    assert _override(client, order_no, version - 1, "stale form").status_code == 409
    assert _version(database_url, order_no) == version  # nothing changed by the refusals
    r = _override(client, order_no, version, "<script>alert(1)</script> 预付款已到账")
    assert r.status_code == 303
    page = client.get(f"/backoffice/orders/{order_no}").text
    assert "data-override" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 预付款已到账" in page
    assert "data-override-form" not in page
    assert _version(database_url, order_no) == version + 1
    # nothing left to override: a clear answer, not a second record
    r = _override(client, order_no, version + 1, "again")
    assert r.status_code == 422
    assert "There is no open credit flag on this order." in r.text


def test_override_of_another_or_missing_order_and_bad_version(
    client: TestClient[Litestar], world: Seed, database_url: str
) -> None:
    Identities(client, "staff")("salesmgr")
    assert _override(client, "SO-2099-999999", 1, "x").status_code == 404
    order_no = _submit(database_url, world, "C001", (0, "10"), limit="1.00")
    token = csrf_token(client, f"/backoffice/orders/{order_no}")
    r = client.post(f"/backoffice/review/{order_no}/override", data={"version": "abc", "reason": "x",
                    "_csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert r.status_code == 400


def test_recheck_runs_the_checks_again_and_keeps_the_history(
    client: TestClient[Litestar], world: Seed, database_url: str
) -> None:
    order_no = _submit(database_url, world, "C001", (1, "20"))
    before = _checks(database_url)
    as_user = Identities(client, "staff")
    as_user("sales")
    token = csrf_token(client, f"/backoffice/orders/{order_no}")
    version = _version(database_url, order_no)
    path = f"/backoffice/review/{order_no}/recheck"
    assert client.post(path, data={"version": str(version), "_csrf_token": token}).status_code == 403
    as_user("pmc")
    token = csrf_token(client, f"/backoffice/orders/{order_no}")
    r = client.post(path, data={"version": str(version), "_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert _checks(database_url) == before + 1
    assert "Earlier checks" in client.get(f"/backoffice/orders/{order_no}").text
    r = client.post(path, data={"version": str(version), "_csrf_token": token}, follow_redirects=False)
    assert r.status_code == 409
