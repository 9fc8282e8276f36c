"""The customer's window: only their own orders (never drafts), by stage and PO, with a plain timeline.

Reads only: one seed for the module, with a few more orders further along (held, cancelled) that
carry staff names and internal comments the customer must never see.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local
from domain.orders.drafts import LineDraft, OrderDraft
from domain.orders.services import create_order, transition_order
from domain.parties.auth import configure_hasher
from tests.conftest import _reset_and_seed
from tests.seed import Seed
from tests.web.conftest import Identities, english_client, make_app, run_db

LINK = re.compile(r'href="/portal/orders/(SO-\d{4}-\d{6})"')
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
SECRET_NAMES = ("Zhou Qiang", "Qian Li")
SECRET_NOTES = ("INTERNAL credit review", "INTERNAL customer withdrew")


async def add_portal_orders(session: AsyncSession, seed: Seed) -> None:
    """C001: one order held in production, one cancelled; C002: one held. Staff names and notes are internal."""
    planner = Actor(kind="staff", id=seed.staff["pmc"], name="Zhou Qiang", roles=frozenset({"pmc"}))
    manager = Actor(
        kind="staff", id=seed.staff["salesmgr"], name="Qian Li", roles=frozenset({"sales_manager"})
    )
    when = today_local() + dt.timedelta(days=40)

    async def new(customer: str, po: str) -> str:
        draft = OrderDraft(seed.customers[customer], when, [LineDraft(seed.products[1], Decimal("8"))], po)
        order = await create_order(session, draft, manager, submit=True)
        return order.order_no

    async def move(order_no: str, action: str, actor: Actor, comment: str = "") -> None:
        current = await transition_order(
            session, order_no=order_no, action=action, expected_version=versions[order_no], actor=actor,
            comment=comment,
        )  # fmt: skip
        versions[order_no] = current.version

    versions: dict[str, int] = {}
    for label, customer, po in (("held", "C001", "PO-C001-HELD"), ("cancelled", "C001", "PO-C001-GONE"),
                                ("c002_held", "C002", "PO-C002-HELD")):  # fmt: skip
        seed.orders[label] = await new(customer, po)
        versions[seed.orders[label]] = 2
    for label in ("held", "c002_held"):
        await move(seed.orders[label], "confirm", manager)
        await move(seed.orders[label], "start_production", planner)
        await move(seed.orders[label], "hold", planner, SECRET_NOTES[0])
    await move(seed.orders["cancelled"], "cancel", manager, SECRET_NOTES[1])
    # A draft the rep cancelled before ever submitting it: never the customer's business.
    rep = Actor(kind="staff", id=seed.staff["sales"], name="sales", roles=frozenset({"sales"}))
    unsent = await create_order(
        session,
        OrderDraft(
            seed.customers["C001"], when, [LineDraft(seed.products[0], Decimal("3"))], "PO-C001-UNSENT"
        ),
        rep,
    )
    await transition_order(session, order_no=unsent.order_no, action="cancel", expected_version=1, actor=rep,
                           comment="typo")  # fmt: skip
    seed.orders["unsent_cancelled"] = unsent.order_no
    # Submitted, then returned to the rep for a correction: the customer placed it, it stays visible.
    returned = await new("C001", "PO-C001-RETURNED")
    versions[returned] = 2
    await move(returned, "return_to_draft", manager, "fix the price")
    seed.orders["returned"] = returned


@pytest.fixture(scope="module")
def shared(database_url: str) -> Seed:
    configure_hasher(1, 1024)
    seed = asyncio.run(_reset_and_seed(database_url))
    run_db(database_url, lambda s: add_portal_orders(s, seed))
    return seed


@pytest.fixture(scope="module")
def customers(database_url: str, shared: Seed) -> Iterator[Identities]:
    with english_client(make_app(database_url)) as client:
        yield Identities(client, "portal")


@pytest.fixture
def buyer(customers: Identities) -> TestClient[Litestar]:
    return customers("c001-buyer")


def listed(client: TestClient[Litestar], **params: str) -> set[str]:
    response = client.get("/portal/orders", params=params)
    assert response.status_code == 200
    return set(LINK.findall(response.text))


def test_the_list_shows_only_the_customers_orders_and_never_drafts(
    buyer: TestClient[Litestar], shared: Seed
) -> None:
    o = shared.orders
    assert listed(buyer) == {
        o[k] for k in ("c001_submitted", "c001_in_production", "held", "cancelled", "returned")
    }
    page = buyer.get("/portal/orders").text
    for foreign in (o["c002_submitted"], o["c002_held"], "PO-C002-1", "苏州恒驰"):
        assert foreign not in page
    assert o["c001_draft"] not in page
    assert "PO-C001-DRAFT" not in page


def test_the_other_customer_sees_only_theirs(customers: Identities, shared: Seed) -> None:
    o = shared.orders
    assert listed(customers("c002-buyer")) == {o["c002_submitted"], o["c002_held"]}


@pytest.mark.parametrize(
    ("stage", "labels"),
    [
        # A never-submitted draft is not shown; one returned to draft after submission is.
        ("received", {"c001_submitted", "returned"}),
        ("production", {"c001_in_production"}),
        ("on_hold", {"held"}),
        ("cancelled", {"cancelled"}),
        ("shipped", set()),
        ("no-such-stage", {"c001_submitted", "c001_in_production", "held", "cancelled", "returned"}),
    ],
)
def test_filter_by_stage(buyer: TestClient[Litestar], shared: Seed, stage: str, labels: set[str]) -> None:
    assert listed(buyer, stage=stage) == {shared.orders[label] for label in labels}


@pytest.mark.parametrize(
    ("po", "labels"),
    [
        ("PROD", {"c001_in_production"}),
        ("po-c001-held", {"held"}),
        ("PO-C001", {"c001_submitted", "c001_in_production", "held", "cancelled", "returned"}),
        ("PO-C001-DRAFT", set()),  # a draft is not found by its PO either
        ("PO-C002-1", set()),  # nor is another customer's PO
        ("HELD", {"held"}),
        ("%", set()),
        ("_", set()),
    ],
)
def test_search_by_po(buyer: TestClient[Litestar], shared: Seed, po: str, labels: set[str]) -> None:
    assert listed(buyer, po=po) == {shared.orders[label] for label in labels}


def test_search_by_order_number(buyer: TestClient[Litestar], shared: Seed) -> None:
    order_no = shared.orders["c001_in_production"]
    assert listed(buyer, po=order_no) == {order_no}
    assert listed(buyer, po=shared.orders["c002_submitted"]) == set()


def test_an_htmx_request_gets_only_the_list(buyer: TestClient[Litestar], shared: Seed) -> None:
    response = buyer.get("/portal/orders", params={"stage": "production"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert set(LINK.findall(response.text)) == {shared.orders["c001_in_production"]}
    assert "HX-Request" in response.headers.get("vary", "")


def test_an_order_page_shows_the_plain_timeline(buyer: TestClient[Litestar], shared: Seed) -> None:
    response = buyer.get(f"/portal/orders/{shared.orders['c001_in_production']}")
    assert response.status_code == 200
    text = response.text
    for label in ("Order received", "Confirmed", "In production", "Quality inspection", "Preparing shipment",
                  "Shipped", "Delivered", "Completed"):  # fmt: skip
        assert label in text
    current = re.search(r'aria-current="step"[^>]*>.*?</li>', text, re.S)
    assert current
    assert "In production" in current.group(0)
    assert "PO-C001-PROD" in text
    # Who did it is the factory's business.
    for name in ("salesmgr", "pmc"):
        assert name not in text


def test_a_held_order_shows_paused_without_names_or_internal_notes(
    buyer: TestClient[Litestar], shared: Seed
) -> None:
    text = buyer.get(f"/portal/orders/{shared.orders['held']}").text
    assert "Paused" in text
    assert "Quality inspection" in text  # the road ahead is still drawn
    for secret in (*SECRET_NAMES, *SECRET_NOTES):
        assert secret not in text


def test_a_cancelled_order_shows_where_it_stopped(buyer: TestClient[Litestar], shared: Seed) -> None:
    text = buyer.get(f"/portal/orders/{shared.orders['cancelled']}").text
    assert "Cancelled" in text
    assert "Order received" in text
    assert "Quality inspection" not in text  # nothing ahead of a cancelled order
    for secret in (*SECRET_NAMES, *SECRET_NOTES):
        assert secret not in text


def _not_found(client: TestClient[Litestar], order_no: str) -> tuple[int, str, str]:
    response = client.get(f"/portal/orders/{order_no}")
    title = TITLE.search(response.text)
    assert title
    return response.status_code, title.group(1).strip(), response.text.replace(order_no, "<number>")


@pytest.mark.parametrize("label", ["c002_submitted", "c002_held", "c001_draft"])
def test_another_customers_order_or_a_draft_is_exactly_like_a_missing_one(
    buyer: TestClient[Litestar], shared: Seed, label: str
) -> None:
    order_no = shared.orders[label]
    status, title, body = _not_found(buyer, order_no)
    missing = _not_found(buyer, "SO-1999-999999")
    assert (status, title) == (missing[0], missing[1])
    assert status == 404
    assert "Not found" in title
    assert body == missing[2]
    for leak in ("苏州恒驰", "PO-C002", "PO-C001-DRAFT", "HR-"):
        assert leak not in body


def test_a_qc_engineer_can_read_too(customers: Identities, shared: Seed) -> None:
    engineer = customers("c001-qe")
    assert shared.orders["c001_in_production"] in listed(engineer)
    response = engineer.get(f"/portal/orders/{shared.orders['c001_in_production']}")
    assert response.status_code == 200
    assert "In production" in response.text
    assert engineer.get(f"/portal/orders/{shared.orders['c002_submitted']}").status_code == 404


def test_a_draft_cancelled_before_submission_never_reaches_the_portal(
    buyer: TestClient[Litestar], shared: Seed
) -> None:
    order_no = shared.orders["unsent_cancelled"]
    assert order_no not in listed(buyer)
    assert order_no not in listed(buyer, stage="cancelled")
    assert buyer.get(f"/portal/orders/{order_no}").status_code == 404


def test_an_order_returned_to_draft_stays_visible_as_received(
    buyer: TestClient[Litestar], shared: Seed
) -> None:
    order_no = shared.orders["returned"]
    assert order_no in listed(buyer, stage="received")
    page = buyer.get(f"/portal/orders/{order_no}")
    assert page.status_code == 200
    assert 'data-stage="received"' in page.text
    assert "fix the price" not in page.text
