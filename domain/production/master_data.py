"""From master-data rows to the scheduler's inputs: pure conversions plus one batched loader.

``calendar_from_json`` is the only reader of the work-center calendar document; it refuses a bad
document with ``ValidationFailed`` (field → message id), so an admin form or an import can show the
error next to the field, and the scheduler never meets a half-parsed calendar.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.errors import ValidationFailed
from domain.i18n import N_, Msg
from domain.production import scheduler
from domain.production.calendar import Shift, WorkCalendar
from domain.production.models import RoutingOperation, WorkCenter

__all__ = ["calendar_from_json", "calendar_to_json", "load_routings", "operation_specs", "work_center_spec"]

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Message ids (not yet in the catalogs: master data has no form; extract and translate them with the
# first UI that shows them, and mark them with N_ then).
MSG_NOT_AN_OBJECT = N_("The calendar must be an object with shifts, workdays, holidays and extra_workdays.")
MSG_SHIFT = N_('Shift %(index)s must be a pair of times HH:MM, such as ["08:00", "12:00"].')
MSG_SHIFTS = N_("The shifts do not fit together: %(reason)s")
MSG_WORKDAYS = N_("Workdays are numbers from 0 (Monday) to 6 (Sunday).")
MSG_DATES = N_("Dates are written YYYY-MM-DD; %(value)s is not a date.")
MSG_BOTH = N_("%(value)s is both a holiday and an extra workday.")


def _time(value: Any) -> dt.time | None:
    if not isinstance(value, str) or not (m := _HHMM.match(value)):
        return None
    return dt.time(int(m.group(1)), int(m.group(2)))


def _dates(values: Any, field: str, errors: dict[str, str]) -> frozenset[dt.date]:
    if values is None:
        return frozenset()
    if not isinstance(values, list):
        errors[field] = Msg(MSG_DATES, value=repr(values))
        return frozenset()
    out: set[dt.date] = set()
    for value in values:
        try:
            if not isinstance(value, str) or not _ISO_DATE.match(value):
                raise ValueError(value)
            out.add(dt.date.fromisoformat(value))
        except ValueError:
            errors.setdefault(field, Msg(MSG_DATES, value=str(value)))
    return frozenset(out)


def calendar_from_json(doc: Any) -> WorkCalendar:
    """``{"shifts": [["08:00","12:00"], …], "workdays": [0..6], "holidays": ["YYYY-MM-DD"],
    "extra_workdays": [...]}`` → a ``WorkCalendar``. Missing lists mean none (workdays: Mon–Fri)."""
    if not isinstance(doc, Mapping):
        raise ValidationFailed({"calendar": Msg(MSG_NOT_AN_OBJECT)})
    errors: dict[str, str] = {}

    shifts: list[Shift] = []
    raw_shifts = doc.get("shifts", [])
    if not isinstance(raw_shifts, list):
        errors["shifts"] = Msg(MSG_SHIFT, index=1)
        raw_shifts = []
    for i, pair in enumerate(raw_shifts, start=1):
        ok = isinstance(pair, list | tuple) and len(pair) == 2
        start, end = (_time(pair[0]), _time(pair[1])) if ok else (None, None)
        if start is None or end is None:
            errors.setdefault("shifts", Msg(MSG_SHIFT, index=i))
            continue
        shifts.append(Shift(start, end))

    raw_workdays = doc.get("workdays", [0, 1, 2, 3, 4])
    if not isinstance(raw_workdays, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in raw_workdays
    ):
        errors["workdays"] = Msg(MSG_WORKDAYS)
        raw_workdays = []

    holidays = _dates(doc.get("holidays"), "holidays", errors)
    extra = _dates(doc.get("extra_workdays"), "extra_workdays", errors)
    if both := holidays & extra:
        errors.setdefault("extra_workdays", Msg(MSG_BOTH, value=min(both).isoformat()))
    if errors:
        raise ValidationFailed(errors)
    try:
        return WorkCalendar(tuple(shifts), frozenset(raw_workdays), holidays, extra)
    except ValueError as exc:  # overlapping shifts, a night shift running into the morning
        raise ValidationFailed({"shifts": Msg(MSG_SHIFTS, reason=str(exc))}) from exc


def calendar_to_json(calendar: WorkCalendar) -> dict[str, Any]:
    """The inverse of ``calendar_from_json`` (sorted, so equal calendars give equal documents)."""
    return {
        "shifts": [[s.start.strftime("%H:%M"), s.end.strftime("%H:%M")] for s in calendar.shifts],
        "workdays": sorted(calendar.workdays),
        "holidays": sorted(d.isoformat() for d in calendar.holidays),
        "extra_workdays": sorted(d.isoformat() for d in calendar.extra_workdays),
    }


def work_center_spec(row: WorkCenter) -> scheduler.WorkCenter:
    """The scheduler's view of a work center; its id is the row's code (stable across databases)."""
    return scheduler.WorkCenter(
        id=row.code, calendar=calendar_from_json(row.calendar), parallel_machines=row.machines
    )


def operation_specs(
    routing_rows: Iterable[RoutingOperation],
    quantity: float,
    *,
    work_center_codes: Mapping[int, str] | None = None,
) -> list[scheduler.OperationSpec]:
    """One product's routing (in ``seq`` order) as operations for ``quantity`` units. The operation
    key is ``op<seq>``; the work center is named by its code (``work_center_codes``: id → code, when
    the rows' ``work_center`` relationship is not loaded), else by its id as text."""
    specs: list[scheduler.OperationSpec] = []
    for row in sorted(routing_rows, key=lambda r: r.seq):
        if work_center_codes is not None:
            center = work_center_codes[row.work_center_id]
        else:
            loaded = row.__dict__.get("work_center")
            center = loaded.code if loaded is not None else str(row.work_center_id)
        specs.append(
            scheduler.OperationSpec(
                key=f"op{row.seq}",
                work_center_id=center,
                setup_min=float(row.setup_min),
                run_min_per_unit=float(row.run_min_per_unit),
                quantity=quantity,
            )
        )
    return specs


async def load_routings(
    session: AsyncSession, product_ids: Sequence[int]
) -> dict[int, list[RoutingOperation]]:
    """Product id → its routing in ``seq`` order (with ``work_center`` loaded), for all the products in
    one query. A product without a routing maps to an empty list."""
    out: dict[int, list[RoutingOperation]] = {pid: [] for pid in product_ids}
    if not out:
        return out
    rows = await session.scalars(
        select(RoutingOperation)
        .where(RoutingOperation.product_id.in_(list(out)))
        .options(joinedload(RoutingOperation.work_center))
        .order_by(RoutingOperation.product_id, RoutingOperation.seq)
    )
    for row in rows:
        out[row.product_id].append(row)
    return out
