"""Jobs on confirmation and shop-floor progress on the test floor (tests/floor.py), with answers worked
out by hand on the calendar Mon–Fri 08–12, 13–17 of the week of Monday 7 January 2030.

Routings (LATHE then INSP, one machine each): products[3] is 60 min setup + 1 min/unit turning, then
0.5 min/unit inspection (a key operation); products[4] the same. Order c002_submitted: 40 × products[3]
→ turning 100 min, inspection 20 min. Order c001_in_production: 60 × products[4] → 120 min, 30 min.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
import pytest_asyncio
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import Forbidden, InvalidTransition, StaleVersion, ValidationFailed
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.orders.services import transition_order
from domain.outbox.models import OutboxMessage
from domain.production.jobs import plan_jobs
from domain.production.models import Job, JobOperation, OperationPhoto
from domain.production.photos import PhotoStore
from domain.production.progress import add_photo, finish_operation, report_quantity, start_operation
from tests.floor import MONDAY, Floor, at, build_floor
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP, put_in_status

pytestmark = MODULE_LOOP
MANAGER = Actor(kind="staff", id=None, name="经理", roles=frozenset({"sales_manager"}))
PMC = Actor(kind="staff", id=None, name="计划员", roles=frozenset({"pmc"}))


@pytest_asyncio.fixture(loop_scope="module")
async def floor(db: AsyncSession, module_seed: Seed) -> Floor:
    return await build_floor(db, module_seed)


def lead(floor: Floor) -> Actor:
    return Actor(kind="staff", id=floor.lead_id, name="班组长 王", roles=frozenset({"sales"}))


async def order_of(db: AsyncSession, seed: Seed, label: str) -> SalesOrder:
    order = await db.scalar(select(SalesOrder).where(SalesOrder.order_no == seed.orders[label]))
    assert order is not None
    return order


async def ops_of(db: AsyncSession, order: SalesOrder) -> list[JobOperation]:
    return list(
        await db.scalars(
            select(JobOperation)
            .where(JobOperation.order_id == order.id)
            .order_by(JobOperation.job_id, JobOperation.seq)
            .execution_options(populate_existing=True)
        )
    )


async def planned(db: AsyncSession, seed: Seed, label: str, *, status: str = "confirmed") -> SalesOrder:
    await put_in_status(db, seed.orders[label], status)
    order = await order_of(db, seed, label)
    await db.refresh(order)
    await plan_jobs(db, order, PMC, now=MONDAY)
    return order


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "steelblue").save(out, "PNG")
    return out.getvalue()


async def test_confirming_an_order_creates_a_job_per_line_along_the_routing(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    order = await order_of(db, module_seed, "c001_submitted")
    assert order.promised_date is None
    await transition_order(
        db, order_no=order.order_no, action="confirm", expected_version=order.version, actor=MANAGER
    )
    jobs = list(await db.scalars(select(Job).where(Job.order_id == order.id).order_by(Job.id)))
    lines = list(await db.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id)))
    assert sorted(j.order_line_id for j in jobs) == sorted(ln.id for ln in lines)
    ops = await ops_of(db, order)
    assert [(o.seq, o.work_center_id, o.stage_name_en, o.is_key, o.status) for o in ops] == [
        (10, floor.lathe, "Turning", False, "pending"),
        (20, floor.insp, "Final inspection", True, "pending"),
    ] * 2
    for job in jobs:
        mine = [o for o in ops if o.job_id == job.id]
        assert mine[0].planned_end <= mine[1].planned_start  # routing order
        assert (job.planned_start, job.planned_end) == (mine[0].planned_start, mine[1].planned_end)
    # Nobody had promised a date: the plan's finish day fills the empty promises.
    assert order.promised_date is not None
    assert all(ln.promised_date is not None for ln in lines)
    event = await db.scalar(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "production")
    )
    assert event is not None
    assert event.action == "jobs_planned"
    assert event.data["jobs"] == 2
    assert await db.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.event == "production.jobs_planned", OutboxMessage.aggregate_id == order.order_no
        )
    ) == 1  # fmt: skip


async def test_a_promise_already_given_is_not_overwritten(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    order = await order_of(db, module_seed, "c002_submitted")
    promised = MONDAY.date()
    order.promised_date = promised
    await db.flush()
    await put_in_status(db, order.order_no, "confirmed")
    await db.refresh(order)
    await plan_jobs(db, order, PMC, now=MONDAY)
    assert order.promised_date == promised


async def test_new_work_is_placed_after_the_load_already_booked(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    first = await planned(db, module_seed, "c002_submitted")
    second = await planned(db, module_seed, "c001_in_production", status="in_production")
    a_turn, a_insp = await ops_of(db, first)
    b_turn, b_insp = await ops_of(db, second)
    assert (a_turn.planned_start, a_turn.planned_end) == (at(7, 8), at(7, 9, 40))
    assert (a_insp.planned_start, a_insp.planned_end) == (at(7, 9, 40), at(7, 10))
    # LATHE is busy until 09:40; 120 min then run into the lunch break.
    assert (b_turn.planned_start, b_turn.planned_end) == (at(7, 9, 40), at(7, 11, 40))
    assert (b_insp.planned_start, b_insp.planned_end) == (at(7, 11, 40), at(7, 13, 10))
    # Planning again adds nothing: every line has its job.
    assert (await plan_jobs(db, second, PMC, now=MONDAY)).jobs == []


async def test_cancelling_an_order_cancels_its_jobs_and_frees_the_capacity(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    first = await planned(db, module_seed, "c002_submitted")
    await transition_order(db, order_no=first.order_no, action="cancel", expected_version=first.version,
                           actor=MANAGER, comment="客户取消")  # fmt: skip
    assert {o.status for o in await ops_of(db, first)} == {"cancelled"}
    assert await db.scalar(select(Job.status).where(Job.order_id == first.id)) == "cancelled"
    second = await planned(db, module_seed, "c001_in_production", status="in_production")
    turn, _ = await ops_of(db, second)
    assert turn.planned_start == at(7, 8)  # the cancelled work no longer holds LATHE


async def test_a_product_without_routing_leaves_the_line_waiting(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    order = await planned(db, module_seed, "c001_draft")  # products[2] has no routing
    assert await db.scalar(select(func.count()).select_from(Job).where(Job.order_id == order.id)) == 0
    event = await db.scalar(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == "production")
    )
    assert event is not None
    assert event.action == "planning_blocked"
    assert event.data["waiting_for_routing"] == ["HR-BU-3003"]


async def test_operations_start_in_routing_order_and_the_first_start_moves_the_order(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    order = await planned(db, module_seed, "c002_submitted")
    turn, insp = await ops_of(db, order)
    with pytest.raises(ValidationFailed) as caught:
        await start_operation(db, insp.id, expected_version=insp.version, actor=PMC, now=MONDAY)
    assert "operation" in caught.value.errors
    await start_operation(
        db, turn.id, expected_version=turn.version, actor=lead(floor), note="开机", now=MONDAY
    )
    assert (turn.status, turn.actual_start) == ("running", MONDAY)
    await db.refresh(order)
    assert order.status == "in_production"
    transition = await db.scalar(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.action == "start_production")
    )
    assert transition is not None
    assert transition.actor_kind == "system"
    started = await db.scalar(
        select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.action == "operation_started")
    )
    assert started is not None
    assert started.data["stage_zh"] == "车加工"
    assert started.comment == "开机"
    assert "LATHE" not in str(started.data)  # customer-safe: no work-center codes
    with pytest.raises(InvalidTransition):
        await start_operation(db, turn.id, expected_version=turn.version, actor=PMC, now=MONDAY)


async def test_only_floor_roles_and_the_work_centers_team_lead_may_report(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    order = await planned(db, module_seed, "c002_submitted")
    turn, insp = await ops_of(db, order)
    sales = Actor(kind="staff", id=module_seed.staff["sales"], name="sales", roles=frozenset({"sales"}))
    with pytest.raises(Forbidden):
        await start_operation(db, turn.id, expected_version=turn.version, actor=sales, now=MONDAY)
    await start_operation(db, turn.id, expected_version=turn.version, actor=lead(floor), now=MONDAY)
    # The lead of LATHE is nobody's lead on INSP.
    with pytest.raises(Forbidden):
        await start_operation(db, insp.id, expected_version=insp.version, actor=lead(floor), now=MONDAY)
    qc = Actor(kind="staff", id=None, name="qc", roles=frozenset({"qc"}))
    await start_operation(db, insp.id, expected_version=insp.version, actor=qc, now=at(7, 9))
    assert insp.status == "running"


async def test_a_stale_version_is_refused_and_changes_nothing(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    order = await planned(db, module_seed, "c002_submitted")
    turn, _ = await ops_of(db, order)
    seen = turn.version
    await start_operation(db, turn.id, expected_version=seen, actor=PMC, now=MONDAY)
    with pytest.raises(StaleVersion) as caught:
        await report_quantity(
            db, turn.id, quantity_done=Decimal(5), expected_version=seen, actor=PMC, now=at(7, 9)
        )
    assert caught.value.current_version == turn.version
    assert caught.value.changed_by == PMC.name
    assert turn.quantity_done == 0


async def test_quantities_and_short_close(db: AsyncSession, floor: Floor, module_seed: Seed) -> None:
    order = await planned(db, module_seed, "c002_submitted")
    turn, insp = await ops_of(db, order)
    await start_operation(db, turn.id, expected_version=turn.version, actor=PMC, now=MONDAY)
    for bad in (Decimal(-1), Decimal(41)):
        with pytest.raises(ValidationFailed) as caught:
            await report_quantity(
                db, turn.id, quantity_done=bad, expected_version=turn.version, actor=PMC, now=MONDAY
            )
        assert "quantity_done" in caught.value.errors
    await report_quantity(
        db, turn.id, quantity_done=Decimal(38), expected_version=turn.version, actor=PMC, now=at(7, 9)
    )
    await start_operation(db, insp.id, expected_version=insp.version, actor=PMC, now=at(7, 9))
    with pytest.raises(ValidationFailed) as caught:  # cannot inspect parts not yet turned
        await report_quantity(
            db, insp.id, quantity_done=Decimal(39), expected_version=insp.version, actor=PMC, now=at(7, 9)
        )
    assert "quantity_done" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:  # nor finish inspection before turning
        await finish_operation(db, insp.id, expected_version=insp.version, actor=PMC, now=at(7, 9))
    assert "operation" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        await finish_operation(db, turn.id, expected_version=turn.version, actor=PMC, now=at(7, 9, 30))
    assert "note" in caught.value.errors  # 38 of 40 without a reason
    await finish_operation(
        db, turn.id, expected_version=turn.version, actor=PMC, note="2 件报废", now=at(7, 9, 30)
    )
    assert (turn.status, turn.quantity_done, turn.actual_end) == ("done", Decimal(38), at(7, 9, 30))


async def test_a_key_operation_needs_a_photo_before_it_finishes(
    db: AsyncSession, floor: Floor, module_seed: Seed, tmp_path: Path
) -> None:
    order = await planned(db, module_seed, "c002_submitted")
    turn, insp = await ops_of(db, order)
    await start_operation(db, turn.id, expected_version=turn.version, actor=PMC, now=MONDAY)
    await finish_operation(
        db, turn.id, expected_version=turn.version, actor=PMC, quantity_done=Decimal(40), now=at(7, 9, 40)
    )
    await start_operation(db, insp.id, expected_version=insp.version, actor=PMC, now=at(7, 9, 40))
    with pytest.raises(ValidationFailed) as caught:
        await finish_operation(
            db, insp.id, expected_version=insp.version, actor=PMC, quantity_done=Decimal(40), now=at(7, 10)
        )
    assert set(caught.value.errors) == {"photo"}
    store = PhotoStore(tmp_path)
    photo = await add_photo(db, insp.id, png(), "IMG_001.png", " 首件 ", PMC, store)
    assert (photo.caption, photo.content_type, photo.width, photo.order_id) == (
        "首件",
        "image/png",
        40,
        order.id,
    )
    assert store.path(photo.storage_key).exists()
    await finish_operation(
        db, insp.id, expected_version=insp.version, actor=PMC, quantity_done=Decimal(40), now=at(7, 10)
    )
    assert insp.status == "done"
    assert await db.scalar(select(Job.status).where(Job.order_id == order.id)) == "done"
    assert await db.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.event == "production.photo_added",
                                                             OutboxMessage.aggregate_id == order.order_no)
    ) == 1  # fmt: skip


async def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_stored(
    db: AsyncSession, floor: Floor, module_seed: Seed, tmp_path: Path
) -> None:
    order = await planned(db, module_seed, "c002_submitted")
    turn, _ = await ops_of(db, order)
    with pytest.raises(ValidationFailed) as caught:
        await add_photo(db, turn.id, b"%PDF-1.4 fake", "drawing.jpg", "", PMC, PhotoStore(tmp_path))
    assert "PDF" in str(caught.value.errors["photo"].params)
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240 — a test reading its own temp folder
    assert (
        await db.scalar(
            select(func.count()).select_from(OperationPhoto).where(OperationPhoto.operation_id == turn.id)
        )
        == 0
    )


async def test_a_late_finish_replans_the_operations_behind_it(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    first = await planned(db, module_seed, "c002_submitted")
    second = await planned(db, module_seed, "c001_in_production", status="in_production")
    a_turn, a_insp = await ops_of(db, first)
    b_turn, b_insp = await ops_of(db, second)
    await start_operation(db, a_turn.id, expected_version=a_turn.version, actor=PMC, now=MONDAY)
    # Planned to end 09:40; it ends at 11:00.
    await finish_operation(
        db, a_turn.id, expected_version=a_turn.version, actor=PMC, quantity_done=Decimal(40), now=at(7, 11)
    )
    a_turn, a_insp = await ops_of(db, first)
    b_turn, b_insp = await ops_of(db, second)
    assert (a_turn.planned_start, a_turn.planned_end) == (at(7, 8), at(7, 11))  # baseline start kept
    assert (a_insp.planned_start, a_insp.planned_end) == (at(7, 11), at(7, 11, 20))
    assert (b_turn.planned_start, b_turn.planned_end) == (at(7, 11), at(7, 14))  # pushed off LATHE
    assert (b_insp.planned_start, b_insp.planned_end) == (at(7, 14), at(7, 14, 30))
    assert await db.scalar(select(Job.planned_end).where(Job.order_id == second.id)) == at(7, 14, 30)
    rows = {
        r.order_id: r
        for r in await db.scalars(select(OrderEvent).where(OrderEvent.action == "replanned"))
        if r.order_id in (first.id, second.id)
    }
    assert rows[first.id].data["cause"]["stage_zh"] == "车加工"
    assert rows[second.id].data["cause"] is None  # another customer's cause is not told
    moved = rows[second.id].data["moves"]
    assert [(m["stage_en"], m["old_end"], m["new_end"]) for m in moved] == [
        ("Turning", utc(at(7, 11, 40)), utc(at(7, 14))),
        ("Final inspection", utc(at(7, 13, 10)), utc(at(7, 14, 30))),
    ]


async def test_a_slow_rate_reported_moves_the_planned_end(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    order = await planned(db, module_seed, "c002_submitted")
    turn, insp = await ops_of(db, order)
    await start_operation(db, turn.id, expected_version=turn.version, actor=PMC, now=MONDAY)
    # 10 parts in the first hour: 6 min/unit, so the other 30 take until 12:00 (planned: 09:40).
    await report_quantity(
        db, turn.id, quantity_done=Decimal(10), expected_version=turn.version, actor=PMC, now=at(7, 9)
    )
    turn, insp = await ops_of(db, order)
    assert turn.planned_end == at(7, 12)
    assert (insp.planned_start, insp.planned_end) == (at(7, 13), at(7, 13, 20))


async def test_the_screens_read_with_a_constant_number_of_queries(
    db: AsyncSession, floor: Floor, module_seed: Seed
) -> None:
    from sqlalchemy import event

    from domain.production import queries

    small = await planned(db, module_seed, "c002_submitted")  # one line
    big = await planned(db, module_seed, "c001_submitted")  # two lines
    turn = (await ops_of(db, big))[0]
    sync_engine = db.bind.sync_engine  # type: ignore[union-attr]
    counts: list[int] = []

    def tick(*_: object) -> None:
        counts[-1] += 1

    event.listen(sync_engine, "before_cursor_execute", tick)
    try:
        for order in (small, big):
            counts.append(0)
            _, jobs = await queries.order_production(db, order.order_no)
            assert sum(len(j.operations) for j in jobs) == 2 * len(jobs)
        counts.append(0)
        _, rows = await queries.work_center_queue(db, floor.lathe, PMC)
        assert len(rows) == 3
        counts.append(0)
        card = await queries.operation_card(db, turn.id, PMC)
        assert card.op.id == turn.id
    finally:
        event.remove(sync_engine, "before_cursor_execute", tick)
    assert counts[0] == counts[1]  # one job or two: the same queries
    assert counts[2] <= 2
    assert counts[3] <= 3
