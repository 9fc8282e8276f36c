"""Expedite feasibility on hand-checked schedules: one machine, round the clock, from Monday 08:00.

B (another order) is planned 08:00–18:00, A (the order asking) 18:00–22:00.
Going first, A runs 08:00–12:00 and B moves to 12:00–22:00: B slips 4 hours.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.expedite import feasibility
from domain.orders.models import SalesOrder
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP
from tests.unit.expedite.factory import NOW, at, job, work_center


async def _order_id(db: AsyncSession, order_no: str) -> int:
    order_id = await db.scalar(select(SalesOrder.id).where(SalesOrder.order_no == order_no))
    assert order_id is not None
    return order_id


@MODULE_LOOP
async def test_going_first_finishes_earlier_and_names_who_slips(db: AsyncSession, module_seed: Seed) -> None:
    wc = await work_center(db)
    a, b = module_seed.orders["c001_in_production"], module_seed.orders["c002_submitted"]
    await job(db, b, wc, start=at(8), minutes=600)
    await job(db, a, wc, start=at(18), minutes=240)
    result = await feasibility.check(
        db, order_id=await _order_id(db, a), line_id=None, wanted=NOW.date(), now=NOW
    )
    assert result.planned
    assert result.current_finish == at(22).isoformat(timespec="minutes")
    assert result.earliest_finish == at(12).isoformat(timespec="minutes")
    assert result.feasible  # wanted today, can finish today at 12:00
    assert [(s.order_no, s.delay_hours) for s in result.slips] == [(b, 4.0)]
    assert result.slips[0].new_end == at(22).isoformat(timespec="minutes")
    # W1 until the horizon (a day from now, later than A's 22:00): 600 + 240 of 1440 minutes booked
    assert result.bottleneck == {
        "code": str(wc.id),
        "name": "W1 车床",
        "load_pct": 58,
        "until": at(8, 1).date().isoformat(),
    }


@MODULE_LOOP
async def test_running_work_is_not_moved(db: AsyncSession, module_seed: Seed) -> None:
    wc = await work_center(db)
    a, b = module_seed.orders["c001_in_production"], module_seed.orders["c002_submitted"]
    await job(db, b, wc, start=at(8), minutes=600, status="running")
    await job(db, a, wc, start=at(18), minutes=240)
    result = await feasibility.check(
        db, order_id=await _order_id(db, a), line_id=None, wanted=NOW.date(), now=NOW
    )
    assert result.earliest_finish == at(22).isoformat(timespec="minutes")
    assert result.earliest_date == NOW.date().isoformat()  # 22:00 is still today
    assert result.slips == []


@MODULE_LOOP
async def test_a_second_machine_means_nobody_slips(db: AsyncSession, module_seed: Seed) -> None:
    wc = await work_center(db, machines=2)
    a, b = module_seed.orders["c001_in_production"], module_seed.orders["c002_submitted"]
    await job(db, b, wc, start=at(8), minutes=600)
    await job(db, a, wc, start=at(18), minutes=240)
    result = await feasibility.check(
        db, order_id=await _order_id(db, a), line_id=None, wanted=NOW.date(), now=NOW
    )
    assert result.earliest_finish == at(12).isoformat(timespec="minutes")
    assert result.slips == []


@MODULE_LOOP
async def test_an_order_without_jobs_is_not_planned_yet(db: AsyncSession, module_seed: Seed) -> None:
    await work_center(db)
    order_id = await _order_id(db, module_seed.orders["c001_submitted"])
    result = await feasibility.check(
        db, order_id=order_id, line_id=None, wanted=NOW.date() + dt.timedelta(days=3), now=NOW
    )
    assert not result.planned
    assert result.earliest_date is None
