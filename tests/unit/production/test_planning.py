"""Planning reads on the test floor (tests/floor.py), with answers worked out by hand: the factory as
the scheduler sees it, the load already booked, and the jobs order lines become."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import pytest_asyncio
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ValidationFailed
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.production.models import Job, JobOperation, WorkCenter
from domain.production.planning import LineDemand, current_bookings, job_specs_for, load_scheduler
from tests.floor import MONDAY, Floor, at, build_floor
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP

pytestmark = MODULE_LOOP


async def _line(db: AsyncSession, seed: Seed, label: str) -> SalesOrderLine:
    order_id = await db.scalar(select(SalesOrder.id).where(SalesOrder.order_no == seed.orders[label]))
    line = await db.scalar(select(SalesOrderLine).where(SalesOrderLine.order_id == order_id))
    assert line is not None
    return line


async def _booked(
    db: AsyncSession,
    line: SalesOrderLine,
    wc: int,
    start: dt.datetime,
    end: dt.datetime,
    status: str,
    machine: int = 0,
) -> JobOperation:
    job = Job(order_id=line.order_id, order_line_id=line.id, product_id=line.product_id, quantity=line.quantity,
              release_at=start, planned_start=start, planned_end=end)  # fmt: skip
    db.add(job)
    await db.flush()
    op = JobOperation(job_id=job.id, order_id=line.order_id, seq=10, work_center_id=wc, stage_name_zh="车加工",
                      stage_name_en="Turning", quantity=line.quantity, status=status, machine=machine,
                      planned_start=start, planned_end=end)  # fmt: skip
    db.add(op)
    await db.flush()
    return op


@pytest_asyncio.fixture(loop_scope="module")  # the module's loop: asyncpg connections are bound to it
async def floor(db: AsyncSession, module_seed: Seed) -> Floor:
    return await build_floor(db, module_seed)


async def test_the_scheduler_knows_the_active_work_centers_by_their_id_as_text(
    db: AsyncSession, floor: Floor
) -> None:
    await db.execute(update(WorkCenter).where(WorkCenter.id == floor.insp).values(active=False))
    sched = await load_scheduler(db)
    assert set(sched.work_centers) == {str(floor.lathe)}
    assert sched.work_centers[str(floor.lathe)].capacity_minutes(dt.date(2030, 1, 7)) == 480
    assert sched.work_centers[str(floor.lathe)].capacity_minutes(dt.date(2030, 1, 9)) == 0  # holiday


async def test_current_bookings_are_the_open_work_that_ends_after_now(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    a = await _line(db, module_seed, "c001_submitted")
    b = await _line(db, module_seed, "c002_submitted")
    c = await _line(db, module_seed, "c001_in_production")
    d = await _line(db, module_seed, "c001_draft")
    now = at(8, 10)
    future = await _booked(db, a, floor.lathe, at(8, 13), at(8, 17), "pending", machine=0)
    await _booked(db, b, floor.lathe, at(7, 8), at(7, 12), "pending")  # ended before now: not load
    overran = await _booked(db, c, floor.insp, at(7, 8), at(8, 9), "running", machine=0)
    await _booked(db, d, floor.insp, at(8, 13), at(8, 17), "done")
    bookings = await current_bookings(db, now=now)
    by_ref = {bk.ref: bk for bk in bookings}
    assert set(by_ref) == {f"op:{future.id}", f"op:{overran.id}"}
    assert by_ref[f"op:{future.id}"].machine is None  # pending: any free machine
    assert (by_ref[f"op:{future.id}"].start, by_ref[f"op:{future.id}"].end) == (at(8, 13), at(8, 17))
    # Still on its machine although its plan said 09:00: it holds the machine at least until now.
    assert by_ref[f"op:{overran.id}"].machine == 0
    assert by_ref[f"op:{overran.id}"].end == now
    assert by_ref[f"op:{overran.id}"].work_center_id == str(floor.insp)

    excluded = await current_bookings(db, now=now, exclude_order_ids=[a.order_id])
    assert {bk.ref for bk in excluded} == {f"op:{overran.id}"}


async def test_job_specs_copy_the_routing_with_the_line_quantity(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    p0, p1 = module_seed.products[0], module_seed.products[1]
    specs = await job_specs_for(
        db,
        [LineDemand("L1", p0, Decimal("100"), dt.date(2030, 1, 10)), LineDemand("L2", p1, 20, None)],
        release_at=MONDAY,
        priority=2,
    )
    assert [s.key for s in specs] == ["L1", "L2"]
    assert (specs[0].priority, specs[0].due, specs[0].release_at) == (2, dt.date(2030, 1, 10), MONDAY)
    assert [(o.key, o.work_center_id, o.minutes) for o in specs[0].operations] == [
        ("op10", str(floor.lathe), 160.0),
        ("op20", str(floor.insp), 50.0),
    ]
    assert [o.minutes for o in specs[1].operations] == [70.0, 20.0]


async def test_a_product_without_routing_is_refused_by_name(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await job_specs_for(
            db,
            [LineDemand("a", module_seed.products[0], 1), LineDemand("b", module_seed.products[2], 5)],
            release_at=MONDAY,
        )
    message = caught.value.errors["routing"]
    assert "HR-BU-3003" in message.params["products"]
    assert "HR-BC-1001" not in message.params["products"]


async def test_new_work_goes_around_full_days_and_the_holiday(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    a = await _line(db, module_seed, "c001_submitted")
    b = await _line(db, module_seed, "c002_submitted")
    # LATHE is full on Monday and Tuesday; Wednesday 9 Jan is a holiday.
    await _booked(db, a, floor.lathe, at(7, 8), at(7, 17), "pending")
    await _booked(db, b, floor.lathe, at(8, 8), at(8, 17), "pending")
    sched = await load_scheduler(db)
    specs = await job_specs_for(db, [LineDemand("new", module_seed.products[0], 100)], release_at=MONDAY)
    plan = sched.place(specs, await current_bookings(db, now=MONDAY), MONDAY)
    turning, inspection = plan.for_job("new")
    assert (turning.start, turning.end) == (at(10, 8), at(10, 10, 40))  # Thursday: 160 minutes
    assert (inspection.start, inspection.end) == (at(10, 10, 40), at(10, 11, 30))  # after turning, 50 min


async def test_the_reads_take_a_constant_number_of_queries(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    from sqlalchemy import event

    count = 0

    def tick(*_: object) -> None:
        nonlocal count
        count += 1

    sync_engine = db.bind.sync_engine if hasattr(db.bind, "sync_engine") else db.bind
    event.listen(sync_engine, "before_cursor_execute", tick)
    try:
        for n in (1, 4):
            count = 0
            demands = [LineDemand(str(i), module_seed.products[i % 2], 10) for i in range(n)]
            await job_specs_for(db, demands, release_at=MONDAY)
            await current_bookings(db, now=MONDAY)
            await load_scheduler(db)
            assert count == 3, n
    finally:
        event.remove(sync_engine, "before_cursor_execute", tick)
