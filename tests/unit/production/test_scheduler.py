"""Finite-capacity placement and re-planning on small cases whose answers were worked out by hand.

Calendar: Mon–Fri 08:00–12:00 and 13:00–17:00; week of Monday 6 May 2024; Saturday 11 May is a
make-up workday, Wednesday 8 May a holiday (only in the calendars that say so)."""

from __future__ import annotations

import copy
import datetime as dt
import random
from itertools import pairwise

import pytest

from domain.base import SHANGHAI
from domain.production.calendar import Shift, WorkCalendar
from domain.production.scheduler import (
    Booking,
    JobSpec,
    Move,
    OperationSpec,
    Progress,
    Scheduler,
    SchedulingError,
    WorkCenter,
)

CAL = WorkCalendar(shifts=(Shift(dt.time(8), dt.time(12)), Shift(dt.time(13), dt.time(17))))
HOLIDAY_CAL = WorkCalendar(
    shifts=CAL.shifts,
    holidays=frozenset({dt.date(2024, 5, 8)}),
    extra_workdays=frozenset({dt.date(2024, 5, 11)}),
)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 5, day, hour, minute, tzinfo=SHANGHAI)


NOW = at(6, 8)  # Monday, start of the first shift


def op(key: str, wc: str, minutes: float, *, setup: float = 0, qty: float = 1) -> OperationSpec:
    return OperationSpec(key, wc, setup_min=setup, run_min_per_unit=minutes / qty, quantity=qty)


def job(
    key: str, *ops: OperationSpec, release: dt.datetime = NOW, priority: int = 0, due: dt.date | None = None
) -> JobSpec:
    return JobSpec(key, ops, release_at=release, priority=priority, due=due)


def span(schedule, job_key: str, op_key: str) -> tuple[dt.datetime, dt.datetime]:
    planned = schedule.get(job_key, op_key)
    return planned.start, planned.end


@pytest.fixture
def scheduler() -> Scheduler:
    return Scheduler(
        [
            WorkCenter("CNC", CAL),
            WorkCenter("GRD", CAL),
            WorkCenter("INSP", CAL),
            WorkCenter("LATHE", CAL, parallel_machines=2),
            WorkCenter("HOL", HOLIDAY_CAL),
        ]
    )


# -- placement ---------------------------------------------------------------------------------------


def test_single_operation_inside_one_shift(scheduler: Scheduler) -> None:
    # 30 min setup + 2 × 30 min run = 90 min from 08:00.
    s = scheduler.place([job("J1", OperationSpec("10", "CNC", 30, 30, 2))], [], NOW)
    assert span(s, "J1", "10") == (at(6, 8), at(6, 9, 30))
    assert s.finish_by_job == {"J1": at(6, 9, 30)}


def test_operation_spans_lunch_and_night_and_weekend(scheduler: Scheduler) -> None:
    # 300 min: 08–12 (240) + 13–14 (60).
    s = scheduler.place([job("J1", op("10", "CNC", 300))], [], NOW)
    assert span(s, "J1", "10") == (at(6, 8), at(6, 14))
    # 600 min from Fri 15:00: 120 Fri, weekend off, 480 Mon → Mon 17:00 exactly.
    s = scheduler.place([job("J2", op("10", "CNC", 600), release=at(10, 15))], [], NOW)
    assert span(s, "J2", "10") == (at(10, 15), at(13, 17))


def test_holiday_skipped_and_make_up_saturday_used(scheduler: Scheduler) -> None:
    # From Tue 16:00: 60 Tue, Wed 8 May holiday, then 60 more Thu → 09:00.
    s = scheduler.place([job("J1", op("10", "HOL", 120), release=at(7, 16))], [], NOW)
    assert span(s, "J1", "10") == (at(7, 16), at(9, 9))
    # From Fri 16:00: 60 Fri, then Saturday 11 May is worked → Sat 09:00.
    s = scheduler.place([job("J2", op("10", "HOL", 120), release=at(10, 16))], [], NOW)
    assert span(s, "J2", "10") == (at(10, 16), at(11, 9))


def test_capacity_full_on_day_one_starts_day_two(scheduler: Scheduler) -> None:
    full_monday = [Booking("CNC", at(6, 8), at(6, 12), "X1"), Booking("CNC", at(6, 13), at(6, 17), "X2")]
    s = scheduler.place([job("J1", op("10", "CNC", 60))], full_monday, NOW)
    assert span(s, "J1", "10") == (at(7, 8), at(7, 9))


def test_gaps_are_used_only_when_the_work_fits(scheduler: Scheduler) -> None:
    load = [Booking("CNC", at(6, 8), at(6, 9), "X1"), Booking("CNC", at(6, 10), at(6, 17), "X2")]
    s = scheduler.place([job("SHORT", op("10", "CNC", 60))], load, NOW)
    assert span(s, "SHORT", "10") == (at(6, 9), at(6, 10))
    s = scheduler.place([job("LONG", op("10", "CNC", 90))], load, NOW)
    assert span(s, "LONG", "10") == (at(7, 8), at(7, 9, 30))


def test_a_gap_over_lunch_holds_only_its_working_minutes(scheduler: Scheduler) -> None:
    # Free 11:00–14:00 is three hours of clock but two of work: 120 fits, 150 does not.
    load = [Booking("CNC", at(6, 8), at(6, 11), "X1"), Booking("CNC", at(6, 14), at(6, 17), "X2")]
    assert span(scheduler.place([job("A", op("10", "CNC", 120))], load, NOW), "A", "10") == (
        at(6, 11),
        at(6, 14),
    )
    assert span(scheduler.place([job("B", op("10", "CNC", 150))], load, NOW), "B", "10") == (
        at(7, 8),
        at(7, 10, 30),
    )


def test_priority_wins_a_contested_machine(scheduler: Scheduler) -> None:
    low, high = job("LOW", op("10", "CNC", 240)), job("HIGH", op("10", "CNC", 240), priority=5)
    s = scheduler.place([low, high], [], NOW)
    assert span(s, "HIGH", "10") == (at(6, 8), at(6, 12))
    assert span(s, "LOW", "10") == (at(6, 13), at(6, 17))


def test_equal_priority_goes_by_release(scheduler: Scheduler) -> None:
    later, earlier = (
        job("B", op("10", "CNC", 60), release=at(6, 9)),
        job("A", op("10", "CNC", 240), release=at(6, 8)),
    )
    s = scheduler.place([later, earlier], [], NOW)
    assert span(s, "A", "10") == (at(6, 8), at(6, 12))
    assert span(s, "B", "10") == (at(6, 13), at(6, 14))


def test_parallel_machines_run_side_by_side(scheduler: Scheduler) -> None:
    jobs = [job(f"J{i}", op("10", "LATHE", 240)) for i in range(3)]
    s = scheduler.place(jobs, [], NOW)
    first, second, third = (s.get(f"J{i}", "10") for i in range(3))
    assert (first.start, first.end, second.start, second.end) == (at(6, 8), at(6, 12), at(6, 8), at(6, 12))
    assert {first.machine, second.machine} == {0, 1}
    assert (third.start, third.end) == (at(6, 13), at(6, 17))


def test_parallel_machines_pick_the_one_that_finishes_first(scheduler: Scheduler) -> None:
    load = [
        Booking("LATHE", at(6, 8), at(6, 15), "X1", machine=0),
        Booking("LATHE", at(6, 8), at(6, 10), "X2", machine=1),
    ]
    s = scheduler.place([job("J1", op("10", "LATHE", 60))], load, NOW)
    assert s.get("J1", "10").machine == 1
    assert span(s, "J1", "10") == (at(6, 10), at(6, 11))


def test_unassigned_load_fills_free_machines_first(scheduler: Scheduler) -> None:
    # Two unassigned bookings at the same time occupy both lathes, so new work waits.
    load = [Booking("LATHE", at(6, 8), at(6, 12), "X1"), Booking("LATHE", at(6, 8), at(6, 12), "X2")]
    s = scheduler.place([job("J1", op("10", "LATHE", 60))], load, NOW)
    assert span(s, "J1", "10") == (at(6, 13), at(6, 14))


def test_operation_order_is_respected_even_on_an_idle_center(scheduler: Scheduler) -> None:
    s = scheduler.place([job("J1", op("10", "CNC", 240), op("20", "GRD", 60), op("30", "INSP", 30))], [], NOW)
    assert span(s, "J1", "10") == (at(6, 8), at(6, 12))
    assert span(s, "J1", "20") == (at(6, 13), at(6, 14))  # GRD idle since 08:00, still waits for op 10
    assert span(s, "J1", "30") == (at(6, 14), at(6, 14, 30))
    assert [p.seq for p in s.for_job("J1")] == [0, 1, 2]


def test_release_and_now_are_lower_bounds(scheduler: Scheduler) -> None:
    s = scheduler.place([job("LATE", op("10", "CNC", 60), release=at(7, 10))], [], NOW)
    assert span(s, "LATE", "10") == (at(7, 10), at(7, 11))
    s = scheduler.place([job("OLD", op("10", "CNC", 60), release=at(1, 8))], [], at(6, 15))
    assert span(s, "OLD", "10") == (at(6, 15), at(6, 16))


def test_bookings_in_utc_are_understood(scheduler: Scheduler) -> None:
    # 00:00–04:00 UTC is 08:00–12:00 in Shanghai.
    load = [
        Booking("CNC", dt.datetime(2024, 5, 6, 0, tzinfo=dt.UTC), dt.datetime(2024, 5, 6, 4, tzinfo=dt.UTC))
    ]
    s = scheduler.place([job("J1", op("10", "CNC", 60))], load, NOW)
    assert span(s, "J1", "10") == (at(6, 13), at(6, 14))


def test_a_schedule_becomes_load_for_the_next_order(scheduler: Scheduler) -> None:
    first = scheduler.place([job("J1", op("10", "CNC", 240))], [], NOW)
    second = scheduler.place([job("J2", op("10", "CNC", 60))], first.as_bookings(), NOW)
    assert span(second, "J2", "10") == (at(6, 13), at(6, 14))


def test_late_jobs_are_reported(scheduler: Scheduler) -> None:
    jobs = [
        job("OK", op("10", "CNC", 240), priority=1, due=dt.date(2024, 5, 6)),
        job("LATE", op("10", "CNC", 600), due=dt.date(2024, 5, 6)),
    ]
    s = scheduler.place(jobs, [], NOW)
    assert s.late_jobs(jobs) == ["LATE"]


def test_unknown_work_center_is_an_error_not_an_empty_factory(scheduler: Scheduler) -> None:
    with pytest.raises(SchedulingError, match="unknown work center"):
        scheduler.place([job("J1", op("10", "CNC", 60))], [Booking("cnc", at(6, 8), at(6, 9))], NOW)
    with pytest.raises(SchedulingError, match="unknown work center"):
        scheduler.place([job("J1", op("10", "MILL", 60))], [], NOW)


def test_dry_run_leaves_inputs_untouched_and_is_repeatable(scheduler: Scheduler) -> None:
    jobs = [job("J1", op("10", "CNC", 240), op("20", "GRD", 60)), job("J2", op("10", "CNC", 60), priority=2)]
    load = [Booking("CNC", at(6, 8), at(6, 9), "X1"), Booking("GRD", at(6, 13), at(6, 17), "X2")]
    jobs_before, load_before = copy.deepcopy(jobs), copy.deepcopy(load)
    first = scheduler.dry_run(jobs, load, NOW)
    assert (jobs, load) == (jobs_before, load_before)
    assert scheduler.dry_run(jobs, load, NOW) == first == scheduler.place(jobs, load, NOW)


# -- re-planning -------------------------------------------------------------------------------------


@pytest.fixture
def plan(scheduler: Scheduler):
    """J1 (urgent): CNC 08–12, GRD 13–15.  J2: CNC 13–15, INSP 15–16.  J3: GRD 08–09."""
    jobs = {
        "J1": job("J1", op("10", "CNC", 240, qty=240), op("20", "GRD", 120), priority=1),
        "J2": job("J2", op("10", "CNC", 120), op("20", "INSP", 60)),
        "J3": job("J3", op("10", "GRD", 60)),
    }
    schedule = scheduler.place(list(jobs.values()), [], NOW)
    assert span(schedule, "J1", "10") == (at(6, 8), at(6, 12))
    assert span(schedule, "J1", "20") == (at(6, 13), at(6, 15))
    assert span(schedule, "J2", "10") == (at(6, 13), at(6, 15))
    assert span(schedule, "J2", "20") == (at(6, 15), at(6, 16))
    assert span(schedule, "J3", "10") == (at(6, 8), at(6, 9))
    return jobs, schedule


def test_slip_with_remaining_quantity_moves_later_ops_and_pushes_overlaps(scheduler: Scheduler, plan) -> None:
    jobs, schedule = plan
    # At 12:00, 60 of 240 parts (1 min each) are still to make: lunch, then 13:00–14:00.
    replan = scheduler.reschedule(
        schedule, jobs["J1"], Progress("J1", "10", remaining_quantity=60), at(6, 12)
    )
    new = replan.schedule
    assert span(new, "J1", "10") == (at(6, 8), at(6, 14))
    assert span(new, "J1", "20") == (at(6, 14), at(6, 16))  # waits for its predecessor
    assert span(new, "J2", "10") == (at(6, 14), at(6, 16))  # overlapped the slipped op on CNC
    assert span(new, "J2", "20") == (at(6, 16), at(6, 17))  # its predecessor moved past it
    assert span(new, "J3", "10") == (at(6, 8), at(6, 9))  # untouched: nothing overlaps it
    assert new.finish_by_job == {"J1": at(6, 16), "J2": at(6, 17), "J3": at(6, 9)}
    assert replan.moved == (
        Move("J1", "10", at(6, 8), at(6, 12), at(6, 8), at(6, 14)),
        Move("J1", "20", at(6, 13), at(6, 15), at(6, 14), at(6, 16)),
        Move("J2", "10", at(6, 13), at(6, 15), at(6, 14), at(6, 16)),
        Move("J2", "20", at(6, 15), at(6, 16), at(6, 16), at(6, 17)),
    )
    assert replan.moved[0].delay == dt.timedelta(hours=2)
    assert replan.conflicts == ()


def test_slip_reported_as_late_actual_end(scheduler: Scheduler, plan) -> None:
    jobs, schedule = plan
    replan = scheduler.reschedule(
        schedule, jobs["J1"], Progress("J1", "10", actual_end=at(6, 13, 30)), at(6, 13, 30)
    )
    new = replan.schedule
    assert span(new, "J1", "10") == (at(6, 8), at(6, 13, 30))
    assert span(new, "J1", "20") == (at(6, 13, 30), at(6, 15, 30))
    assert span(new, "J2", "10") == (at(6, 13, 30), at(6, 15, 30))
    assert span(new, "J2", "20") == (at(6, 15, 30), at(6, 16, 30))
    assert [(m.job_key, m.op_key) for m in replan.moved] == [
        ("J1", "10"),
        ("J1", "20"),
        ("J2", "10"),
        ("J2", "20"),
    ]


def test_a_slip_that_crosses_the_night_moves_work_to_the_next_day(scheduler: Scheduler, plan) -> None:
    jobs, schedule = plan
    # 300 parts left at 12:00 → 13:00–17:00 (240) + Tue 08:00–09:00.
    replan = scheduler.reschedule(
        schedule, jobs["J1"], Progress("J1", "10", remaining_quantity=300), at(6, 12)
    )
    assert span(replan.schedule, "J1", "10") == (at(6, 8), at(7, 9))
    assert span(replan.schedule, "J1", "20") == (at(7, 9), at(7, 11))
    assert span(replan.schedule, "J2", "10") == (at(7, 9), at(7, 11))
    assert span(replan.schedule, "J2", "20") == (at(7, 11), at(7, 12))


def test_finishing_early_pulls_nothing_in(scheduler: Scheduler, plan) -> None:
    jobs, schedule = plan
    replan = scheduler.reschedule(schedule, jobs["J1"], Progress("J1", "10", actual_end=at(6, 11)), at(6, 11))
    assert replan.moved == (Move("J1", "10", at(6, 8), at(6, 12), at(6, 8), at(6, 11)),)
    assert span(replan.schedule, "J1", "20") == (at(6, 13), at(6, 15))
    assert span(replan.schedule, "J2", "10") == (at(6, 13), at(6, 15))


def test_a_slip_into_fixed_load_is_reported_as_a_conflict(scheduler: Scheduler) -> None:
    maintenance = [Booking("CNC", at(6, 13, 30), at(6, 14), "PM", machine=0)]
    j1 = job("J1", op("10", "CNC", 240, qty=240), priority=1)
    j2 = job("J2", op("10", "CNC", 120))
    schedule = scheduler.place([j1, j2], maintenance, NOW)
    assert span(schedule, "J2", "10") == (at(6, 14), at(6, 16))  # 13:00–13:30 is too short
    replan = scheduler.reschedule(
        schedule, j1, Progress("J1", "10", remaining_quantity=60), at(6, 12), fixed=maintenance
    )
    assert span(replan.schedule, "J1", "10") == (at(6, 8), at(6, 14))
    assert span(replan.schedule, "J2", "10") == (at(6, 14), at(6, 16))
    assert len(replan.conflicts) == 1
    assert "J1/10" in replan.conflicts[0]


def test_reschedule_refuses_unknown_operations(scheduler: Scheduler, plan) -> None:
    jobs, schedule = plan
    with pytest.raises(SchedulingError):
        scheduler.reschedule(schedule, jobs["J1"], Progress("J1", "99", actual_end=at(6, 13)), at(6, 13))
    with pytest.raises(SchedulingError):
        scheduler.reschedule(schedule, jobs["J2"], Progress("J1", "10", actual_end=at(6, 13)), at(6, 13))


def test_progress_needs_exactly_one_kind_of_news() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Progress("J1", "10")
    with pytest.raises(ValueError, match="exactly one"):
        Progress("J1", "10", actual_end=at(6, 9), remaining_quantity=3)


def test_invariants_hold_on_a_random_floor(scheduler: Scheduler) -> None:
    """No double-booked machine, routing order kept, each op gets exactly its working minutes —
    on a seeded random mix, before and after a re-plan."""
    rng = random.Random(7)
    centers = ["CNC", "GRD", "INSP", "LATHE", "HOL"]
    load = []
    for i in range(60):
        wc = rng.choice(centers)
        s = CAL.add_working_time(NOW, rng.randint(0, 3000))
        load.append(Booking(wc, s, CAL.add_working_time(s, rng.randint(10, 200)), f"X{i}"))
    jobs = [
        job(
            f"J{j}",
            *(op(f"{k}", rng.choice(centers), rng.randint(5, 500)) for k in range(rng.randint(1, 6))),
            priority=rng.randint(0, 2),
        )
        for j in range(15)
    ]
    schedule = scheduler.place(jobs, load, NOW)
    target = jobs[0]
    replan = scheduler.reschedule(
        schedule,
        target,
        Progress(target.key, target.operations[0].key, remaining_quantity=400),
        NOW + dt.timedelta(minutes=30),
        fixed=load,
    )
    by_job = {j.key: j for j in jobs}
    for result in (schedule, replan.schedule):
        busy: dict[tuple[str, int], list[tuple[dt.datetime, dt.datetime]]] = {}
        for p in result.operations:
            busy.setdefault((p.work_center_id, p.machine), []).append((p.start, p.end))
        for intervals in busy.values():
            intervals.sort()
            assert all(a_end <= b_start for (_, a_end), (b_start, _) in pairwise(intervals))
        for j in jobs:
            ops = result.for_job(j.key)
            assert all(a.end <= b.start for a, b in pairwise(ops))
        for p in result.operations:
            if p is result.get(target.key, target.operations[0].key):
                continue
            minutes = scheduler.work_centers[p.work_center_id].calendar.working_minutes_between(
                p.start, p.end
            )
            assert minutes == pytest.approx(by_job[p.job_key].operations[p.seq].minutes)
    single_machine_load = [b for b in load if b.work_center_id != "LATHE"]
    pinned = (target.key, target.operations[0].key)
    for result in (schedule, replan.schedule):
        for b in single_machine_load:
            for p in result.operations:
                if p.work_center_id == b.work_center_id and (p.job_key, p.op_key) != pinned:
                    assert p.end <= b.start or p.start >= b.end
