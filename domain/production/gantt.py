"""Read models for the production charts: the customer's Gantt of one order, the work-center Gantt of a
window, and the load heat map (work center × day, % of capacity).

Each reader issues a fixed number of queries whatever the number of lines or operations, selects only
the columns it shows, and returns plain frozen dataclasses (no ORM objects reach a template). The
customer read model is built from customer-safe fields only: stage names in the viewer's language,
dates and percentages — never work-center codes, machines, minutes or costs.

Times are factory wall-clock (Asia/Shanghai): shifts, promised dates and "today" are all Shanghai
notions, and the charts draw wall-clock strings so a phone in another zone shows the factory's day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import SHANGHAI
from domain.catalog.models import Product
from domain.errors import Forbidden, NotFound, ValidationFailed
from domain.i18n import N_, Msg
from domain.orders.lifecycle import Status
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.parties.models import Customer
from domain.parties.roles import StaffRole
from domain.production.calendar import to_local
from domain.production.master_data import calendar_from_json
from domain.production.models import Job, JobOperation, WorkCenter
from domain.production.status import OperationStatus

__all__ = [
    "DEFAULT_DAYS_AFTER",
    "DEFAULT_DAYS_BEFORE",
    "MAX_WINDOW_DAYS",
    "LoadCell",
    "LoadGrid",
    "LoadRow",
    "OrderGantt",
    "StageBar",
    "Window",
    "WorkCenterGantt",
    "authorize_schedule",
    "load_by_day",
    "order_gantt",
    "parse_window",
    "stage_is_late",
    "work_center_gantt",
]

DEFAULT_DAYS_BEFORE = 2
DEFAULT_DAYS_AFTER = 14
MAX_WINDOW_DAYS = 62
# A work-center chart with more bars than this is unreadable and slow to draw on a laptop; the page
# says so and asks for a work-center filter or a shorter window instead of drawing a smear.
MAX_BARS = 2000

SCHEDULE_ROLES = frozenset({StaffRole.PMC, StaffRole.SALES_MANAGER, StaffRole.QC, StaffRole.ADMIN})

# Before confirmation there are no jobs; the customer is told when planning happens instead.
_PLANNED_STATUSES = frozenset(
    {Status.CONFIRMED, Status.IN_PRODUCTION, Status.QC, Status.READY_TO_SHIP, Status.PICKING}
)

MSG_BAD_DATE = N_("Write the date as YYYY-MM-DD, for example %(example)s.")
MSG_END_BEFORE_START = N_("The end date must not be before the start date.")
MSG_WINDOW_TOO_LONG = N_("Choose at most %(days)s days.")

_MINUTE = dt.timedelta(minutes=1)
_DAY = dt.timedelta(days=1)


# -- the rules ------------------------------------------------------------------------------------


def percent_done(quantity: Decimal, quantity_done: Decimal, *, finished: bool) -> int:
    """Share of the operation's quantity reported done, 0–100. A finished operation is 100 % even if
    fewer pieces were reported (scrap is the QC report's story, not the schedule's)."""
    if finished:
        return 100
    if quantity <= 0:
        return 0
    return max(0, min(100, int(quantity_done * 100 / quantity)))


def projected_end(
    *,
    planned_start: dt.datetime,
    planned_end: dt.datetime,
    actual_start: dt.datetime | None,
    actual_end: dt.datetime | None,
    fraction_done: float,
    now: dt.datetime,
) -> dt.datetime:
    """When the stage will end at the pace seen so far: its actual end once finished; while running,
    now plus the remaining share at the observed rate; not started yet, its planned length from
    the later of now and its planned start. Wall-clock arithmetic: a projection, not a re-plan."""
    if actual_end is not None:
        return actual_end
    length = planned_end - planned_start
    if actual_start is not None:
        if fraction_done > 0:
            elapsed = max(now - actual_start, dt.timedelta(0))
            return now + elapsed * ((1 - fraction_done) / fraction_done)
        return max(now, actual_start) + length
    return max(now, planned_start) + length


def stage_is_late(
    *,
    planned_start: dt.datetime | None,
    planned_end: dt.datetime | None,
    actual_start: dt.datetime | None,
    actual_end: dt.datetime | None,
    fraction_done: float,
    due: dt.date | None,
    now: dt.datetime,
) -> bool:
    """Late when the stage ended, or is projected to end, after its planned end; or when its plan
    already ends after the day promised to the customer (the requested day while not promised)."""
    if planned_end is None or planned_start is None:
        return False
    if due is not None and to_local(planned_end).date() > due:
        return True
    end = projected_end(
        planned_start=planned_start,
        planned_end=planned_end,
        actual_start=actual_start,
        actual_end=actual_end,
        fraction_done=fraction_done,
        now=now,
    )
    return end > planned_end


def stage_state(actual_start: dt.datetime | None, actual_end: dt.datetime | None) -> str:
    """waiting | running | done, from the shop floor's reports (independent of status spellings)."""
    if actual_end is not None:
        return "done"
    if actual_start is not None:
        return "running"
    return "waiting"


def _wall(moment: dt.datetime | None) -> str | None:
    """Factory wall-clock time as Plotly reads dates (no offset: Plotly ignores zones)."""
    return None if moment is None else to_local(moment).strftime("%Y-%m-%d %H:%M")


# -- the customer's Gantt of one order ------------------------------------------------------------


@dataclass(frozen=True)
class StageBar:
    label: str
    state: str  # waiting | running | done
    planned_start: dt.datetime | None
    planned_end: dt.datetime | None
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    percent: int
    late: bool


@dataclass(frozen=True)
class LineGantt:
    line_no: int
    product_name: str
    part_no: str
    due: dt.date | None  # promised, else requested
    stages: tuple[StageBar, ...]

    @property
    def percent(self) -> int:
        """Average of the stages' progress: every stage counts once, whatever its length."""
        if not self.stages:
            return 0
        return round(sum(s.percent for s in self.stages) / len(self.stages))

    @property
    def late(self) -> bool:
        return any(s.late for s in self.stages)


@dataclass(frozen=True)
class OrderGantt:
    order_no: str
    status: str
    now: dt.datetime
    lines: tuple[LineGantt, ...]

    @property
    def planned(self) -> bool:
        return any(line.stages for line in self.lines)

    @property
    def awaiting_planning(self) -> bool:
        """No plan yet because the order is not confirmed (as opposed to a plan that is missing)."""
        return not self.planned and self.status not in _PLANNED_STATUSES

    @property
    def late_count(self) -> int:
        return sum(1 for line in self.lines for s in line.stages if s.late)

    def to_json(self) -> dict[str, Any]:
        """The figure data for static/js/gantt.js: customer-safe fields only, wall-clock strings."""
        return {
            "order_no": self.order_no,
            "now": _wall(self.now),
            "lines": [
                {
                    "line_no": line.line_no,
                    "product": line.product_name,
                    "part_no": line.part_no,
                    "due": line.due.isoformat() if line.due else None,
                    "percent": line.percent,
                    "late": line.late,
                    "stages": [
                        {
                            "label": s.label,
                            "state": s.state,
                            "planned_start": _wall(s.planned_start),
                            "planned_end": _wall(s.planned_end),
                            "actual_start": _wall(s.actual_start),
                            "actual_end": _wall(s.actual_end),
                            "percent": s.percent,
                            "late": s.late,
                        }
                        for s in line.stages
                    ],
                }
                for line in self.lines
            ],
        }


async def order_gantt(
    session: AsyncSession, customer_id: int, order_no: str, *, lang: str, now: dt.datetime
) -> OrderGantt:
    """The Gantt of one of this customer's orders (another customer's order is NotFound). Three
    queries: the order, its lines, its operations. ``lang`` picks the stage names (``zh…`` → Chinese)."""
    order = (
        await session.execute(
            select(SalesOrder.id, SalesOrder.status).where(
                SalesOrder.order_no == order_no,
                SalesOrder.customer_id == customer_id,
                SalesOrder.submitted_at.is_not(None),
            )
        )
    ).one_or_none()
    if order is None:
        raise NotFound(order_no)
    lines = (
        await session.execute(
            select(
                SalesOrderLine.id,
                SalesOrderLine.line_no,
                SalesOrderLine.requested_date,
                SalesOrderLine.promised_date,
                Product.name,
                Product.part_no,
            )
            .join(Product, Product.id == SalesOrderLine.product_id)
            .where(SalesOrderLine.order_id == order.id)
            .order_by(SalesOrderLine.line_no)
        )
    ).all()
    stage_name = JobOperation.stage_name_zh if lang.lower().startswith("zh") else JobOperation.stage_name_en
    ops = (
        await session.execute(
            select(
                Job.order_line_id,
                stage_name,
                JobOperation.quantity,
                JobOperation.quantity_done,
                JobOperation.planned_start,
                JobOperation.planned_end,
                JobOperation.actual_start,
                JobOperation.actual_end,
            )
            .join(Job, Job.id == JobOperation.job_id)
            .where(JobOperation.order_id == order.id, JobOperation.status != OperationStatus.CANCELLED)
            .order_by(Job.order_line_id, JobOperation.seq)
        )
    ).all()
    by_line: dict[int, list[Any]] = {}
    for op in ops:
        by_line.setdefault(op[0], []).append(op)
    out: list[LineGantt] = []
    for line in lines:
        due = line.promised_date or line.requested_date
        stages = []
        for _, label, qty, qty_done, ps, pe, a_s, a_e in by_line.get(line.id, []):
            pct = percent_done(qty, qty_done, finished=a_e is not None)
            stages.append(
                StageBar(
                    label=label,
                    state=stage_state(a_s, a_e),
                    planned_start=ps,
                    planned_end=pe,
                    actual_start=a_s,
                    actual_end=a_e,
                    percent=pct,
                    late=stage_is_late(
                        planned_start=ps,
                        planned_end=pe,
                        actual_start=a_s,
                        actual_end=a_e,
                        fraction_done=pct / 100,
                        due=due,
                        now=now,
                    ),
                )
            )
        out.append(LineGantt(line.line_no, line.name, line.part_no, due, tuple(stages)))
    return OrderGantt(order_no=order_no, status=str(order.status), now=now, lines=tuple(out))


# -- the back office: who may look, and over which window ----------------------------------------


async def authorize_schedule(session: AsyncSession, actor: Actor) -> None:
    """PMC, sales managers, QC and admins see the factory's schedule; so does every team lead of a
    work center (their own crew's load is their daily question). Others: Forbidden."""
    if actor.kind != "staff":
        raise Forbidden("schedule")
    if not SCHEDULE_ROLES.isdisjoint(actor.roles):
        return
    is_lead = await session.scalar(select(exists().where(WorkCenter.team_lead_id == actor.id)))
    if not is_lead:
        raise Forbidden("schedule")


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def dates(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range(self.days)]

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start 00:00, end+1 00:00) in factory time."""
        lo = dt.datetime.combine(self.start, dt.time(), tzinfo=SHANGHAI)
        return lo, lo + self.days * _DAY


def parse_window(start: str, end: str, *, today: dt.date, max_days: int = MAX_WINDOW_DAYS) -> Window:
    """From a form's two date fields; empty means the default (today−2 … today+14). Bad dates, an end
    before the start or a window longer than ``max_days`` → ValidationFailed naming the field."""
    errors: dict[str, str] = {}
    dates: dict[str, dt.date] = {}
    for name, raw, default in (
        ("start", start, today - dt.timedelta(days=DEFAULT_DAYS_BEFORE)),
        ("end", end, today + dt.timedelta(days=DEFAULT_DAYS_AFTER)),
    ):
        raw = raw.strip()[:20]
        if not raw:
            dates[name] = default
            continue
        try:
            dates[name] = dt.date.fromisoformat(raw)
        except ValueError:
            errors[name] = Msg(MSG_BAD_DATE, example=today.isoformat())
    if not errors:
        if dates["end"] < dates["start"]:
            errors["end"] = Msg(MSG_END_BEFORE_START)
        elif (dates["end"] - dates["start"]).days + 1 > max_days:
            errors["end"] = Msg(MSG_WINDOW_TOO_LONG, days=max_days)
    if errors:
        raise ValidationFailed(errors)
    return Window(dates["start"], dates["end"])


@dataclass(frozen=True)
class CenterRef:
    id: int
    code: str
    name: str
    machines: int


async def work_centers(session: AsyncSession) -> list[CenterRef]:
    rows = await session.execute(
        select(WorkCenter.id, WorkCenter.code, WorkCenter.name, WorkCenter.machines)
        .where(WorkCenter.active.is_(True))
        .order_by(WorkCenter.code)
    )
    return [CenterRef(*row) for row in rows]


# -- the work-center Gantt --------------------------------------------------------------------------


@dataclass(frozen=True)
class JobBar:
    center_code: str
    machine: int
    order_no: str
    customer_code: str
    line_no: int
    part_no: str
    stage: str
    state: str
    planned_start: dt.datetime
    planned_end: dt.datetime
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    percent: int
    late: bool

    @property
    def row(self) -> str:
        return f"{self.center_code} #{self.machine + 1}"


@dataclass(frozen=True)
class WorkCenterGantt:
    window: Window
    now: dt.datetime
    centers: tuple[CenterRef, ...]
    bars: tuple[JobBar, ...]
    truncated: bool

    def to_json(self) -> dict[str, Any]:
        """Column-wise, times as minutes from the window's start: a few thousand bars ride in the page
        (an HTML attribute, where every quote costs six bytes) at about a quarter of the row-wise size."""
        lo, hi = self.window.bounds()
        rows = [f"{c.code} #{m + 1}" for c in self.centers for m in range(c.machines)]
        index = {name: i for i, name in enumerate(rows)}

        def minutes(moment: dt.datetime | None) -> int | None:
            return None if moment is None else round((to_local(moment) - lo) / _MINUTE)

        bars = self.bars
        return {
            "now": _wall(self.now),
            "range": [_wall(lo), _wall(hi)],
            "rows": rows,
            "bars": {
                "row": [index[b.row] for b in bars],
                "order_no": [b.order_no for b in bars],
                "customer": [b.customer_code for b in bars],
                "line_no": [b.line_no for b in bars],
                "part_no": [b.part_no for b in bars],
                "stage": [b.stage for b in bars],
                "state": [b.state[0] for b in bars],  # w(aiting) r(unning) d(one)
                "ps": [minutes(b.planned_start) for b in bars],
                "pe": [minutes(b.planned_end) for b in bars],
                "as": [minutes(b.actual_start) for b in bars],
                "ae": [minutes(b.actual_end) for b in bars],
                "percent": [b.percent for b in bars],
                "late": [int(b.late) for b in bars],
            },
        }


async def work_center_gantt(
    session: AsyncSession,
    window: Window,
    *,
    now: dt.datetime,
    lang: str,
    work_center_id: int | None = None,
    limit: int = MAX_BARS,
) -> WorkCenterGantt:
    """Every planned operation overlapping the window, on its work center's machine row. Two queries."""
    centers = [c for c in await work_centers(session) if work_center_id in (None, c.id)]
    lo, hi = window.bounds()
    stage_name = JobOperation.stage_name_zh if lang.lower().startswith("zh") else JobOperation.stage_name_en
    stmt = (
        select(
            JobOperation.work_center_id,
            JobOperation.machine,
            SalesOrder.order_no,
            Customer.code,
            SalesOrderLine.line_no,
            Product.part_no,
            stage_name,
            JobOperation.quantity,
            JobOperation.quantity_done,
            JobOperation.planned_start,
            JobOperation.planned_end,
            JobOperation.actual_start,
            JobOperation.actual_end,
            SalesOrderLine.promised_date,
            SalesOrderLine.requested_date,
        )
        .join(Job, Job.id == JobOperation.job_id)
        .join(SalesOrderLine, SalesOrderLine.id == Job.order_line_id)
        .join(SalesOrder, SalesOrder.id == JobOperation.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Product, Product.id == Job.product_id)
        .where(
            JobOperation.planned_start < hi,
            JobOperation.planned_end > lo,
            JobOperation.status != OperationStatus.CANCELLED,
        )
        .order_by(JobOperation.planned_start, JobOperation.id)
        .limit(limit + 1)
    )
    if work_center_id is not None:
        stmt = stmt.where(JobOperation.work_center_id == work_center_id)
    rows = (await session.execute(stmt)).all()
    truncated = len(rows) > limit
    code_of = {c.id: c for c in centers}
    bars = []
    for (
        wc_id,
        machine,
        order_no,
        cust,
        line_no,
        part_no,
        stage,
        qty,
        qty_done,
        ps,
        pe,
        a_s,
        a_e,
        prom,
        req,
    ) in rows[:limit]:
        center = code_of.get(wc_id)
        if center is None:  # an inactive work center still carrying old bookings
            continue
        pct = percent_done(qty, qty_done, finished=a_e is not None)
        bars.append(
            JobBar(
                center_code=center.code,
                machine=min(max(machine, 0), center.machines - 1),
                order_no=order_no,
                customer_code=cust,
                line_no=line_no,
                part_no=part_no,
                stage=stage,
                state=stage_state(a_s, a_e),
                planned_start=ps,
                planned_end=pe,
                actual_start=a_s,
                actual_end=a_e,
                percent=pct,
                late=stage_is_late(
                    planned_start=ps,
                    planned_end=pe,
                    actual_start=a_s,
                    actual_end=a_e,
                    fraction_done=pct / 100,
                    due=prom or req,
                    now=now,
                ),
            )
        )
    return WorkCenterGantt(window, now, tuple(centers), tuple(bars), truncated)


# -- the load heat map ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadCell:
    day: dt.date
    booked_min: float
    capacity_min: float

    @property
    def closed(self) -> bool:
        """A day off (weekend, holiday): no capacity, so no percentage — not "0 % loaded"."""
        return self.capacity_min <= 0

    @property
    def percent(self) -> int | None:
        if self.closed:
            return None
        return round(self.booked_min * 100 / self.capacity_min)

    @property
    def band(self) -> str:
        """closed | idle | low | mid | high | full | over — the colour steps of the heat map."""
        pct = self.percent
        if pct is None:
            return "closed"
        for limit, name in ((0, "idle"), (50, "low"), (80, "mid"), (95, "high"), (100, "full")):
            if pct <= limit:
                return name
        return "over"


@dataclass(frozen=True)
class LoadRow:
    center: CenterRef
    cells: tuple[LoadCell, ...]


@dataclass(frozen=True)
class LoadGrid:
    start: dt.date
    days: tuple[dt.date, ...]
    rows: tuple[LoadRow, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        """For the Plotly heat map: closed days are null (drawn as gaps), percentages otherwise."""
        return {
            "days": [d.isoformat() for d in self.days],
            "centers": [f"{r.center.code} {r.center.name}" for r in self.rows],
            "percent": [[c.percent for c in r.cells] for r in self.rows],
            "booked_h": [[round(c.booked_min / 60, 1) for c in r.cells] for r in self.rows],
            "capacity_h": [[round(c.capacity_min / 60, 1) for c in r.cells] for r in self.rows],
        }


def _overlap(a0: dt.datetime, a1: dt.datetime, b0: dt.datetime, b1: dt.datetime) -> float:
    lo, hi = max(a0, b0), min(a1, b1)
    return (hi - lo) / _MINUTE if hi > lo else 0.0


def booked_minutes_by_day(
    calendar_doc: Any,
    bookings: Iterable[tuple[dt.datetime, dt.datetime]],
    days: Sequence[dt.date],
) -> tuple[list[float], list[float]]:
    """(booked machine-minutes, capacity minutes of ONE machine) per day. An operation holds one machine
    over [start, end); only the part inside the day's own shifts counts (a night shift belongs to the
    day it starts on, as in the calendar), so a booking bridging a weekend loads no closed day."""
    calendar = calendar_from_json(calendar_doc)
    index = {d: i for i, d in enumerate(days)}
    booked = [0.0] * len(days)
    capacity = [calendar.working_minutes_on(d) for d in days]
    intervals = {d: calendar.working_intervals(d) for d in days}
    for start, end in bookings:
        start, end = to_local(start), to_local(end)
        # Yesterday's night shift may hold part of this booking.
        day = start.date() - _DAY
        while day <= end.date():
            i = index.get(day)
            if i is not None:
                booked[i] += sum(_overlap(start, end, a, b) for a, b in intervals[day])
            day += _DAY
    return booked, capacity


async def load_by_day(session: AsyncSession, *, start: dt.date, days: int) -> LoadGrid:
    """Booked machine-minutes ÷ (machines × calendar working minutes), per active work center and day,
    over ``days`` days from ``start`` (1 … MAX_WINDOW_DAYS). Two queries."""
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise ValidationFailed({"days": Msg(MSG_WINDOW_TOO_LONG, days=MAX_WINDOW_DAYS)})
    window = Window(start, start + dt.timedelta(days=days - 1))
    lo, hi = window.bounds()
    centers = (
        await session.execute(
            select(WorkCenter.id, WorkCenter.code, WorkCenter.name, WorkCenter.machines, WorkCenter.calendar)
            .where(WorkCenter.active.is_(True))
            .order_by(WorkCenter.code)
        )
    ).all()
    # One day of margin before the window: a night shift that started the evening before reaches in.
    bookings = await session.execute(
        select(JobOperation.work_center_id, JobOperation.planned_start, JobOperation.planned_end).where(
            and_(
                JobOperation.planned_start < hi,
                JobOperation.planned_end > lo - _DAY,
                # A cancelled order's unfinished work freed its capacity; finished work still used it.
                JobOperation.status != OperationStatus.CANCELLED,
            )
        )
    )
    by_center: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for wc_id, ps, pe in bookings:
        by_center.setdefault(wc_id, []).append((ps, pe))
    dates = window.dates
    rows = []
    for wc_id, code, name, machines, calendar_doc in centers:
        booked, per_machine = booked_minutes_by_day(calendar_doc, by_center.get(wc_id, []), dates)
        cells = tuple(
            LoadCell(day=d, booked_min=b, capacity_min=cap * machines)
            for d, b, cap in zip(dates, booked, per_machine, strict=True)
        )
        rows.append(LoadRow(CenterRef(wc_id, code, name, machines), cells))
    return LoadGrid(start=start, days=tuple(dates), rows=tuple(rows))
