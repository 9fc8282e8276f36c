"""create_order and transition_order: validation, money, numbering, versions, the timeline and the outbox."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local, utcnow
from domain.catalog.models import Product
from domain.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from domain.orders.drafts import LineDraft, OrderDraft
from domain.orders.models import NumberSequence, OrderEvent, SalesOrder, SalesOrderLine
from domain.orders.services import create_order, transition_order
from domain.outbox.models import OutboxMessage
from domain.parties.models import Customer
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP

SALES = Actor(kind="staff", id=2, name="Li Wei", roles=frozenset({"sales"}))
MANAGER = Actor(kind="staff", id=3, name="Zhang Min", roles=frozenset({"sales_manager"}))
PMC = Actor(kind="staff", id=4, name="Wang Fang", roles=frozenset({"pmc"}))


def draft(seed: Seed, customer: str = "C001", po: str | None = None, **changes: object) -> OrderDraft:
    values: dict[str, object] = {
        "customer_id": seed.customers[customer],
        "requested_date": today_local() + dt.timedelta(days=20),
        "lines": [LineDraft(seed.products[0], Decimal("10"))],
        "customer_po": po,
    }
    values.update(changes)
    return OrderDraft(**values)  # type: ignore[arg-type]


async def count(db: AsyncSession, model: type) -> int:
    return await db.scalar(select(func.count()).select_from(model)) or 0


def rendered(message: str) -> str:
    return str(message) % getattr(message, "params", {})


# --- validation -------------------------------------------------------------------------------------


@MODULE_LOOP
async def test_unknown_product_and_customer_are_reported_per_field_and_nothing_is_written(
    db: AsyncSession, module_seed: Seed
) -> None:
    before = (await count(db, SalesOrder), await count(db, OutboxMessage))
    sequence = await db.scalar(select(NumberSequence.last_value))
    bad = draft(
        module_seed,
        customer_id=999_999,
        lines=[LineDraft(module_seed.products[0], Decimal("1")), LineDraft(999_999, Decimal("2"))],
    )
    with pytest.raises(ValidationFailed) as raised:
        await create_order(db, bad, SALES)
    assert set(raised.value.errors) == {"customer", "lines-1-product"}
    assert (await count(db, SalesOrder), await count(db, OutboxMessage)) == before
    assert await db.scalar(select(NumberSequence.last_value)) == sequence  # no number spent on a refusal


@MODULE_LOOP
async def test_inactive_products_and_customers_are_refused(db: AsyncSession, module_seed: Seed) -> None:
    await db.execute(update(Product).where(Product.id == module_seed.products[0]).values(active=False))
    await db.execute(
        update(Customer).where(Customer.id == module_seed.customers["C002"]).values(active=False)
    )
    with pytest.raises(ValidationFailed) as raised:
        await create_order(db, draft(module_seed, "C002"), SALES)
    assert set(raised.value.errors) == {"customer", "lines-0-product"}


@MODULE_LOOP
async def test_a_po_number_is_unique_per_customer_and_the_message_names_the_order(
    db: AsyncSession, module_seed: Seed
) -> None:
    existing = module_seed.orders["c001_submitted"]  # PO-C001-1
    with pytest.raises(ValidationFailed) as raised:
        await create_order(db, draft(module_seed, "C001", po="PO-C001-1"), SALES)
    assert set(raised.value.errors) == {"customer_po"}
    message = raised.value.errors["customer_po"]
    assert rendered(message) == f"PO number already used by order {existing}."
    # The same PO from another customer is that customer's business.
    order = await create_order(db, draft(module_seed, "C002", po="PO-C001-1"), SALES)
    assert order.customer_po == "PO-C001-1"


@MODULE_LOOP
async def test_the_duplicate_check_also_sees_drafts_and_cancelled_orders(
    db: AsyncSession, module_seed: Seed
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        await create_order(db, draft(module_seed, "C001", po="PO-C001-DRAFT"), SALES)
    assert raised.value.errors["customer_po"].params["order_no"] == module_seed.orders["c001_draft"]


# --- money ------------------------------------------------------------------------------------------


@MODULE_LOOP
async def test_totals_are_decimal_and_use_the_contract_tax_rate(db: AsyncSession, module_seed: Seed) -> None:
    # C002's contract says 9 %; the catalogue says 13 %. The contract is what gets invoiced.
    await db.execute(
        update(Customer)
        .where(Customer.id == module_seed.customers["C002"])
        .values(contract_tax_rate=Decimal("0.09"))
    )
    p0, p2 = module_seed.products[0], module_seed.products[2]  # 38.5000 and 4.2500
    order = await create_order(
        db,
        draft(module_seed, "C002", lines=[LineDraft(p0, Decimal("3")), LineDraft(p2, Decimal("0.333"))]),
        SALES,
    )
    # 3 × 38.50 = 115.50 (tax 10.395 → 10.40); 0.333 × 4.25 = 1.41525 → 1.42 (tax 0.1278 → 0.13)
    assert order.total_net == Decimal("116.92")
    assert order.total_tax == Decimal("10.53")
    assert order.total_gross == Decimal("127.45")
    assert order.line_count == 2

    db.expunge_all()  # read back what the database holds, not the objects we built
    stored = await db.scalar(select(SalesOrder).where(SalesOrder.order_no == order.order_no))
    assert stored is not None
    for value in (stored.total_net, stored.total_tax):
        assert isinstance(value, Decimal)
    assert (stored.total_net, stored.total_tax) == (Decimal("116.92"), Decimal("10.53"))
    lines = (
        await db.scalars(
            select(SalesOrderLine).where(SalesOrderLine.order_id == stored.id).order_by("line_no")
        )
    ).all()
    assert [
        (line.line_no, line.quantity, line.unit_price, line.tax_rate, line.amount_net) for line in lines
    ] == [
        (1, Decimal("3"), Decimal("38.5"), Decimal("0.09"), Decimal("115.50")),
        (2, Decimal("0.333"), Decimal("4.25"), Decimal("0.09"), Decimal("1.42")),
    ]
    assert all(isinstance(line.amount_net, Decimal) and isinstance(line.quantity, Decimal) for line in lines)


# --- numbering, the timeline, the outbox -----------------------------------------------------------


@MODULE_LOOP
async def test_order_numbers_have_the_format_and_increase(db: AsyncSession, module_seed: Seed) -> None:
    first = await create_order(db, draft(module_seed), SALES)
    second = await create_order(db, draft(module_seed, "C002"), SALES)
    year = today_local().year
    for order in (first, second):
        assert re.fullmatch(rf"SO-{year}-\d{{6}}", order.order_no), order.order_no
    assert int(second.order_no[-6:]) == int(first.order_no[-6:]) + 1
    assert first.order_no > max(module_seed.orders.values())


@MODULE_LOOP
async def test_a_new_order_is_a_draft_with_its_timeline_entry_and_event(
    db: AsyncSession, module_seed: Seed
) -> None:
    outbox_before = await count(db, OutboxMessage)
    order = await create_order(db, draft(module_seed, po="NEW-1"), SALES)
    assert (order.status, order.version, order.channel, order.changed_by) == (
        "draft",
        1,
        "quick_entry",
        "Li Wei",
    )
    assert order.order_date == today_local()
    events = (await db.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id))).all()
    assert [(e.kind, e.to_status, e.actor_name, e.actor_id, e.version) for e in events] == [
        ("created", "draft", "Li Wei", 2, 1)
    ]
    messages = (
        await db.scalars(select(OutboxMessage).where(OutboxMessage.aggregate_id == order.order_no))
    ).all()
    assert [(m.event, m.published_at) for m in messages] == [("order.created", None)]
    assert messages[0].payload["customer_id"] == module_seed.customers["C001"]
    assert await count(db, OutboxMessage) == outbox_before + 1


@MODULE_LOOP
async def test_create_and_submit_in_one_command(db: AsyncSession, module_seed: Seed) -> None:
    order = await create_order(db, draft(module_seed, po="NEW-2"), SALES, submit=True)
    assert (order.status, order.version) == ("submitted", 2)
    events = (
        await db.scalars(select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.id))
    ).all()
    assert [(e.kind, e.from_status, e.to_status, e.version) for e in events] == [
        ("created", None, "draft", 1),
        ("transition", "draft", "submitted", 2),
        ("promise", None, None, 2),  # the promise checks run on submit (domain/promise)
    ]
    events_out = (
        await db.scalars(
            select(OutboxMessage.event)
            .where(OutboxMessage.aggregate_id == order.order_no)
            .order_by(OutboxMessage.id)
        )
    ).all()
    # The seed's products have no routing, so the promise flags the order for review.
    assert events_out == ["order.created", "order.submitted", "order.promise_flagged"]


@MODULE_LOOP
async def test_a_role_that_may_not_submit_cannot_create_and_submit(
    db: AsyncSession, module_seed: Seed
) -> None:
    with pytest.raises(Forbidden):
        await create_order(db, draft(module_seed, po="NEW-3"), PMC, submit=True)


# --- versions -----------------------------------------------------------------------------------------


@MODULE_LOOP
async def test_every_transition_bumps_the_version(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders["c001_submitted"]
    order = await transition_order(db, order_no=order_no, action="confirm", expected_version=2, actor=MANAGER)
    assert order.version == 3
    order = await transition_order(
        db, order_no=order_no, action="hold", expected_version=3, actor=MANAGER, comment="credit check"
    )
    assert order.version == 4
    versions = (
        await db.scalars(
            select(OrderEvent.version)
            .where(OrderEvent.order_id == order.id, OrderEvent.kind.not_in(("production", "promise")))
            .order_by(OrderEvent.id)
        )
    ).all()
    assert versions == [1, 2, 3, 4]


@MODULE_LOOP
async def test_a_stale_version_names_who_changed_it_and_when(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders["c001_submitted"]
    started = utcnow()
    order = await transition_order(db, order_no=order_no, action="confirm", expected_version=2, actor=MANAGER)
    await db.flush()
    before = (order.status, order.version)
    with pytest.raises(StaleVersion) as raised:
        # A second person, whose form still shows version 2, tries another move.
        await transition_order(
            db, order_no=order_no, action="return_to_draft", expected_version=2, actor=MANAGER, comment="x"
        )
    stale = raised.value
    assert stale.changed_by == "Zhang Min"
    assert stale.current_version == 3
    assert stale.changed_at is not None
    changed_at = stale.changed_at if stale.changed_at.tzinfo else stale.changed_at.replace(tzinfo=dt.UTC)
    assert started - dt.timedelta(seconds=1) <= changed_at <= utcnow() + dt.timedelta(seconds=1)
    assert (order.status, order.version) == before


@MODULE_LOOP
async def test_a_missing_order_is_not_found(db: AsyncSession, module_seed: Seed) -> None:
    with pytest.raises(NotFound):
        await transition_order(
            db, order_no="SO-1999-000001", action="confirm", expected_version=1, actor=MANAGER
        )


@MODULE_LOOP
async def test_a_duplicate_po_that_slips_past_the_check_still_gets_the_field_error(
    db: AsyncSession, module_seed: Seed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reps entering the same PO at the same moment both pass the check; the unique constraint
    decides, and the loser gets the same field error as a sequential duplicate, not a crash."""
    from domain.orders import services

    rep = Actor(kind="staff", id=module_seed.staff["sales"], name="sales", roles=frozenset({"sales"}))
    when = today_local() + dt.timedelta(days=9)
    first = await create_order(
        db, OrderDraft(module_seed.customers["C002"], when, [LineDraft(module_seed.products[0], Decimal("1"))],
                       customer_po="PO-RACE"), rep,
    )  # fmt: skip
    real_check = services.po_in_use
    calls = []

    async def first_look_sees_nothing(*args: object) -> str | None:
        calls.append(args)  # the first look happens before the other transaction commits
        return None if len(calls) == 1 else await real_check(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(services, "po_in_use", first_look_sees_nothing)
    orders_before = await count(db, SalesOrder)
    with pytest.raises(ValidationFailed) as raised:
        await create_order(
            db, OrderDraft(module_seed.customers["C002"], when, [LineDraft(module_seed.products[1], Decimal("2"))],
                           customer_po="PO-RACE"), rep,
        )  # fmt: skip
    assert set(raised.value.errors) == {"customer_po"}
    assert raised.value.errors["customer_po"].params == {"order_no": first.order_no}
    assert len(calls) == 2  # the constraint fired and the error was built from a second look
    assert await count(db, SalesOrder) == orders_before


@MODULE_LOOP
async def test_a_role_without_the_desk_cannot_create_an_order_at_all(
    db: AsyncSession, module_seed: Seed
) -> None:
    planner = Actor(kind="staff", id=module_seed.staff["pmc"], name="pmc", roles=frozenset({"pmc"}))
    before = (await count(db, SalesOrder), await count(db, OutboxMessage))
    with pytest.raises(Forbidden):
        await create_order(
            db,
            OrderDraft(module_seed.customers["C001"], today_local() + dt.timedelta(days=5),
                       [LineDraft(module_seed.products[0], Decimal("1"))]),
            planner,
        )  # fmt: skip
    assert (await count(db, SalesOrder), await count(db, OutboxMessage)) == before
