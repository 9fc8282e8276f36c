"""The impact preview's dry-runs on the test floor (tests/floor.py), worked out by hand.

Floor: LATHE and INSP, one machine each, 08:00–12:00 and 13:00–17:00. Now: Monday 7 Jan 2030 08:00.
Order c001_submitted: line 1 = products[0] × 100 (LATHE 60 + 100 min, INSP 50 min),
line 2 = products[1] × 20 (LATHE 30 + 40 min, INSP 20 min).
Order c002_submitted already has its job planned: products[3] × 40, LATHE 08:00–09:40, INSP 09:40–10:00,
due Tuesday, not started (so movable).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.changes.impact import date_impact, value_impact
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.production.models import Job, JobOperation
from tests.floor import MONDAY, at, build_floor
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP

pytestmark = MODULE_LOOP


async def load(db: AsyncSession, order_no: str) -> SalesOrder:
    order = await db.scalar(
        select(SalesOrder).options(selectinload(SalesOrder.lines).selectinload(SalesOrderLine.product))
        .where(SalesOrder.order_no == order_no)
    )  # fmt: skip
    assert order is not None
    return order


@pytest_asyncio.fixture(loop_scope="module")
async def planned_other(db: AsyncSession, module_seed: Seed) -> str:
    floor = await build_floor(db, module_seed)
    other = await load(db, module_seed.orders["c002_submitted"])
    line = other.lines[0]
    job = Job(order_id=other.id, order_line_id=line.id, product_id=line.product_id, quantity=line.quantity,
              release_at=MONDAY, due_date=dt.date(2030, 1, 8), planned_start=MONDAY, planned_end=at(7, 10))  # fmt: skip
    db.add(job)
    await db.flush()
    for seq, wc, start, end, setup, run in ((10, floor.lathe, MONDAY, at(7, 9, 40), 60, 1),
                                             (20, floor.insp, at(7, 9, 40), at(7, 10), 0, "0.5")):  # fmt: skip
        db.add(JobOperation(job_id=job.id, order_id=other.id, seq=seq, work_center_id=wc, stage_name_zh="x",
                            stage_name_en="x", setup_min=Decimal(setup), run_min_per_unit=Decimal(run),
                            quantity=line.quantity, status="pending", planned_start=start, planned_end=end))  # fmt: skip
    await db.flush()
    return other.order_no


async def test_a_pull_in_goes_first_and_the_other_order_slips(
    db: AsyncSession, module_seed: Seed, planned_other: str
) -> None:
    order = await load(db, module_seed.orders["c001_submitted"])
    items = [{"kind": "date", "old": "2030-01-31", "new": "2030-01-07"}]
    result = await date_impact(
        db, order, items, old_date=dt.date(2030, 1, 31), new_date=dt.date(2030, 1, 7), now=MONDAY
    )
    # Baseline: the other order first (due earlier), ours after, done Monday 14:50.
    # With the pull-in: ours 08:00–13:10; the other's turning 11:50–14:30, inspection to 14:50 (was 10:00).
    assert result == {
        "available": True,
        "fits": True,
        "finish_before": "2030-01-07",
        "finish_after": "2030-01-07",
        "slips": [{"order_no": planned_other, "delay_hours": 4.8}],
    }


async def test_more_quantity_than_the_date_allows_does_not_fit(
    db: AsyncSession, module_seed: Seed, planned_other: str
) -> None:
    order = await load(db, module_seed.orders["c001_submitted"])
    # Line 1 × 2000: 2060 min of turning from 08:00 Monday; Wednesday is a holiday, so Monday 480 +
    # Tuesday 480 + Thursday 480 + Friday 480 = 1920 < 2060: turning ends Monday 14th 10:20; then
    # 1000 min of inspection: Monday 340 + Tuesday 480 + Wednesday 180 → Wednesday 16th.
    items = [{"kind": "quantity", "line_no": 1, "old": "100", "new": "2000"},
             {"kind": "date", "old": "2030-01-31", "new": "2030-01-11"}]  # fmt: skip
    result = await date_impact(
        db, order, items, old_date=dt.date(2030, 1, 31), new_date=dt.date(2030, 1, 11), now=MONDAY
    )
    assert result["fits"] is False
    assert result["finish_after"] == "2030-01-16"


async def test_no_routing_means_not_available(
    db: AsyncSession, module_seed: Seed, planned_other: str
) -> None:
    order = await load(db, module_seed.orders["c001_draft"])  # products[2] has no routing
    result = await date_impact(
        db, order, [], old_date=dt.date(2030, 1, 31), new_date=dt.date(2030, 1, 20), now=MONDAY
    )
    assert result["available"] is False
    assert result["fits"] is None


async def test_value_impact_counts_removed_changed_and_added_lines(
    db: AsyncSession, module_seed: Seed
) -> None:
    order = await load(db, module_seed.orders["c001_submitted"])  # 100 × 38.50 + 20 × 126.00 = 6370.00 net
    items = [{"kind": "quantity", "line_no": 1, "old": "100", "new": "120"}, {"kind": "remove_line", "line_no": 2},
             {"kind": "add_line", "product_id": 7, "new": "10"}]  # fmt: skip
    result = value_impact(order, items, {7: Decimal("4.25")}, Decimal("0.13"))
    # 120 × 38.50 = 4620.00; + 10 × 4.25 = 42.50 → 4662.50 net; tax 600.60 + 5.53 = 606.13.
    assert result["net_after"] == "4662.50"
    assert result["gross_after"] == "5268.63"
    assert result["gross_delta"] == "-1929.47"  # 5268.63 − 7198.10 (6370.00 + 828.10 tax)
