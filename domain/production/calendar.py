"""Working calendars: when a work center can run (shifts, workdays, holidays, 调休 make-up days).

Pure value objects; every datetime they return is timezone-aware in Asia/Shanghai, because shifts are
defined in factory wall-clock time. Callers may pass aware datetimes in any zone; naive ones are
refused, since a naive time silently shifts by eight hours when someone assumes UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from domain.base import SHANGHAI
from domain.errors import DomainError

__all__ = ["NoWorkingTime", "Shift", "WorkCalendar", "to_local"]

Interval = tuple[dt.datetime, dt.datetime]

# A calendar that has no working time for this many consecutive days is broken, not merely sparse
# (Spring Festival closes a plant for two or three weeks, never a year).
_MAX_IDLE_DAYS = 370
_ONE_DAY = dt.timedelta(days=1)
_ZERO = dt.timedelta(0)


class NoWorkingTime(DomainError):
    """The calendar never opens again (no shifts, no workdays): searching further would never end."""


def to_local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is SHANGHAI:  # the hot path: everything inside the scheduler is already local
        return moment
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: scheduling needs timezone-aware times")
    return moment.astimezone(SHANGHAI)


@dataclass(frozen=True, slots=True)
class Shift:
    """A daily working window in factory time. ``end <= start`` means it runs past midnight
    (20:00–04:00 is a night shift; 00:00–00:00 is round the clock)."""

    start: dt.time
    end: dt.time

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("shift times are factory wall-clock times; give them without tzinfo")

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start

    @property
    def minutes(self) -> float:
        start = dt.datetime.combine(dt.date.min, self.start)
        end = dt.datetime.combine(dt.date.min + _ONE_DAY if self.crosses_midnight else dt.date.min, self.end)
        return (end - start) / dt.timedelta(minutes=1)


@dataclass(frozen=True)
class WorkCalendar:
    """Shifts repeat on every workday. A working day is a weekday in ``workdays`` (0 = Monday) that is
    not a holiday, or a date in ``extra_workdays`` (weekends worked to make up for a bridged holiday).
    A night shift belongs to the day it starts on."""

    shifts: tuple[Shift, ...]
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    holidays: frozenset[dt.date] = frozenset()
    extra_workdays: frozenset[dt.date] = frozenset()
    # Day → its intervals. The calendar is immutable, so the memo can never go stale; it matters
    # because the scheduler asks about the same few weeks thousands of times per placement.
    _memo: dict[dt.date, tuple[Interval, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "shifts", tuple(sorted(self.shifts, key=lambda s: s.start)))
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "extra_workdays", frozenset(self.extra_workdays))
        if bad := [d for d in self.workdays if not 0 <= d <= 6]:
            raise ValueError(f"workdays are 0 (Monday) … 6 (Sunday), got {bad}")
        if both := self.holidays & self.extra_workdays:
            raise ValueError(f"dates both holiday and extra workday: {sorted(both)}")
        shifts = self.shifts
        for i, shift in enumerate(shifts):
            if shift.crosses_midnight and i != len(shifts) - 1:
                raise ValueError("only the last shift of the day may run past midnight")
            if i and shifts[i - 1].end > shift.start:
                raise ValueError(f"shifts overlap: {shifts[i - 1]} and {shift}")
        if shifts and shifts[-1].crosses_midnight and shifts[-1].end > shifts[0].start:
            raise ValueError("the night shift runs into the next day's first shift")

    # -- days -----------------------------------------------------------------------------------

    def is_workday(self, day: dt.date) -> bool:
        if day in self.extra_workdays:
            return True
        return day.weekday() in self.workdays and day not in self.holidays

    def working_intervals(self, day: dt.date) -> list[Interval]:
        """The working windows of the shifts that start on ``day``, in order."""
        return list(self._intervals(day))

    def working_minutes_on(self, day: dt.date) -> float:
        return sum((b - a for a, b in self._intervals(day)), _ZERO) / dt.timedelta(minutes=1)

    def _intervals(self, day: dt.date) -> tuple[Interval, ...]:
        cached = self._memo.get(day)
        if cached is not None:
            return cached
        intervals: tuple[Interval, ...] = ()
        if self.is_workday(day):
            nxt = day + _ONE_DAY
            intervals = tuple(
                (
                    dt.datetime.combine(day, s.start, tzinfo=SHANGHAI),
                    dt.datetime.combine(nxt if s.crosses_midnight else day, s.end, tzinfo=SHANGHAI),
                )
                for s in self.shifts
            )
        self._memo[day] = intervals
        return intervals

    def _intervals_from(self, moment: dt.datetime) -> Iterator[Interval]:
        """Every working interval that ends after ``moment`` (a Shanghai time), in time order."""
        # Yesterday's night shift may still be running this morning.
        day = moment.date() - _ONE_DAY
        idle = 0
        while True:
            intervals = self._intervals(day)
            if intervals:
                idle = 0
                for a, b in intervals:
                    if b > moment:
                        yield a, b
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise NoWorkingTime(f"no working time for {_MAX_IDLE_DAYS} days after {day}")
            day += _ONE_DAY

    # -- time arithmetic --------------------------------------------------------------------------

    def next_working_instant(self, moment: dt.datetime) -> dt.datetime:
        """``moment`` itself if the calendar is working then, else the start of the next shift."""
        moment = to_local(moment)
        day = moment.date() - _ONE_DAY  # yesterday's night shift may still be running
        for _ in range(_MAX_IDLE_DAYS + 2):
            for a, b in self._intervals(day):
                if b > moment:
                    return max(a, moment)
            day += _ONE_DAY
        raise NoWorkingTime(f"no working time for {_MAX_IDLE_DAYS} days after {moment.date()}")

    def add_working_time(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """The moment at which ``minutes`` of working time after ``start`` have elapsed: the work
        pauses outside shifts, over weekends and holidays. Ending exactly at a shift's end returns
        that end, not the next shift's start."""
        if minutes < 0:
            raise ValueError("minutes must be >= 0")
        moment = to_local(start)
        remaining = dt.timedelta(minutes=minutes)
        if not remaining:
            return moment
        for a, b in self._intervals_from(moment):
            a = max(a, moment)
            available = b - a
            if remaining <= available:
                return a + remaining
            remaining -= available
        raise AssertionError("unreachable: _intervals_from never ends")  # pragma: no cover

    def working_minutes_between(self, a: dt.datetime, b: dt.datetime) -> float:
        """Working minutes in [a, b); negative when b is before a."""
        a, b = to_local(a), to_local(b)
        if b < a:
            return -self.working_minutes_between(b, a)
        total = _ZERO
        # Walk the days directly (not _intervals_from) so a long closed stretch inside [a, b) counts
        # as zero instead of tripping the never-opens-again guard.
        day, last = a.date() - _ONE_DAY, b.date()
        while day <= last:
            for start, end in self._intervals(day):
                if end > a and start < b:
                    total += min(end, b) - max(start, a)
            day += _ONE_DAY
        return total / dt.timedelta(minutes=1)
