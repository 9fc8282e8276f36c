"""Shop-floor progress: start an operation, report the quantity done, finish it; process photos.

Who: PMC planners, QC engineers, admins, and the team lead named on the operation's work center
(there is no team-lead role: a staff member leads a work center when it names them).

Rules (one place):
- Operations follow the routing: an operation starts only after the previous one has started, and
  finishes only after the previous one has finished; its quantity done never exceeds the previous
  operation's (parts cannot be inspected before they are turned).
- Finishing needs quantity done = quantity, or a note explaining the short close (scrap, a split lot):
  finishing short without a reason is refused, so a short delivery is never silent.
- A key operation needs at least one process photo before it finishes.
- Each command checks the version the form was loaded with (StaleVersion → 409), and writes an order
  timeline row (kind "production", customer-safe stage names) and an outbox event.
- When progress slips (the operation will end, or ended, after its planned end) the next two weeks
  of the floor are re-planned with ``Scheduler.reschedule`` and the operations that moved get their
  new planned dates; every affected order's timeline lists its own stages that moved, old → new.
- The first operation started moves the order confirmed → in_production through the order state
  machine, as the system acting for PMC (the planner's own "start production" step stays available).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.actors import Actor
from domain.base import utcnow
from domain.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from domain.i18n import N_, Msg
from domain.orders.lifecycle import Status
from domain.orders.models import OrderEvent, SalesOrder
from domain.parties.roles import StaffRole
from domain.production import events
from domain.production.calendar import WorkCalendar, to_local
from domain.production.master_data import calendar_from_json
from domain.production.models import Job, JobOperation, OperationPhoto, WorkCenter
from domain.production.photos import PhotoStore, clean_image
from domain.production.planning import LineDemand, job_spec, load_scheduler, op_key, wc_key
from domain.production.scheduler import Booking, PlannedOperation, Progress, Replan
from domain.production.status import JobStatus, OperationStatus

__all__ = [
    "FLOOR_ROLES",
    "add_photo",
    "finish_operation",
    "may_work_on",
    "parse_quantity",
    "report_quantity",
    "start_operation",
]

FLOOR_ROLES = frozenset({StaffRole.PMC, StaffRole.QC, StaffRole.ADMIN})
# Orders whose shop-floor work may be reported (on hold: the floor stops; cancelled: the work is gone).
WORKING_ORDER = frozenset({Status.CONFIRMED, Status.IN_PRODUCTION, Status.QC})
NOTE_MAX = 1000
CAPTION_MAX = 200
# Finishing a minute late is noise, not a slip worth moving other work for.
SLIP_TOLERANCE = dt.timedelta(minutes=1)
# How far past the slip a re-plan looks: work planned to start later is left where it is. It keeps the
# re-plan's cost to the next weeks of load, not the whole order book; a slip that would push work that far
# is a planner's decision (the timeline and the Gantt show it), not something to ripple silently.
REPLAN_HORIZON = dt.timedelta(days=14)
PRODUCTION = Actor(kind="system", id=None, name="production", roles=frozenset({StaffRole.PMC}))

MSG_PREVIOUS_NOT_STARTED = N_("%(stage)s has not started yet; start the operations in routing order.")
MSG_PREVIOUS_NOT_DONE = N_("%(stage)s is not finished yet; finish the operations in routing order.")
MSG_QTY_NUMBER = N_("Enter the quantity done as a number.")
MSG_QTY_RANGE = N_("The quantity done must be between 0 and %(max)s.")
MSG_QTY_AHEAD = N_("Only %(max)s have come through %(stage)s so far.")
MSG_QTY_DOWN = N_("The quantity done goes down from %(before)s; write a note saying why.")
MSG_SHORT_CLOSE = N_(
    "%(done)s of %(quantity)s done: to finish short, write a note saying why (scrap, split lot…)."
)
MSG_PHOTO_NEEDED = N_("This is a key operation: upload at least one process photo before finishing it.")
MSG_TOO_LONG = N_("At most %(max)s characters.")


def may_work_on(actor: Actor, team_lead_id: int | None) -> bool:
    """PMC, QC and admins work on any work center; a team lead on the work centers that name them."""
    if actor.kind != "staff":
        return False
    return not FLOOR_ROLES.isdisjoint(actor.roles) or (team_lead_id is not None and actor.id == team_lead_id)


def parse_quantity(text: str | None, *, field: str = "quantity_done") -> Decimal:
    """A quantity typed into a form; ``ValidationFailed`` when it is not a plain finite number."""
    try:
        value = Decimal((text or "").strip().replace(",", ""))
    except InvalidOperation:
        raise ValidationFailed({field: Msg(MSG_QTY_NUMBER)}) from None
    if not value.is_finite():
        raise ValidationFailed({field: Msg(MSG_QTY_NUMBER)})
    return value


def _note(note: str, field: str = "note", limit: int = NOTE_MAX) -> str:
    note = (note or "").strip()
    if len(note) > limit:
        raise ValidationFailed({field: Msg(MSG_TOO_LONG, max=limit)})
    return note


def _stage(op: JobOperation) -> dict[str, str]:
    return {"stage_zh": op.stage_name_zh, "stage_en": op.stage_name_en}


@dataclass
class _Context:
    op: JobOperation
    job: Job
    order: SalesOrder
    work_center: WorkCenter
    siblings: list[JobOperation]  # the job's operations in routing order, ``op`` among them

    @property
    def index(self) -> int:
        return next(i for i, s in enumerate(self.siblings) if s.id == self.op.id)

    @property
    def previous(self) -> JobOperation | None:
        return self.siblings[self.index - 1] if self.index > 0 else None


async def _load(session: AsyncSession, operation_id: int, actor: Actor) -> _Context:
    op = await session.scalar(
        select(JobOperation)
        .options(joinedload(JobOperation.job), joinedload(JobOperation.work_center))
        .where(JobOperation.id == operation_id)
    )
    if op is None:
        raise NotFound(f"operation {operation_id}")
    if not may_work_on(actor, op.work_center.team_lead_id):
        raise Forbidden("shop-floor progress needs pmc, qc, admin or the work center's team lead")
    order = await session.get(SalesOrder, op.order_id)
    assert order is not None
    siblings = list(
        await session.scalars(
            select(JobOperation).where(JobOperation.job_id == op.job_id).order_by(JobOperation.seq)
        )
    )
    return _Context(op, op.job, order, op.work_center, siblings)


async def _check_version(session: AsyncSession, op: JobOperation, expected_version: int) -> None:
    if op.version == expected_version:
        return
    # Operations keep no "changed by": the last production entry on the order's timeline says who.
    who = await session.scalar(
        select(OrderEvent.actor_name)
        .where(OrderEvent.order_id == op.order_id, OrderEvent.kind == events.KIND)
        .order_by(OrderEvent.id.desc())
        .limit(1)
    )
    raise StaleVersion(who or "", op.updated_at, op.version)


def _check_order(ctx: _Context, action: str) -> None:
    if ctx.order.status not in WORKING_ORDER:
        raise InvalidTransition(action, ctx.order.status)


async def _prepare(
    session: AsyncSession,
    operation_id: int,
    expected_version: int,
    actor: Actor,
    note: str,
    action: str,
    required: OperationStatus,
) -> tuple[_Context, str]:
    """What every progress command checks first: the operation and the actor's right to it, the version,
    the note, an order that is being worked on, and the operation's own status for ``action``."""
    ctx = await _load(session, operation_id, actor)
    await _check_version(session, ctx.op, expected_version)
    note = _note(note)
    _check_order(ctx, action)
    if ctx.op.status != required:
        raise InvalidTransition(action, ctx.op.status)
    return ctx, note


async def start_operation(
    session: AsyncSession,
    operation_id: int,
    *,
    expected_version: int,
    actor: Actor,
    note: str = "",
    now: dt.datetime | None = None,
) -> JobOperation:
    now = now or utcnow()
    ctx, note = await _prepare(
        session, operation_id, expected_version, actor, note, "start", OperationStatus.PENDING
    )
    op = ctx.op
    prev = ctx.previous
    if prev is not None and prev.status not in (OperationStatus.RUNNING, OperationStatus.DONE):
        raise ValidationFailed({"operation": Msg(MSG_PREVIOUS_NOT_STARTED, stage=prev.stage_name_zh)})
    op.status = OperationStatus.RUNNING
    op.actual_start = now
    if ctx.job.status == JobStatus.PLANNED:
        ctx.job.status = JobStatus.IN_PROGRESS
    await session.flush()
    events.record(
        session, ctx.order, "operation_started", actor, comment=note,
        data={**_stage(op), "operation_id": op.id, "job_id": op.job_id, "at": events.iso(now)},
        event="production.operation_started",
    )  # fmt: skip
    if ctx.order.status == Status.CONFIRMED:
        from domain.orders.services import transition_order  # local: orders calls production on confirm

        await transition_order(
            session, order_no=ctx.order.order_no, action="start_production",
            expected_version=ctx.order.version, actor=PRODUCTION,
        )  # fmt: skip
    minutes = float(op.setup_min) + float(op.run_min_per_unit) * float(op.quantity)
    await _replan_if_late(session, ctx, _calendar(ctx).add_working_time(now, minutes), now, actor)
    return op


async def report_quantity(
    session: AsyncSession,
    operation_id: int,
    *,
    quantity_done: Decimal,
    expected_version: int,
    actor: Actor,
    note: str = "",
    now: dt.datetime | None = None,
) -> JobOperation:
    now = now or utcnow()
    ctx, note = await _prepare(
        session, operation_id, expected_version, actor, note, "report", OperationStatus.RUNNING
    )
    op = ctx.op
    _check_quantity(ctx, quantity_done, note)
    before = op.quantity_done
    op.quantity_done = quantity_done
    await session.flush()
    events.record(
        session, ctx.order, "quantity_reported", actor, comment=note,
        data={**_stage(op), "operation_id": op.id, "job_id": op.job_id, "quantity_done": str(quantity_done),
              "quantity": str(op.quantity), "before": str(before)},
        event="production.quantity_reported",
    )  # fmt: skip
    await _replan_if_late(session, ctx, _projected_end(ctx, now), now, actor)
    return op


async def finish_operation(
    session: AsyncSession,
    operation_id: int,
    *,
    expected_version: int,
    actor: Actor,
    note: str = "",
    quantity_done: Decimal | None = None,
    now: dt.datetime | None = None,
) -> JobOperation:
    now = now or utcnow()
    ctx, note = await _prepare(
        session, operation_id, expected_version, actor, note, "finish", OperationStatus.RUNNING
    )
    op = ctx.op
    prev = ctx.previous
    if prev is not None and prev.status != OperationStatus.DONE:
        raise ValidationFailed({"operation": Msg(MSG_PREVIOUS_NOT_DONE, stage=prev.stage_name_zh)})
    done = op.quantity_done if quantity_done is None else quantity_done
    _check_quantity(ctx, done, note)
    errors: dict[str, str] = {}
    if done < op.quantity and not note:
        errors["note"] = Msg(MSG_SHORT_CLOSE, done=_plain(done), quantity=_plain(op.quantity))
    if op.is_key:
        photos = await session.scalar(
            select(func.count()).select_from(OperationPhoto).where(OperationPhoto.operation_id == op.id)
        )
        if not photos:
            errors["photo"] = Msg(MSG_PHOTO_NEEDED)
    if errors:
        raise ValidationFailed(errors)
    late = op.planned_end is not None and now > op.planned_end
    op.quantity_done = done
    op.status = OperationStatus.DONE
    op.actual_end = now
    if all(s.status in (OperationStatus.DONE, OperationStatus.CANCELLED) for s in ctx.siblings):
        ctx.job.status = JobStatus.DONE
    await session.flush()
    events.record(
        session, ctx.order, "operation_finished", actor, comment=note,
        data={**_stage(op), "operation_id": op.id, "job_id": op.job_id, "quantity_done": str(done),
              "quantity": str(op.quantity), "short": done < op.quantity, "late": late, "at": events.iso(now)},
        event="production.operation_finished",
    )  # fmt: skip
    await _replan_if_late(session, ctx, now, now, actor)
    return op


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def _check_quantity(ctx: _Context, done: Decimal, note: str) -> None:
    op = ctx.op
    if done < 0 or done > op.quantity:
        raise ValidationFailed({"quantity_done": Msg(MSG_QTY_RANGE, max=_plain(op.quantity))})
    prev = ctx.previous
    if prev is not None and prev.status != OperationStatus.CANCELLED and done > prev.quantity_done:
        raise ValidationFailed(
            {"quantity_done": Msg(MSG_QTY_AHEAD, max=_plain(prev.quantity_done), stage=prev.stage_name_zh)}
        )
    if done < op.quantity_done and not note:
        raise ValidationFailed({"note": Msg(MSG_QTY_DOWN, before=_plain(op.quantity_done))})


def _calendar(ctx: _Context) -> WorkCalendar:
    return calendar_from_json(ctx.work_center.calendar)


def _projected_end(ctx: _Context, now: dt.datetime) -> dt.datetime:
    """When a running operation will end at the rate reported so far (the planned rate until the first
    parts are reported, or when the floor is faster than planned: a fast start is not banked)."""
    op = ctx.op
    cal = _calendar(ctx)
    remaining = float(op.quantity - op.quantity_done)
    rate = float(op.run_min_per_unit)
    if op.actual_start is not None and op.quantity_done > 0:
        elapsed = cal.working_minutes_between(op.actual_start, now)
        rate = max(rate, elapsed / float(op.quantity_done))
    return cal.add_working_time(now, rate * remaining)


async def _replan_if_late(
    session: AsyncSession, ctx: _Context, new_end: dt.datetime, now: dt.datetime, actor: Actor
) -> Replan | None:
    """Re-plan the floor around ``ctx.op`` ending at ``new_end`` when that is after its planned end."""
    op = ctx.op
    if op.planned_end is None or new_end <= op.planned_end + SLIP_TOLERANCE:
        return None
    scheduler = await load_scheduler(session)
    if wc_key(op.work_center_id) not in scheduler.work_centers:
        return None  # the work center was retired: nothing to plan on
    rows = (
        await session.execute(
            select(
                JobOperation.id,
                JobOperation.job_id,
                JobOperation.order_id,
                JobOperation.seq,
                JobOperation.work_center_id,
                JobOperation.status,
                JobOperation.machine,
                JobOperation.planned_start,
                JobOperation.planned_end,
                WorkCenter.machines,
            )
            .join(WorkCenter, WorkCenter.id == JobOperation.work_center_id)
            .where(
                WorkCenter.active.is_(True),
                JobOperation.job_id != op.job_id,
                JobOperation.planned_start.is_not(None),
                JobOperation.planned_end.is_not(None),
                JobOperation.status.in_([OperationStatus.PENDING, OperationStatus.RUNNING]),
                JobOperation.planned_end > now,
                JobOperation.planned_start < new_end + REPLAN_HORIZON,
            )
            .order_by(JobOperation.job_id, JobOperation.seq)
        )
    ).all()
    plan: list[PlannedOperation] = []
    fixed: list[Booking] = []
    where: dict[tuple[str, str], tuple[int, int]] = {}  # (job key, op key) → (operation id, order id)
    rank: dict[int, int] = defaultdict(int)
    for r in rows:
        machine = r.machine if r.machine < r.machines else 0
        if r.status == OperationStatus.RUNNING:  # on its machine: it does not move
            fixed.append(
                Booking(wc_key(r.work_center_id), r.planned_start, max(r.planned_end, now), "", machine)
            )
            continue
        key = (str(r.job_id), op_key(r.seq))
        where[key] = (r.id, r.order_id)
        plan.append(
            PlannedOperation(key[0], key[1], wc_key(r.work_center_id), r.planned_start, r.planned_end, machine,
                             rank[r.job_id])
        )  # fmt: skip
        rank[r.job_id] += 1
    job_key = str(ctx.job.id)
    spec = job_spec(
        LineDemand(job_key, ctx.job.product_id, ctx.job.quantity), ctx.siblings, release_at=ctx.job.release_at
    )
    for i, s in enumerate(ctx.siblings):
        if s.planned_start is None or s.planned_end is None:
            continue
        if i < ctx.index:
            if s.status == OperationStatus.RUNNING:
                fixed.append(
                    Booking(wc_key(s.work_center_id), s.planned_start, max(s.planned_end, now), "", s.machine)
                )
            continue
        where[(job_key, op_key(s.seq))] = (s.id, s.order_id)
        plan.append(
            PlannedOperation(job_key, op_key(s.seq), wc_key(s.work_center_id), s.planned_start, s.planned_end,
                             s.machine, i)
        )  # fmt: skip
    progress = Progress(job_key, op_key(op.seq), actual_end=new_end, actual_start=op.actual_start or now)
    replan = scheduler.reschedule(plan, spec, progress, now, fixed)
    if replan.moved:
        await _store_moves(session, ctx, replan, where, actor)
    return replan


async def _store_moves(
    session: AsyncSession,
    ctx: _Context,
    replan: Replan,
    where: dict[tuple[str, str], tuple[int, int]],
    actor: Actor,
) -> None:
    ids = [where[(m.job_key, m.op_key)][0] for m in replan.moved]
    moved_ops = {o.id: o for o in await session.scalars(select(JobOperation).where(JobOperation.id.in_(ids)))}
    by_order: dict[int, list[dict[str, object]]] = defaultdict(list)
    job_ends: dict[int, dt.datetime] = {}
    for m in replan.moved:
        row = moved_ops[where[(m.job_key, m.op_key)][0]]
        planned = replan.schedule.get(m.job_key, m.op_key)
        if (
            row.id != ctx.op.id
        ):  # the reported operation keeps its planned start: the baseline it slipped from
            row.planned_start = planned.start
            row.machine = planned.machine
        row.planned_end = planned.end
        end = to_local(planned.end)
        job_ends[row.job_id] = max(job_ends.get(row.job_id, end), end)
        by_order[row.order_id].append(
            {**_stage(row), "operation_id": row.id, "old_start": events.iso(m.old_start), "old_end": events.iso(m.old_end),
             "new_start": events.iso(planned.start), "new_end": events.iso(planned.end)}
        )  # fmt: skip
    jobs = await session.scalars(select(Job).where(Job.id.in_(list(job_ends))))
    for job in jobs:
        if job.planned_end is None or job.planned_end < job_ends[job.id]:
            job.planned_end = job_ends[job.id]
    orders = {
        o.id: o for o in await session.scalars(select(SalesOrder).where(SalesOrder.id.in_(list(by_order))))
    }
    await session.flush()
    for order_id, moves in by_order.items():
        data = {"cause": _stage(ctx.op) if order_id == ctx.order.id else None, "moves": moves}
        payload = {**data, "conflicts": list(replan.conflicts)}
        events.record(session, orders[order_id], "replanned", actor, data=data, event="production.replanned",
                      payload=payload)  # fmt: skip


async def add_photo(
    session: AsyncSession,
    operation_id: int,
    data: bytes,
    filename: str,
    caption: str,
    actor: Actor,
    store: PhotoStore,
) -> OperationPhoto:
    """Check an upload by its content, store the cleaned image under a random key, and record it."""
    ctx = await _load(session, operation_id, actor)
    caption = _note(caption, "caption", CAPTION_MAX)
    if ctx.op.status == OperationStatus.CANCELLED or ctx.order.status == Status.CANCELLED:
        raise InvalidTransition("add_photo", ctx.op.status)
    image = clean_image(data, field="photo")
    key = store.put(image)
    try:
        photo = OperationPhoto(
            operation_id=ctx.op.id, order_id=ctx.op.order_id, storage_key=key, content_type=image.content_type,
            width=image.width, height=image.height, size_bytes=len(image.data), caption=caption,
            uploaded_by_id=actor.id, uploaded_by_name=actor.name,
        )  # fmt: skip
        session.add(photo)
        await session.flush()
    except Exception:
        store.delete(key)  # no row, no file
        raise
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:100]
    events.record(
        session, ctx.order, "photo_added", actor, comment=caption,
        data={**_stage(ctx.op), "operation_id": ctx.op.id, "photo_id": photo.id},
        event="production.photo_added",
        payload={**_stage(ctx.op), "operation_id": ctx.op.id, "photo_id": photo.id, "filename": name,
                 "work_center_id": ctx.op.work_center_id, "team_lead_id": ctx.work_center.team_lead_id},
    )  # fmt: skip
    return photo
