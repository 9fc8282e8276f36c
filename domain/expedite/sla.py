"""The answer clock: PMC answers within N working hours of the office calendar (default 4, setting
EXPEDITE_SLA_HOURS). Office hours, not machine hours: a request at 17:00 on Friday is due Monday."""

from __future__ import annotations

import datetime as dt

from domain.production.calendar import Shift, WorkCalendar

OFFICE = WorkCalendar(
    shifts=(Shift(dt.time(8, 30), dt.time(12, 0)), Shift(dt.time(13, 0), dt.time(17, 30))),
    workdays=frozenset({0, 1, 2, 3, 4}),
)


def sla_due(asked_at: dt.datetime, hours: float, calendar: WorkCalendar = OFFICE) -> dt.datetime:
    return calendar.add_working_time(asked_at, hours * 60)


def working_minutes_left(due: dt.datetime, now: dt.datetime, calendar: WorkCalendar = OFFICE) -> float:
    """Negative once overdue."""
    return calendar.working_minutes_between(now, due)
