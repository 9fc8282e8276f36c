"""Expedite requests: who may ask, what is refused, the state table, and what an answer changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local
from domain.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from domain.expedite import services as ex
from domain.expedite.models import ExpediteRequest
from domain.expedite.sla import sla_due
from domain.notifications.models import Notification
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.outbox.models import OutboxMessage
from domain.production.models import Job
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP, put_in_status
from tests.unit.expedite.factory import NOW, at, job, work_center

PMC = Actor(kind="staff", id=None, name="Wang PMC", roles=frozenset({"pmc"}))
SALES = Actor(kind="staff", id=None, name="Li Sales", roles=frozenset({"sales"}))


def buyer(seed: Seed, code: str = "C001", role: str = "buyer") -> Actor:
    return Actor(
        kind="customer", id=1, name=f"{code} buyer", roles=frozenset({role}), customer_id=seed.customers[code]
    )


async def ask(db: AsyncSession, seed: Seed, days: int = 5, **kw: object) -> ExpediteRequest:
    values: dict[str, object] = {
        "order_no": seed.orders["c001_in_production"], "line_no": None,
        "wanted_date": today_local() + dt.timedelta(days=days), "reason": "产线停线风险", "actor": buyer(seed), "now": NOW,
    }  # fmt: skip
    values.update(kw)
    return await ex.request_expedite(db, **values)  # type: ignore[arg-type]


@MODULE_LOOP
async def test_request_writes_timeline_outbox_and_tells_pmc(db: AsyncSession, module_seed: Seed) -> None:
    request = await ask(db, module_seed)
    assert request.status == "open"
    assert request.sla_due_at == sla_due(NOW, 4)
    assert request.sla_due_at.astimezone(NOW.tzinfo).hour == 13  # 08:30–12:00 and 13:00–13:30 → 13:30
    event = await db.scalar(select(OrderEvent).where(OrderEvent.kind == "expedite"))
    assert event is not None
    assert event.action == "requested"
    assert (
        await db.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.event == "expedite.requested")
        )
        == 1
    )
    pmc_notes = await db.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "expedite.requested")
    )
    assert pmc_notes == 1  # the seed has one PMC planner


@MODULE_LOOP
@pytest.mark.parametrize(
    ("days", "reason", "field"),
    [
        (-1, "x", "wanted_date"),
        (30, "x", "wanted_date"),
        (60, "x", "wanted_date"),
        (5, "  ", "reason"),
        (5, "x" * 2001, "reason"),
    ],
)
async def test_bad_requests_are_refused_per_field(
    db: AsyncSession, module_seed: Seed, days: int, reason: str, field: str
) -> None:
    # 30 days is the requested date itself: not earlier. 60 is later.
    with pytest.raises(ValidationFailed) as err:
        await ask(db, module_seed, days=days, reason=reason)
    assert field in err.value.errors
    assert await db.scalar(select(func.count()).select_from(ExpediteRequest)) == 0


@MODULE_LOOP
async def test_duplicate_open_request_is_refused(db: AsyncSession, module_seed: Seed) -> None:
    await ask(db, module_seed)
    with pytest.raises(ValidationFailed) as err:
        await ask(db, module_seed, days=4)
    assert "already open" in err.value.errors["wanted_date"]
    # a request on one line is a different request
    assert (await ask(db, module_seed, line_no=1)).line_id is not None


@MODULE_LOOP
async def test_who_may_ask(db: AsyncSession, module_seed: Seed) -> None:
    with pytest.raises(Forbidden):
        await ask(db, module_seed, actor=buyer(module_seed, role="qc_engineer"))
    with pytest.raises(NotFound):  # another customer's order is absent
        await ask(db, module_seed, actor=buyer(module_seed, "C002"))
    with pytest.raises(NotFound):  # a draft never submitted is not the customer's business yet
        await ask(db, module_seed, order_no=module_seed.orders["c001_draft"])
    await put_in_status(db, module_seed.orders["c001_in_production"], "shipped")
    with pytest.raises(ValidationFailed) as err:
        await ask(db, module_seed)
    assert "order" in err.value.errors


@MODULE_LOOP
async def test_accepting_moves_the_promise_and_prioritises_the_jobs(
    db: AsyncSession, module_seed: Seed
) -> None:
    wc = await work_center(db)
    await job(db, module_seed.orders["c001_in_production"], wc, start=at(8, 10), minutes=60)
    request = await ask(db, module_seed)
    wanted = request.wanted_date
    request = await ex.run_check(db, request_id=request.id, actor=PMC, now=NOW)
    assert request.feasibility["planned"] is True
    answered = await ex.answer(db, request_id=request.id, expected_version=request.version, outcome="accepted",
                               new_date=wanted, alternatives=[], explanation="插单到车削前面", compensation="", actor=PMC)  # fmt: skip
    assert answered.status == "accepted"
    order = await db.scalar(
        select(SalesOrder).where(SalesOrder.order_no == module_seed.orders["c001_in_production"])
    )
    assert order is not None
    assert order.promised_date == wanted
    lines = (
        await db.scalars(select(SalesOrderLine.promised_date).where(SalesOrderLine.order_id == order.id))
    ).all()
    assert set(lines) == {wanted}
    assert (await db.scalars(select(Job.priority).where(Job.order_id == order.id))).all() == [100]


@MODULE_LOOP
async def test_partial_answer_then_customer_chooses(db: AsyncSession, module_seed: Seed) -> None:
    request = await ask(db, module_seed)
    errors: dict = {}
    alternatives = ex.parse_alternatives(
        [{"date": (today_local() + dt.timedelta(days=8)).isoformat(), "quantity": "", "note": "整单提前到这天"},
         {"date": (today_local() + dt.timedelta(days=5)).isoformat(), "quantity": "20", "note": "先发 20 件"},
         {"date": "", "quantity": "", "note": ""}],
        errors, line_qty=Decimal("60"),
    )  # fmt: skip
    assert errors == {}
    assert [a.kind for a in alternatives] == ["date", "split"]
    offered = await ex.answer(db, request_id=request.id, expected_version=request.version, outcome="partial", new_date=None,
                              alternatives=alternatives, explanation="热处理满负荷", compensation="免运费", actor=PMC)  # fmt: skip
    assert offered.status == "offered"
    with pytest.raises(ValidationFailed):
        await ex.choose(
            db, request_id=offered.id, expected_version=offered.version, index=5, actor=buyer(module_seed)
        )
    agreed = await ex.choose(
        db, request_id=offered.id, expected_version=offered.version, index=0, actor=buyer(module_seed)
    )
    assert agreed.status == "agreed"
    promised = await db.scalar(
        select(SalesOrder.promised_date).where(
            SalesOrder.order_no == module_seed.orders["c001_in_production"]
        )
    )
    assert promised == today_local() + dt.timedelta(days=8)


@MODULE_LOOP
async def test_bad_alternatives_are_reported_per_row(db: AsyncSession, module_seed: Seed) -> None:
    errors: dict = {}
    ex.parse_alternatives([{"date": "2001-01-01", "quantity": "", "note": ""},
                           {"date": (today_local() + dt.timedelta(days=2)).isoformat(), "quantity": "60", "note": ""},
                           {"date": "tomorrow", "quantity": "abc", "note": ""}], errors, line_qty=Decimal("60"))  # fmt: skip
    assert set(errors) == {"alt_1", "alt_2", "alt_3"}


@MODULE_LOOP
async def test_answering_a_withdrawn_request_is_refused_and_changes_nothing(
    db: AsyncSession, module_seed: Seed
) -> None:
    request = await ask(db, module_seed)
    loaded_version = request.version
    withdrawn = await ex.withdraw(
        db, request_id=request.id, expected_version=request.version, note="不急了", actor=buyer(module_seed)
    )
    assert withdrawn.status == "withdrawn"
    with pytest.raises(StaleVersion):  # PMC's page was loaded before the withdrawal
        await ex.answer(db, request_id=request.id, expected_version=loaded_version, outcome="declined", new_date=None,
                        alternatives=[], explanation="no", compensation="", actor=PMC)  # fmt: skip
    with pytest.raises(InvalidTransition):  # even with a fresh page
        await ex.answer(db, request_id=request.id, expected_version=withdrawn.version, outcome="declined", new_date=None,
                        alternatives=[], explanation="no", compensation="", actor=PMC)  # fmt: skip


@MODULE_LOOP
async def test_only_pmc_answers_and_an_explanation_is_required(db: AsyncSession, module_seed: Seed) -> None:
    request = await ask(db, module_seed)
    with pytest.raises(Forbidden):
        await ex.answer(db, request_id=request.id, expected_version=request.version, outcome="declined", new_date=None,
                        alternatives=[], explanation="x", compensation="", actor=SALES)  # fmt: skip
    with pytest.raises(ValidationFailed) as err:
        await ex.answer(db, request_id=request.id, expected_version=request.version, outcome="accepted", new_date=None,
                        alternatives=[], explanation="", compensation="", actor=PMC)  # fmt: skip
    assert set(err.value.errors) == {"explanation", "new_date"}
