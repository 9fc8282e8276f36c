"""The promise on the test seed, floor and stock: one call, a constant number of statements, the result
kept with the order, the reviewers alerted, the credit override and the confirm guard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest
import pytest_asyncio
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local
from domain.errors import Forbidden, StaleVersion, ValidationFailed
from domain.notifications.models import Notification
from domain.orders.drafts import LineDraft, OrderDraft
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.orders.services import create_order, transition_order
from domain.outbox.models import OutboxMessage
from domain.parties.models import Customer
from domain.promise.models import PromiseCheck, Receivable
from domain.promise.service import PromiseLine, PromiseRequest, evaluate, override_credit
from tests.floor import build_floor
from tests.promise_data import build_stock
from tests.seed import Seed, staff_actor
from tests.unit.conftest import MODULE_LOOP

pytestmark = MODULE_LOOP
D = Decimal


@pytest_asyncio.fixture(loop_scope="module")  # the db session's loop: asyncpg connections belong to one
async def world(db: AsyncSession, module_seed: Seed) -> Seed:
    await build_floor(db, module_seed)
    await build_stock(db, module_seed)
    return module_seed


def _sales(seed: Seed) -> Actor:
    return staff_actor("sales", ["sales"], seed.staff["sales"])


def _manager(seed: Seed) -> Actor:
    return staff_actor("salesmgr", ["sales_manager"], seed.staff["salesmgr"])


async def _customer(db: AsyncSession, limit: str, owed: str = "0") -> int:
    """A customer with no orders yet: its exposure is its receivables and what the test orders."""
    c = Customer(
        code=f"T{limit.replace('.', '')}", name="测试客户", credit_limit=D(limit), contract_tax_rate=D("0.13")
    )
    db.add(c)
    await db.flush()
    today = today_local()
    db.add_all([
        Receivable(customer_id=c.id, invoice_no=f"INV-{c.id}-1", invoice_date=today, due_date=today, amount_open=D(owed)),
        Receivable(customer_id=c.id, invoice_no=f"INV-{c.id}-2", invoice_date=today, due_date=today, amount_open=D("0")),
    ])  # fmt: skip
    await db.flush()
    return c.id


@contextmanager
def count_statements(db: AsyncSession) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = db.get_bind()

    def on_execute(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def _order(
    seed: Seed, customer: int, *lines: tuple[int, str], days: int = 30, po: str | None = None
) -> OrderDraft:
    return OrderDraft(
        customer_id=customer,
        requested_date=today_local() + dt.timedelta(days=days),
        customer_po=po,
        lines=[LineDraft(seed.products[i], D(q)) for i, q in lines],
    )


async def test_credit_at_the_limit_is_green_and_a_cent_over_is_flagged(db: AsyncSession, world: Seed) -> None:
    # products[0] at 38.50: 100 units = 3 850.00 net + 13 % tax 500.50 = 4 350.50 gross; owed 4 000.00.
    exact = await _customer(db, "8350.50", owed="4000.00")
    order = await create_order(db, _order(world, exact, (0, "100")), _sales(world), submit=True)
    check = await db.scalar(select(PromiseCheck).where(PromiseCheck.order_id == order.id))
    assert check is not None
    assert check.credit == {
        "ok": True, "limit": "8350.50", "receivables": "4000.00", "open_orders": "0.00", "this_order": "4350.50",
        "exposure": "8350.50", "headroom": "0.00",
    }  # fmt: skip
    assert (check.status, check.flags) == ("green", [])
    # the order just accepted now counts as open for the customer's next one
    again = await create_order(db, _order(world, exact, (0, "1")), _sales(world), submit=True)
    check = await db.scalar(select(PromiseCheck).where(PromiseCheck.order_id == again.id))
    assert check is not None
    assert check.credit["open_orders"] == "4350.50"
    assert [f["check"] for f in check.flags] == ["credit"]

    over = await _customer(db, "8350.49", owed="4000.00")
    order = await create_order(db, _order(world, over, (0, "100")), _sales(world), submit=True)
    check = await db.scalar(select(PromiseCheck).where(PromiseCheck.order_id == order.id))
    assert check is not None
    assert check.status == "red"
    assert check.needs_review
    (flag,) = check.flags
    assert flag["check"] == "credit"
    assert flag["params"]["over"] == "0.01"


async def test_green_sets_the_promised_date_on_order_and_lines(db: AsyncSession, world: Seed) -> None:
    customer = await _customer(db, "1000000")
    order = await create_order(db, _order(world, customer, (0, "10"), (3, "10")), _sales(world), submit=True)
    check = await db.scalar(select(PromiseCheck).where(PromiseCheck.order_id == order.id))
    assert check is not None
    assert check.status == "green", check.flags
    assert order.status == "submitted"  # accepted by the check; the sales manager confirms (see README)
    assert order.promised_date == check.promised_date is not None
    assert order.promised_date <= order.requested_date
    lines = (await db.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id))).all()
    by_key = {x["key"]: x["promised"] for x in check.capacity["lines"]}
    assert {str(x.line_no): x.promised_date.isoformat() for x in lines if x.promised_date} == by_key
    outbox = (
        await db.scalars(select(OutboxMessage.event).where(OutboxMessage.aggregate_id == order.order_no))
    ).all()
    assert outbox[-1] == "order.promised"


async def test_a_short_shared_component_flags_kitting_and_alerts_the_reviewers(
    db: AsyncSession, world: Seed
) -> None:
    customer = await _customer(db, "1000000")
    before = await db.scalar(select(func.count()).select_from(Notification))
    # products[1] needs one BEARING a unit: 20 wanted, 10 free; the confirmed 100 come on day 60, after the
    # need date (requested day 30 minus the line's routing days); the unconfirmed 500 on day 5 never count.
    order = await create_order(db, _order(world, customer, (1, "20")), _sales(world), submit=True)
    check = await db.scalar(select(PromiseCheck).where(PromiseCheck.order_id == order.id))
    assert check is not None
    assert check.status == "red"
    assert order.status == "submitted"
    assert order.promised_date is None
    kit = check.kitting["lines"][0]
    (short,) = kit["shortages"]
    assert (short["code"], short["required"], short["available"], short["short"]) == (
        "M-BEARING",
        "20.000",
        "10.000",
        "10.000",
    )
    assert kit["rate"] == "0.5000"
    assert short["covered_on"] == (today_local() + dt.timedelta(days=60)).isoformat()
    assert {f["check"] for f in check.flags} == {"kitting", "capacity"}
    assert check.capacity["bottleneck"] == "material"
    assert check.capacity["promised"] > order.requested_date.isoformat()
    # the reviewers hear at once: the sales manager and the PMC planner, one notification each
    notes = (await db.scalars(select(Notification).where(Notification.order_id == order.id))).all()
    assert sorted(n.staff_user_id for n in notes) == sorted([world.staff["salesmgr"], world.staff["pmc"]])
    assert (await db.scalar(select(func.count()).select_from(Notification))) == (before or 0) + 2
    assert notes[0].params == {"order_no": order.order_no}
    assert notes[0].link.endswith(order.order_no)
    outbox = (
        await db.scalars(select(OutboxMessage).where(OutboxMessage.aggregate_id == order.order_no))
    ).all()
    flagged = [m for m in outbox if m.event == "order.promise_flagged"]
    assert flagged
    assert flagged[0].payload["flags"] == ["kitting", "capacity"]


async def test_the_evaluation_costs_the_same_statements_for_one_line_and_twenty(
    db: AsyncSession, world: Seed
) -> None:
    customer = await _customer(db, "1000000")
    today = today_local() + dt.timedelta(days=30)

    def request(n: int) -> PromiseRequest:
        return PromiseRequest(customer, today, [
            PromiseLine(str(i + 1), world.products[(0, 1, 3, 4)[i % 4]], D("5"), today, D("100")) for i in range(n)
        ])  # fmt: skip

    await evaluate(db, request(1))  # warm up anything lazy
    with count_statements(db) as one:
        await evaluate(db, request(1))
    with count_statements(db) as twenty:
        result = await evaluate(db, request(20))
    assert len(one) == len(twenty) <= 8
    assert len(result.kitting.lines) == len(result.capacity.lines) == 20


async def test_credit_override_needs_a_sales_manager_a_reason_and_the_current_version(
    db: AsyncSession, world: Seed
) -> None:
    customer = await _customer(db, "100.00")
    order = await create_order(db, _order(world, customer, (0, "10")), _sales(world), submit=True)
    version = order.version
    with pytest.raises(Forbidden):
        await override_credit(
            db, order_no=order.order_no, expected_version=version, reason="ok", actor=_sales(world)
        )
    with pytest.raises(ValidationFailed) as exc:
        await override_credit(
            db, order_no=order.order_no, expected_version=version, reason="  ", actor=_manager(world)
        )
    assert "reason" in exc.value.errors
    with pytest.raises(StaleVersion):
        await override_credit(
            db, order_no=order.order_no, expected_version=version - 1, reason="x", actor=_manager(world)
        )
    # confirming is blocked while the credit flag is open
    with pytest.raises(ValidationFailed):
        await transition_order(db, order_no=order.order_no, action="confirm", expected_version=version,
                               actor=_manager(world))  # fmt: skip
    await db.rollback()


async def test_an_override_clears_a_credit_only_flag_and_the_order_is_promised(
    db: AsyncSession, world: Seed
) -> None:
    customer = await _customer(db, "100.00")
    order = await create_order(db, _order(world, customer, (0, "10")), _sales(world), submit=True)
    check = await override_credit(db, order_no=order.order_no, expected_version=order.version,
                                  reason="预付款已到账 / prepayment received", actor=_manager(world))  # fmt: skip
    assert check.credit_override_by == "salesmgr"
    assert not check.needs_review
    await db.refresh(order)
    assert order.promised_date == check.promised_date is not None
    events = (
        await db.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "promise")
        )
    ).all()
    assert [e.action for e in events] == ["promise_check", "credit_override"]
    assert events[-1].comment.startswith("预付款")
    out = await db.scalar(select(OutboxMessage).where(OutboxMessage.aggregate_id == order.order_no,
                                                      OutboxMessage.event == "order.credit_overridden"))  # fmt: skip
    assert out is not None
    assert out.payload["still_in_review"] is False
    # a second override finds nothing to override
    with pytest.raises(ValidationFailed):
        await override_credit(db, order_no=order.order_no, expected_version=order.version, reason="again",
                              actor=_manager(world))  # fmt: skip
    # and now the order can be confirmed
    confirmed = await transition_order(db, order_no=order.order_no, action="confirm", expected_version=order.version,
                                       actor=_manager(world))  # fmt: skip
    assert confirmed.status == "confirmed"


async def test_every_submit_keeps_its_own_check(db: AsyncSession, world: Seed) -> None:
    customer = await _customer(db, "100.00")
    order = await create_order(db, _order(world, customer, (0, "10")), _sales(world), submit=True)
    order = await transition_order(db, order_no=order.order_no, action="return_to_draft",
                                   expected_version=order.version, actor=_manager(world), comment="改数量")  # fmt: skip
    order = await transition_order(db, order_no=order.order_no, action="submit", expected_version=order.version,
                                   actor=_sales(world))  # fmt: skip
    checks = (
        await db.scalars(
            select(PromiseCheck).where(PromiseCheck.order_id == order.id).order_by(PromiseCheck.id)
        )
    ).all()
    assert len(checks) == 2
    assert [c.needs_review for c in checks] == [False, True]  # only the latest run waits in review
    assert (await db.scalar(select(SalesOrder.status).where(SalesOrder.id == order.id))) == "submitted"
