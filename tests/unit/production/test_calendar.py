"""Working calendar arithmetic, checked by hand against May 2024 (Labour Day: 1–3 May off, 4–5 May
weekend; Saturday 11 May worked in exchange — 调休)."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.base import SHANGHAI
from domain.production.calendar import NoWorkingTime, Shift, WorkCalendar

DAY = (Shift(dt.time(8), dt.time(12)), Shift(dt.time(13), dt.time(17)))
MAY_DAY = WorkCalendar(
    shifts=DAY,
    holidays=frozenset({dt.date(2024, 5, 1), dt.date(2024, 5, 2), dt.date(2024, 5, 3)}),
    extra_workdays=frozenset({dt.date(2024, 5, 11)}),
)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 5, day, hour, minute, tzinfo=SHANGHAI)


def test_workdays_follow_weekdays_holidays_and_make_up_days() -> None:
    assert MAY_DAY.is_workday(dt.date(2024, 5, 6))  # Monday
    assert not MAY_DAY.is_workday(dt.date(2024, 5, 18))  # Saturday
    assert not MAY_DAY.is_workday(dt.date(2024, 5, 2))  # holiday on a Thursday
    assert MAY_DAY.is_workday(dt.date(2024, 5, 11))  # Saturday worked for the holiday


def test_working_intervals_are_the_shifts_of_that_day() -> None:
    assert MAY_DAY.working_intervals(dt.date(2024, 5, 6)) == [(at(6, 8), at(6, 12)), (at(6, 13), at(6, 17))]
    assert MAY_DAY.working_intervals(dt.date(2024, 5, 1)) == []
    assert MAY_DAY.working_minutes_on(dt.date(2024, 5, 6)) == 480


@pytest.mark.parametrize(
    ("start", "minutes", "end"),
    [
        pytest.param(at(6, 8), 90, at(6, 9, 30), id="inside-one-shift"),
        pytest.param(at(6, 8), 240, at(6, 12), id="ends-exactly-at-shift-end"),
        pytest.param(at(6, 11), 120, at(6, 14), id="pauses-over-lunch"),
        pytest.param(at(6, 16), 120, at(7, 9), id="pauses-overnight"),
        pytest.param(at(17, 16), 120, at(20, 9), id="pauses-over-weekend"),
        pytest.param(at(6, 12, 30), 30, at(6, 13, 30), id="starts-in-lunch-break"),
        pytest.param(at(18, 10), 60, at(20, 9), id="starts-on-saturday"),
        pytest.param(at(10, 16), 120, at(11, 9), id="uses-make-up-saturday"),
        pytest.param(at(6, 9), 0, at(6, 9), id="zero-is-identity"),
    ],
)
def test_add_working_time(start: dt.datetime, minutes: float, end: dt.datetime) -> None:
    assert MAY_DAY.add_working_time(start, minutes) == end


def test_holidays_and_the_weekend_after_them_are_skipped() -> None:
    # Tue 30 Apr 16:30: 30 min that day, then 1–3 May holiday, 4–5 May weekend, 30 min on Mon 6 May.
    start = dt.datetime(2024, 4, 30, 16, 30, tzinfo=SHANGHAI)
    assert MAY_DAY.add_working_time(start, 60) == at(6, 8, 30)
    assert MAY_DAY.working_minutes_between(start, at(6, 8, 30)) == 60


def test_working_minutes_between() -> None:
    assert MAY_DAY.working_minutes_between(at(6, 11), at(7, 9)) == 60 + 240 + 60
    assert MAY_DAY.working_minutes_between(at(7, 9), at(6, 11)) == -360
    assert MAY_DAY.working_minutes_between(at(18, 0), at(19, 23)) == 0


@pytest.mark.parametrize("minutes", [1, 45, 240, 480, 1000, 5000])
def test_between_inverts_add(minutes: int) -> None:
    start = at(9, 10, 15)
    assert MAY_DAY.working_minutes_between(start, MAY_DAY.add_working_time(start, minutes)) == minutes


def test_other_time_zones_are_converted_and_results_are_shanghai_time() -> None:
    utc_midnight = dt.datetime(2024, 5, 6, 0, 0, tzinfo=dt.UTC)  # 08:00 in Shanghai
    end = MAY_DAY.add_working_time(utc_midnight, 60)
    assert end == at(6, 9)
    assert end.tzinfo is SHANGHAI


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        MAY_DAY.add_working_time(dt.datetime(2024, 5, 6, 8), 10)  # naive on purpose


def test_night_shift_belongs_to_the_day_it_starts() -> None:
    three_shifts = WorkCalendar(
        shifts=(
            Shift(dt.time(6), dt.time(14)),
            Shift(dt.time(14), dt.time(22)),
            Shift(dt.time(22), dt.time(6)),
        )
    )
    # Friday's night shift runs until Saturday 06:00; nothing runs Sunday night.
    assert three_shifts.add_working_time(at(17, 23), 60) == at(18, 0)
    assert three_shifts.add_working_time(at(18, 5), 120) == at(20, 7)
    assert three_shifts.next_working_instant(at(20, 3)) == at(20, 6)
    assert three_shifts.working_minutes_on(dt.date(2024, 5, 17)) == 24 * 60


def test_next_working_instant() -> None:
    assert MAY_DAY.next_working_instant(at(6, 9)) == at(6, 9)
    assert MAY_DAY.next_working_instant(at(6, 12)) == at(6, 13)
    assert MAY_DAY.next_working_instant(at(6, 17)) == at(7, 8)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shifts": (Shift(dt.time(8), dt.time(12)), Shift(dt.time(11), dt.time(17)))}, "overlap"),
        ({"shifts": (Shift(dt.time(20), dt.time(9)), Shift(dt.time(8), dt.time(12)))}, "next day"),
        ({"shifts": (Shift(dt.time(20), dt.time(4)), Shift(dt.time(21), dt.time(23)))}, "past midnight"),
        ({"shifts": DAY, "workdays": frozenset({7})}, "workdays"),
        (
            {
                "shifts": DAY,
                "holidays": frozenset({dt.date(2024, 5, 11)}),
                "extra_workdays": frozenset({dt.date(2024, 5, 11)}),
            },
            "both",
        ),
    ],
)
def test_inconsistent_calendars_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkCalendar(**kwargs)


def test_a_calendar_that_never_opens_fails_instead_of_looping() -> None:
    closed = WorkCalendar(shifts=DAY, workdays=frozenset())
    with pytest.raises(NoWorkingTime):
        closed.add_working_time(at(6, 8), 1)
    assert closed.working_minutes_between(at(6, 8), at(20, 8)) == 0
