"""Master data → scheduler inputs: the calendar document is validated, rows become specs, and the demo
factory's shop floor (work centers, calendars, routings) is complete and loads idempotently."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import SHANGHAI, metadata
from domain.catalog.models import Product
from domain.errors import ValidationFailed
from domain.production import scheduler
from domain.production.calendar import Shift, WorkCalendar
from domain.production.master_data import (
    calendar_from_json,
    calendar_to_json,
    load_routings,
    operation_specs,
    work_center_spec,
)
from domain.production.models import RoutingOperation, WorkCenter

GOOD = {
    "shifts": [["13:00", "17:00"], ["08:00", "12:00"]],
    "workdays": [0, 1, 2, 3, 4, 5],
    "holidays": ["2026-10-01", "2026-10-02"],
    "extra_workdays": ["2026-09-20"],
}


def test_a_good_document_becomes_a_calendar() -> None:
    cal = calendar_from_json(GOOD)
    assert cal.shifts == (Shift(dt.time(8), dt.time(12)), Shift(dt.time(13), dt.time(17)))
    assert cal.workdays == frozenset(range(6))
    assert not cal.is_workday(dt.date(2026, 10, 1))
    assert cal.is_workday(dt.date(2026, 9, 20))  # a Sunday worked (调休)
    assert cal.is_workday(dt.date(2026, 9, 19))  # Saturday is a workday here
    assert cal.working_minutes_on(dt.date(2026, 9, 21)) == 480
    start = dt.datetime(2026, 9, 30, 16, tzinfo=SHANGHAI)
    assert cal.add_working_time(start, 120) == dt.datetime(2026, 10, 3, 9, tzinfo=SHANGHAI)


def test_the_document_round_trips() -> None:
    assert calendar_from_json(calendar_to_json(calendar_from_json(GOOD))) == calendar_from_json(GOOD)


def test_missing_lists_mean_none_and_weekdays_default_to_monday_to_friday() -> None:
    cal = calendar_from_json({"shifts": [["20:00", "04:00"]]})
    assert cal.workdays == frozenset(range(5))
    assert cal.holidays == frozenset()
    assert cal.shifts[0].crosses_midnight


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ([["08:00", "12:00"]], "calendar"),
        (None, "calendar"),
        ({**GOOD, "shifts": [["8:00", "12:00"]]}, "shifts"),
        ({**GOOD, "shifts": [["08:00", "24:00"]]}, "shifts"),
        ({**GOOD, "shifts": [["08:00"]]}, "shifts"),
        ({**GOOD, "shifts": "08:00-12:00"}, "shifts"),
        ({**GOOD, "shifts": [["08:00", "12:00"], ["11:00", "14:00"]]}, "shifts"),  # overlap
        ({**GOOD, "workdays": [0, 7]}, "workdays"),
        ({**GOOD, "workdays": ["mon"]}, "workdays"),
        ({**GOOD, "workdays": [True]}, "workdays"),
        ({**GOOD, "holidays": ["2026-02-30"]}, "holidays"),
        ({**GOOD, "holidays": ["1.10.2026"]}, "holidays"),
        ({**GOOD, "holidays": "2026-10-01"}, "holidays"),
        ({**GOOD, "extra_workdays": [20260920]}, "extra_workdays"),
        ({**GOOD, "extra_workdays": ["2026-10-01"]}, "extra_workdays"),  # also a holiday
    ],
)
def test_a_bad_document_is_refused_with_a_message_for_the_field(doc: Any, field: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        calendar_from_json(doc)
    assert field in exc.value.errors
    assert exc.value.errors[field]  # a message id, translated by whoever shows it


def _center(code: str = "GRIND", machines: int = 3) -> WorkCenter:
    return WorkCenter(id=7, code=code, name="磨削", machines=machines, calendar=GOOD, active=True)


def _op(seq: int, setup: str, run: str, wc_id: int = 7) -> RoutingOperation:
    return RoutingOperation(
        product_id=1, seq=seq, work_center_id=wc_id, setup_min=Decimal(setup), run_min_per_unit=Decimal(run),
        is_key=False, stage_name_zh="精加工", stage_name_en="Finishing",
    )  # fmt: skip


def test_a_work_center_row_becomes_the_schedulers_work_center() -> None:
    spec = work_center_spec(_center())
    assert isinstance(spec, scheduler.WorkCenter)
    assert spec.id == "GRIND"
    assert spec.parallel_machines == 3
    assert spec.capacity_minutes(dt.date(2026, 9, 21)) == 3 * 480
    assert spec.capacity_minutes(dt.date(2026, 10, 1)) == 0


def test_a_work_center_with_a_broken_calendar_is_refused() -> None:
    row = _center()
    row.calendar = {"shifts": [["08:00", "25:00"]]}
    with pytest.raises(ValidationFailed):
        work_center_spec(row)


def test_routing_rows_become_operation_specs_in_seq_order() -> None:
    rows = [_op(20, "40", "3.5", wc_id=8), _op(10, "30", "1.25")]
    specs = operation_specs(rows, 100, work_center_codes={7: "TURN", 8: "GRIND"})
    assert [(s.key, s.work_center_id) for s in specs] == [("op10", "TURN"), ("op20", "GRIND")]
    assert [s.minutes for s in specs] == [30 + 125, 40 + 350]
    # Without a code map, the loaded relationship names the center (or the id, as a last resort).
    loaded = _op(10, "0", "1")
    loaded.work_center = _center("HEAT")
    assert operation_specs([loaded], 1)[0].work_center_id == "HEAT"
    assert operation_specs([_op(10, "0", "1")], 1)[0].work_center_id == "7"
    assert operation_specs([], 10) == []


async def _wipe(session: AsyncSession) -> None:
    for table in reversed(metadata.sorted_tables):
        await session.execute(text(f'DELETE FROM "{table.name}"'))


async def _counts(session: AsyncSession) -> dict[str, int]:
    return {
        t.name: await session.scalar(select(func.count()).select_from(t)) or 0 for t in metadata.sorted_tables
    }


async def test_the_demo_shop_floor_feeds_the_scheduler(session: AsyncSession) -> None:
    from demo.factory import DEMO_WORK_CENTERS, load_demo

    await _wipe(session)  # the demo refuses a database that has the seed's accounts; rolled back below
    assert await load_demo(session, orders=30)
    before = await _counts(session)
    assert not await load_demo(session, orders=30)
    assert await _counts(session) == before

    centers = list(await session.scalars(select(WorkCenter).order_by(WorkCenter.code)))
    assert 8 <= len(centers) == len(DEMO_WORK_CENTERS) <= 12
    assert all(c.team_lead_id is not None for c in centers)
    specs = {c.code: work_center_spec(c) for c in centers}
    for spec in specs.values():
        assert isinstance(spec.calendar, WorkCalendar)
        assert not spec.calendar.is_workday(dt.date(2026, 10, 1))  # 国庆
        assert not spec.calendar.is_workday(dt.date(2026, 2, 17))  # 春节
        assert spec.calendar.is_workday(dt.date(2026, 9, 20))  # 调休: a Sunday worked
    assert specs["TURN"].capacity_minutes(dt.date(2026, 9, 21)) == 6 * 15.5 * 60

    product_ids = list(await session.scalars(select(Product.id)))
    assert len(product_ids) == 40
    routings = await load_routings(session, product_ids)
    assert set(routings) == set(product_ids)
    codes = {c.id: c.code for c in centers}
    for ops in routings.values():
        assert 3 <= len(ops) <= 6
        assert [o.seq for o in ops] == sorted(o.seq for o in ops)
        assert ops[-1].stage_name_en == "Packing"
        assert any(o.is_key and o.stage_name_en == "Final inspection" for o in ops)
        assert all(o.stage_name_zh and o.stage_name_en for o in ops)
        assert all(o.work_center.code == codes[o.work_center_id] for o in ops)  # loaded, no lazy load
        job = operation_specs(ops, 500)
        assert all(s.work_center_id in specs and s.minutes > 0 for s in job)
    heat = [o for ops in routings.values() for o in ops if o.work_center.code == "HEAT"]
    assert heat
    assert all(o.is_key for o in heat)

    # The specs schedule: one job through the scheduler on the demo calendars.
    sched = scheduler.Scheduler(list(specs.values()))
    start = dt.datetime(2026, 9, 28, 8, tzinfo=SHANGHAI)
    ops = next(iter(routings.values()))
    job = scheduler.JobSpec(key="J1", operations=tuple(operation_specs(ops, 200)), release_at=start)
    result = sched.dry_run([job], existing=[], now=start)
    assert len(result.operations) == len(ops)


async def test_load_routings_answers_empty_lists_and_runs_one_query(session: AsyncSession) -> None:
    assert await load_routings(session, []) == {}
    statements: list[str] = []
    from sqlalchemy import event

    sync_engine = (await session.connection()).engine.sync_engine

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        assert await load_routings(session, [10**9, 10**9 + 1]) == {10**9: [], 10**9 + 1: []}
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)
    assert len([s for s in statements if "routing_operations" in s]) == 1
