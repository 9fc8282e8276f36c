"""Gantt and load read models: the late rule, % done, the heat map's capacity arithmetic (holidays,
several machines, night shifts), the customer view's safe fields, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from decimal import Decimal

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.gantt_jobs import OpPlan, add_job
from domain.base import SHANGHAI
from domain.errors import Forbidden, NotFound, ValidationFailed
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.production import gantt
from domain.production.models import WorkCenter
from tests.seed import Seed, staff_actor
from tests.unit.conftest import MODULE_LOOP, put_in_status


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


# -- late flag and % done ---------------------------------------------------------------------------


def late(now: dt.datetime, *, due: dt.date | None = None, start=None, end=None, frac: float = 0.0) -> bool:
    return gantt.stage_is_late(
        planned_start=at(1, 8),
        planned_end=at(1, 16),
        actual_start=start,
        actual_end=end,
        fraction_done=frac,
        due=due,
        now=now,
    )


def test_finished_after_its_planned_end_is_late_and_on_time_is_not() -> None:
    assert late(at(2, 9), start=at(1, 8), end=at(1, 17))
    assert not late(at(2, 9), start=at(1, 8), end=at(1, 16))
    assert not late(at(2, 9), start=at(1, 9), end=at(1, 15))


def test_running_stage_is_late_when_its_pace_projects_past_the_plan() -> None:
    # Four hours in, half done: four more hours → ends 16:00 exactly, on time.
    assert not late(at(1, 12), start=at(1, 8), frac=0.5)
    # Four hours in, a quarter done: twelve more hours → late already at noon.
    assert late(at(1, 12), start=at(1, 8), frac=0.25)
    # Started, nothing reported yet: the planned length from now.
    assert late(at(1, 12), start=at(1, 10), frac=0.0)


def test_a_stage_not_started_is_late_once_its_planned_start_has_passed() -> None:
    assert not late(at(1, 7))
    assert not late(at(1, 8))
    assert late(at(1, 8, 1))


def test_a_plan_ending_after_the_promised_day_is_late_even_before_it_starts() -> None:
    assert late(at(1, 7), due=dt.date(2026, 11, 30))
    assert not late(at(1, 7), due=dt.date(2026, 12, 1))


def test_a_stage_without_a_plan_is_never_late() -> None:
    assert not gantt.stage_is_late(planned_start=None, planned_end=None, actual_start=None, actual_end=None,
                                   fraction_done=0, due=dt.date(2000, 1, 1), now=at(1, 8))  # fmt: skip


def test_percent_done_is_quantity_done_over_quantity_clamped() -> None:
    assert gantt.percent_done(Decimal("60"), Decimal("15"), finished=False) == 25
    assert gantt.percent_done(Decimal("3"), Decimal("2"), finished=False) == 66
    assert gantt.percent_done(Decimal("60"), Decimal("80"), finished=False) == 100
    assert gantt.percent_done(Decimal("60"), Decimal("0"), finished=True) == 100
    assert gantt.percent_done(Decimal("0"), Decimal("0"), finished=False) == 0


# -- heat map arithmetic --------------------------------------------------------------------------

DAY_SHIFTS = {"shifts": [["08:00", "12:00"], ["13:00", "17:00"]], "workdays": [0, 1, 2, 3, 4],
              "holidays": ["2026-12-02"], "extra_workdays": []}  # fmt: skip


def test_booked_minutes_count_only_working_time_and_a_holiday_has_no_capacity() -> None:
    days = [dt.date(2026, 12, d) for d in (1, 2, 3)]  # Tue, Wed (holiday), Thu
    # 10:00 Tue → 10:00 Thu: Tue 2 h + 4 h, Wed nothing (holiday), Thu 2 h.
    booked, capacity = gantt.booked_minutes_by_day(DAY_SHIFTS, [(at(1, 10), at(3, 10))], days)
    assert booked == [360.0, 0.0, 120.0]
    assert capacity == [480.0, 0.0, 480.0]


def test_a_night_shift_loads_the_day_it_starts_on() -> None:
    doc = {"shifts": [["20:00", "04:00"]], "workdays": [0, 1, 2, 3, 4, 5, 6]}
    days = [dt.date(2026, 12, 1), dt.date(2026, 12, 2)]
    booked, capacity = gantt.booked_minutes_by_day(doc, [(at(1, 22), at(2, 2))], days)
    assert booked == [240.0, 0.0]
    assert capacity == [480.0, 480.0]


def test_load_cell_percent_and_closed_days() -> None:
    assert gantt.LoadCell(dt.date(2026, 12, 1), 480, 960).percent == 50
    assert gantt.LoadCell(dt.date(2026, 12, 1), 480, 960).band == "low"
    assert gantt.LoadCell(dt.date(2026, 12, 1), 1200, 960).band == "over"
    closed = gantt.LoadCell(dt.date(2026, 12, 2), 0, 0)
    assert closed.closed
    assert closed.percent is None
    assert closed.band == "closed"
    assert gantt.LoadCell(dt.date(2026, 12, 1), 0, 960).band == "idle"


async def _center(db: AsyncSession, code: str, machines: int, calendar: dict) -> WorkCenter:
    wc = WorkCenter(code=code, name=f"{code} 组", machines=machines, calendar=calendar)
    db.add(wc)
    await db.flush()
    return wc


async def _line(db: AsyncSession, order_no: str) -> tuple[int, SalesOrderLine]:
    order_id = await db.scalar(select(SalesOrder.id).where(SalesOrder.order_no == order_no))
    line = (await db.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id == order_id))).first()
    assert order_id
    assert line
    return order_id, line


@MODULE_LOOP
async def test_load_by_day_divides_by_machines_and_marks_the_holiday_closed(
    db: AsyncSession, module_seed: Seed
) -> None:
    wc = await _center(db, "T-LOAD", 2, DAY_SHIFTS)
    order_id, line = await _line(db, module_seed.orders["c001_in_production"])
    # Two machines busy all Tuesday (2 × 480 of 2 × 480), one machine half of Thursday (240 of 960).
    await add_job(db, order_id=order_id, line=line, ops=[
        OpPlan(wc.id, "车加工", "Turning", at(1, 8), at(1, 17), machine=0),
        OpPlan(wc.id, "车加工", "Turning", at(1, 8), at(1, 17), machine=1),
        OpPlan(wc.id, "精加工", "Finishing", at(3, 8), at(3, 12), machine=0),
        # A cancelled order's operation freed its machine: it loads nothing.
        OpPlan(wc.id, "包装", "Packing", at(3, 13), at(3, 17), machine=1, status="cancelled"),
    ])  # fmt: skip
    grid = await gantt.load_by_day(db, start=dt.date(2026, 12, 1), days=3)
    row = next(r for r in grid.rows if r.center.code == "T-LOAD")
    assert [c.percent for c in row.cells] == [100, None, 25]
    assert [c.band for c in row.cells] == ["full", "closed", "low"]
    assert grid.to_json()["percent"][grid.rows.index(row)] == [100, None, 25]


@MODULE_LOOP
async def test_load_by_day_refuses_a_window_too_long(db: AsyncSession) -> None:
    with pytest.raises(ValidationFailed):
        await gantt.load_by_day(db, start=dt.date(2026, 12, 1), days=gantt.MAX_WINDOW_DAYS + 1)


# -- the customer's Gantt -------------------------------------------------------------------------


@MODULE_LOOP
async def test_order_gantt_shows_stage_names_progress_and_late_flags_and_nothing_internal(
    db: AsyncSession, module_seed: Seed
) -> None:
    wc = await _center(db, "SECRET-WC9", 3, DAY_SHIFTS)
    order_no = module_seed.orders["c001_in_production"]
    order_id, line = await _line(db, order_no)
    await add_job(db, order_id=order_id, line=line, ops=[
        OpPlan(wc.id, "车加工", "Turning", at(1, 8), at(1, 17), at(1, 8), at(1, 16), line.quantity, machine=2,
               setup_min=Decimal("47.25"), run_min_per_unit=Decimal("3.1415")),
        OpPlan(wc.id, "精加工", "Finishing", at(3, 8), at(3, 17), at(3, 9), None, line.quantity / 4),
        OpPlan(wc.id, "包装", "Packing", at(4, 8), at(4, 12)),
    ])  # fmt: skip
    now = at(3, 17)  # Finishing: 8 h in, a quarter done → projected far past 17:00
    chart = await gantt.order_gantt(db, module_seed.customers["C001"], order_no, lang="en", now=now)
    (only,) = chart.lines
    assert [s.label for s in only.stages] == ["Turning", "Finishing", "Packing"]
    assert [s.state for s in only.stages] == ["done", "running", "waiting"]
    assert [s.percent for s in only.stages] == [100, 25, 0]
    assert [s.late for s in only.stages] == [False, True, False]
    assert chart.late_count == 1
    assert only.percent == 42

    zh = await gantt.order_gantt(db, module_seed.customers["C001"], order_no, lang="zh_CN", now=now)
    assert [s.label for s in zh.lines[0].stages] == ["车加工", "精加工", "包装"]

    text = json.dumps(chart.to_json(), ensure_ascii=False)
    for leak in ("SECRET-WC9", "47.25", "3.1415", "setup", "run_min", "machine", "work_center", "price",
                 "quantity", "code"):  # fmt: skip
        assert leak not in text, leak
    assert set(chart.to_json()) == {"order_no", "now", "lines"}
    assert set(chart.to_json()["lines"][0]) == {
        "line_no",
        "product",
        "part_no",
        "due",
        "percent",
        "late",
        "stages",
    }
    stage_keys = set(chart.to_json()["lines"][0]["stages"][0])
    assert stage_keys == {"label", "state", "planned_start", "planned_end", "actual_start", "actual_end",
                          "percent", "late"}  # fmt: skip
    # Factory wall-clock strings, as Plotly reads them.
    assert chart.to_json()["lines"][0]["stages"][0]["planned_start"] == "2026-12-01 08:00"


@MODULE_LOOP
async def test_order_gantt_is_scoped_to_the_customer_and_runs_three_queries(
    db: AsyncSession, module_seed: Seed
) -> None:
    order_no = module_seed.orders["c001_in_production"]
    with pytest.raises(NotFound):
        await gantt.order_gantt(db, module_seed.customers["C002"], order_no, lang="en", now=at(1, 8))
    with pytest.raises(NotFound):  # a draft is not the customer's to see
        await gantt.order_gantt(db, module_seed.customers["C001"], module_seed.orders["c001_draft"], lang="en",
                                now=at(1, 8))  # fmt: skip

    wc = await _center(db, "T-Q", 1, DAY_SHIFTS)
    order_id, line = await _line(db, order_no)
    await add_job(db, order_id=order_id, line=line,
                  ops=[OpPlan(wc.id, f"工序{i}", f"Stage {i}", at(i, 8), at(i, 12)) for i in range(1, 9)])  # fmt: skip
    statements: list[str] = []
    engine = db.bind.sync_engine  # type: ignore[union-attr]

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        chart = await gantt.order_gantt(db, module_seed.customers["C001"], order_no, lang="en", now=at(1, 8))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(chart.lines[0].stages) == 8
    assert len(statements) == 3


@MODULE_LOOP
async def test_an_unconfirmed_order_awaits_planning(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders["c001_submitted"]
    chart = await gantt.order_gantt(db, module_seed.customers["C001"], order_no, lang="en", now=at(1, 8))
    assert not chart.planned
    assert chart.awaiting_planning
    await put_in_status(db, order_no, "in_production")
    chart = await gantt.order_gantt(db, module_seed.customers["C001"], order_no, lang="en", now=at(1, 8))
    assert not chart.planned
    assert not chart.awaiting_planning


# -- back office: window and who may look ---------------------------------------------------------


def test_parse_window_defaults_and_refusals() -> None:
    today = dt.date(2026, 12, 10)
    w = gantt.parse_window("", "", today=today)
    assert (w.start, w.end, w.days) == (dt.date(2026, 12, 8), dt.date(2026, 12, 24), 17)
    assert gantt.parse_window("2026-12-01", "2027-01-31", today=today).days == 62
    for start, end, field in (
        ("2026-13-01", "", "start"),
        ("yesterday", "", "start"),
        ("2026-12-01", "'; DROP TABLE jobs;--", "end"),
        ("2026-12-10", "2026-12-09", "end"),
        ("2026-12-01", "2027-02-01", "end"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            gantt.parse_window(start, end, today=today)
        assert set(exc.value.errors) == {field}


@MODULE_LOOP
async def test_schedule_is_for_planning_roles_and_team_leads(db: AsyncSession, module_seed: Seed) -> None:
    for role in ("pmc", "sales_manager", "qc", "admin"):
        await gantt.authorize_schedule(db, staff_actor("x", [role], module_seed.staff["sales"]))
    with pytest.raises(Forbidden):
        await gantt.authorize_schedule(db, staff_actor("sales", ["sales"], module_seed.staff["sales"]))
    wc = await _center(db, "T-LEAD", 1, DAY_SHIFTS)
    wc.team_lead_id = module_seed.staff["warehouse"]
    await db.flush()
    await gantt.authorize_schedule(
        db, staff_actor("warehouse", ["warehouse"], module_seed.staff["warehouse"])
    )


@MODULE_LOOP
async def test_work_center_gantt_places_bars_on_machine_rows(db: AsyncSession, module_seed: Seed) -> None:
    wc = await _center(db, "T-WC", 2, DAY_SHIFTS)
    order_no = module_seed.orders["c001_in_production"]
    order_id, line = await _line(db, order_no)
    await add_job(db, order_id=order_id, line=line, ops=[
        OpPlan(wc.id, "车加工", "Turning", at(1, 8), at(1, 17), machine=1),
        OpPlan(wc.id, "精加工", "Finishing", at(20, 8), at(20, 17)),  # outside the window
    ])  # fmt: skip
    window = gantt.Window(dt.date(2026, 11, 30), dt.date(2026, 12, 5))
    chart = await gantt.work_center_gantt(db, window, now=at(1, 9), lang="en", work_center_id=wc.id)
    assert [c.code for c in chart.centers] == ["T-WC"]
    (bar,) = chart.bars
    assert (bar.row, bar.order_no, bar.stage, bar.customer_code) == ("T-WC #2", order_no, "Turning", "C001")
    figure = chart.to_json()
    assert figure["rows"] == ["T-WC #1", "T-WC #2"]
    # Minutes from the window's start (11-30 00:00): 12-01 08:00 is 1 day 8 h in.
    assert (figure["bars"]["row"], figure["bars"]["ps"], figure["bars"]["pe"]) == ([1], [32 * 60], [41 * 60])
    assert figure["bars"]["state"] == ["w"]
    assert figure["bars"]["as"] == [None]
    capped = await gantt.work_center_gantt(db, window, now=at(1, 9), lang="en", limit=0)
    assert capped.truncated
    assert not capped.bars


# -- the demo/bench plans ---------------------------------------------------------------------------


@MODULE_LOOP
async def test_demo_plans_follow_the_routing_respect_capacity_and_run_once(
    db: AsyncSession, module_seed: Seed
) -> None:
    from demo.factory import create_shop_floor
    from demo.gantt_jobs import plan_orders
    from domain.catalog.models import Product
    from domain.production.models import Job, JobOperation

    products = {p.part_no: (p.id, p.unit_price) for p in (await db.scalars(select(Product))).all()}
    await create_shop_floor(db, products=products, password_hash="x", since=at(1, 8) - dt.timedelta(days=30))
    order_ids = list(
        await db.scalars(
            select(SalesOrder.id).where(SalesOrder.order_no.in_(list(module_seed.orders.values())))
        )
    )
    now = at(10, 12)
    written = await plan_orders(db, order_ids, start=at(1, 8), now=now)
    lines = (await db.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id.in_(order_ids)))).all()
    assert written == len(lines) == len((await db.scalars(select(Job))).all())
    ops = (await db.scalars(select(JobOperation).order_by(JobOperation.job_id, JobOperation.seq))).all()
    by_job: dict[int, list[JobOperation]] = {}
    for op in ops:
        by_job.setdefault(op.job_id, []).append(op)
    for chain in by_job.values():
        assert len(chain) >= 3
        assert all(a.planned_end <= b.planned_start for a, b in itertools.pairwise(chain))
        # Before now: finished or under way; a stage that finished has its whole quantity done.
        assert all(op.actual_end is None or op.quantity_done == op.quantity for op in chain)
        assert all(op.actual_start is None for op in chain if op.planned_start >= now)
    by_machine: dict[tuple[int, int], list[JobOperation]] = {}
    for op in ops:
        by_machine.setdefault((op.work_center_id, op.machine), []).append(op)
    for booked in by_machine.values():
        booked.sort(key=lambda o: o.planned_start)
        assert all(a.planned_end <= b.planned_start for a, b in itertools.pairwise(booked))
    assert await plan_orders(db, order_ids, start=at(1, 8), now=now) == 0
