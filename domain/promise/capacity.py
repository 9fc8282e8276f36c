"""Capacity-to-promise: the earliest day the scheduler can finish every line, around the load already
booked and never starting a line before its short components arrive. A what-if: ``Scheduler.dry_run``
books nothing.

A second dry run without the material wait tells the reviewer which constraint costs the requested
date: if the lines would make it with material on hand, material is the bottleneck; otherwise capacity.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from domain.base import SHANGHAI
from domain.production.calendar import to_local
from domain.production.scheduler import Booking, JobSpec, Scheduler

__all__ = ["CapacityResult", "LinePromise", "capacity_to_promise", "material_lead_days"]

# How much routing time a line gets per calendar day when working back from the requested date to the
# day its material must be in the warehouse: one eight-hour shift (a conservative reading of a
# two-shift factory, which leaves room for queueing behind other orders).
MINUTES_PER_DAY = 480


def material_lead_days(spec: JobSpec | None) -> int:
    """Days of production before the requested date, so the material must be there that much earlier."""
    if spec is None or not spec.operations:
        return 0
    return math.ceil(sum(op.minutes for op in spec.operations) / MINUTES_PER_DAY)


@dataclass(frozen=True)
class LinePromise:
    key: str
    requested: dt.date
    material_ready: dt.date | None
    start: dt.datetime | None
    finish: dt.datetime | None
    promised: dt.date | None  # None: material not covered by confirmed supply, no date can be given
    finish_without_material_wait: dt.date | None
    beyond_horizon: bool = False  # would finish after the window the load was read for: no date

    @property
    def late(self) -> bool:
        return self.promised is None or self.promised > self.requested

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "requested": self.requested.isoformat(),
            "material_ready": _iso(self.material_ready),
            "start": self.start.isoformat() if self.start else None,
            "finish": self.finish.isoformat() if self.finish else None,
            "promised": _iso(self.promised),
            "capacity_only": _iso(self.finish_without_material_wait),
            "late": self.late,
            "beyond_horizon": self.beyond_horizon,
        }


@dataclass(frozen=True)
class CapacityResult:
    lines: tuple[LinePromise, ...]
    requested: dt.date
    horizon: dt.date | None = None

    @property
    def promised(self) -> dt.date | None:
        dates = [x.promised for x in self.lines]
        if not dates or any(d is None for d in dates):
            return None if dates else self.requested
        return max(d for d in dates if d is not None)

    @property
    def capacity_only(self) -> dt.date | None:
        dates = [x.finish_without_material_wait for x in self.lines if x.finish_without_material_wait]
        return max(dates) if dates else None

    @property
    def ok(self) -> bool:
        return self.promised is not None and self.promised <= self.requested

    @property
    def bottleneck(self) -> str | None:
        """``material`` when the lines would make the requested date without waiting for components."""
        if self.ok:
            return None
        cap = self.capacity_only
        return "material" if cap is not None and cap <= self.requested else "capacity"

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "requested": self.requested.isoformat(),
            "promised": _iso(self.promised),
            "capacity_only": _iso(self.capacity_only),
            "bottleneck": self.bottleneck,
            "lines": [x.as_json() for x in self.lines],
        }


def capacity_to_promise(
    scheduler: Scheduler,
    bookings: Sequence[Booking],
    specs: Mapping[str, JobSpec],
    *,
    requested: Mapping[str, dt.date],
    material_ready: Mapping[str, dt.date | None],
    order_requested: dt.date,
    now: dt.datetime,
    horizon: dt.date | None = None,
) -> CapacityResult:
    """Pure. ``specs``: line key → its job (lines without a routing are absent: they get no date);
    ``material_ready``: line key → the day all its components are in (None: never
    with confirmed supply); ``horizon``: the last day the load in ``bookings`` is complete for (a line
    finishing later gets no date: a booking not read could be in its way)."""
    now_local = to_local(now)
    # Only the load on the work centers these jobs visit can delay them: the rest of the floor is left
    # out of the what-if (placing into a busy floor costs time in proportion to its bookings).
    centers = {op.work_center_id for spec in specs.values() for op in spec.operations}
    bookings = [b for b in bookings if b.work_center_id in centers]
    waiting: list[JobSpec] = []
    for key, spec in specs.items():
        ready = material_ready.get(key, now_local.date())
        if ready is None:
            continue  # cannot be placed at all; reported as "no date"
        waiting.append(replace(spec, release_at=max(now_local, _start_of(ready))))
    with_material = scheduler.dry_run(waiting, bookings, now_local) if waiting else None
    unconstrained = with_material
    late = with_material is None or any(
        to_local(end).date() > requested.get(key, dt.date.max)
        for key, end in with_material.finish_by_job.items()
    )
    held_back = len(waiting) < len(specs) or any(j.release_at > now_local for j in waiting)
    if specs and late and held_back:
        # Which constraint costs the date? Run once more as if every component were on hand. Not needed
        # when nothing waited for material (the same run) or when every line is on time anyway.
        unconstrained = scheduler.dry_run([replace(s, release_at=now_local) for s in specs.values()], bookings,
                                          now_local)  # fmt: skip
    lines: list[LinePromise] = []
    for key, wanted in requested.items():
        ready = material_ready.get(key, now_local.date())
        cap_only = None
        if unconstrained is not None and key in unconstrained.finish_by_job:
            cap_only = to_local(unconstrained.finish_by_job[key]).date()
        if ready is None:
            lines.append(LinePromise(key, wanted, None, None, None, None, cap_only))
            continue
        if key not in specs:  # no routing: the floor cannot plan it, so no date is promised
            lines.append(LinePromise(key, wanted, ready, None, None, None, None))
            continue
        assert with_material is not None
        ops = with_material.for_job(key)
        start = to_local(ops[0].start) if ops else None
        finish = to_local(with_material.finish_by_job[key])
        if horizon is not None and finish.date() > horizon:
            lines.append(LinePromise(key, wanted, ready, start, finish, None, cap_only, beyond_horizon=True))
            continue
        lines.append(LinePromise(key, wanted, ready, start, finish, finish.date(), cap_only))
    return CapacityResult(tuple(lines), order_requested, horizon)


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), SHANGHAI)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None
