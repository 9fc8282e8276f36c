"""How early can the floor finish this order if it goes first, and whom would that push back?

Reads the open work in one query, rebuilds the plan around what is already running, and asks the
scheduler (a pure dry run: nothing is booked) to place the expedited jobs first and the work they
compete with after them. Work that is running, or planned after the expedited order's current finish,
stays where it is: only what stands in the way is moved.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orders.models import SalesOrder, SalesOrderLine
from domain.production.calendar import to_local
from domain.production.models import Job, JobOperation, WorkCenter
from domain.production.planning import load_scheduler, op_key, wc_key
from domain.production.scheduler import Booking, JobSpec, OperationSpec
from domain.production.status import OPEN_OPERATION, JobStatus, OperationStatus

__all__ = ["EXPEDITE_PRIORITY", "Feasibility", "Slip", "check"]

EXPEDITE_PRIORITY = 100
MAX_MOVABLE = 300  # competing jobs re-placed behind an expedited order; the rest of the floor stays put
_CLOSED_JOBS = (JobStatus.DONE, JobStatus.CANCELLED)


@dataclass(frozen=True)
class Slip:
    order_no: str
    line_no: int
    old_end: str
    new_end: str
    delay_hours: float


@dataclass(frozen=True)
class Feasibility:
    planned: bool  # False: the order has no jobs yet (not confirmed), nothing to compute
    checked_at: str
    wanted_date: str
    current_finish: str | None = None
    earliest_finish: str | None = None
    earliest_date: str | None = None
    feasible: bool = False
    slips: list[Slip] = field(default_factory=list)
    bottleneck: dict[str, Any] | None = None  # work center name and its load until the current finish

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


async def check(
    session: AsyncSession, *, order_id: int, line_id: int | None, wanted: dt.date, now: dt.datetime
) -> Feasibility:
    now = to_local(now)
    scheduler = await load_scheduler(session)
    names = dict((await session.execute(select(WorkCenter.id, WorkCenter.name))).tuples().all())
    code_of = {wc_id: wc_key(wc_id) for wc_id in names if wc_key(wc_id) in scheduler.work_centers}
    name_of = {wc_key(wc_id): name for wc_id, name in names.items()}

    def select_rows(*where: Any) -> Any:
        return (
            select(
                JobOperation,
                Job.order_line_id,
                Job.release_at,
                Job.due_date,
                SalesOrder.order_no,
                SalesOrderLine.line_no,
            )
            .join(Job, Job.id == JobOperation.job_id)
            .join(SalesOrder, SalesOrder.id == Job.order_id)
            .join(SalesOrderLine, SalesOrderLine.id == Job.order_line_id)
            .where(Job.status.not_in(_CLOSED_JOBS), JobOperation.status.in_(OPEN_OPERATION), *where)
            .order_by(JobOperation.job_id, JobOperation.seq)
        )

    checked_at = now.isoformat(timespec="minutes")
    target_rows = [
        r for r in (await session.execute(select_rows(JobOperation.order_id == order_id))).all()
        if line_id is None or r[1] == line_id
    ]  # fmt: skip
    if not target_rows:
        return Feasibility(planned=False, checked_at=checked_at, wanted_date=wanted.isoformat())
    targets = {r[0].job_id for r in target_rows}
    target_centers = sorted({r[0].work_center_id for r in target_rows if r[0].work_center_id in code_of})
    ends = [to_local(r[0].planned_end) for r in target_rows if r[0].planned_end is not None]
    current_finish = max(ends, default=now)
    # The work that stands in the way: other open work on our work centers, planned to start before our
    # current finish. Its jobs (the nearest MAX_MOVABLE) may move behind us; the rest there stays put.
    competing = (
        await session.execute(
            select_rows(
                JobOperation.work_center_id.in_(target_centers),
                JobOperation.order_id != order_id,
                JobOperation.planned_start < current_finish,
            )
        )
    ).all()
    nearest = sorted(
        (r for r in competing if r[0].status == OperationStatus.PENDING and r[0].planned_start is not None),
        key=lambda r: r[0].planned_start,
    )
    movable = set(list(dict.fromkeys(r[0].job_id for r in nearest))[:MAX_MOVABLE])
    # Movable jobs are re-placed whole (their remaining steps, wherever they run); their steps on other
    # work centers are placed without the rest of those centers' load, which can only understate slips.
    movable_rows = (
        (await session.execute(select_rows(JobOperation.job_id.in_(sorted(movable))))).all()
        if movable
        else []
    )
    by_job: dict[int, list[Any]] = defaultdict(list)
    for row in [*target_rows, *movable_rows, *(r for r in competing if r[0].job_id not in movable)]:
        by_job[row[0].job_id].append(row)

    def planned_end(ops: list[Any]) -> dt.datetime | None:
        ends = [to_local(r[0].planned_end) for r in ops if r[0].planned_end is not None]
        return max(ends) if ends else None

    fixed: list[Booking] = []
    specs: list[JobSpec] = []
    for jid, ops in by_job.items():
        release = now
        pending: list[OperationSpec] = []
        for r in ops:
            op = r[0]
            code = code_of.get(op.work_center_id)
            if code is None:
                continue  # a deactivated work center: nothing can be placed there
            running = op.status == OperationStatus.RUNNING
            if running or (jid not in targets and jid not in movable):
                if op.planned_start is None or op.planned_end is None:
                    continue
                start, end = to_local(op.planned_start), max(to_local(op.planned_end), now)
                if running:
                    release = max(release, end)
                # A running operation keeps its machine; planned work may take any free one (as in
                # planning.current_bookings), so a center that lost a machine still loads.
                machine = (
                    min(op.machine, scheduler.work_centers[code].parallel_machines - 1) if running else None
                )
                fixed.append(Booking(code, start, end, f"{jid}/{op.seq}", machine))
                continue
            remaining = max(op.quantity - op.quantity_done, Decimal("0"))
            pending.append(
                OperationSpec(
                    op_key(op.seq), code, float(op.setup_min), float(op.run_min_per_unit), float(remaining)
                )
            )
        if pending and (jid in targets or jid in movable):
            priority = EXPEDITE_PRIORITY if jid in targets else 0
            specs.append(JobSpec(str(jid), tuple(pending), release, priority, ops[0][3]))
    # The same placement twice, with and without our priority: the difference is what going first costs
    # the others (comparing with the stored plan would also count the re-plan's own reshuffling).
    schedule = scheduler.dry_run(specs, fixed, now)
    baseline = scheduler.dry_run([replace(j, priority=0) for j in specs], fixed, now)

    finishes = [schedule.finish_by_job[str(j)] for j in targets if str(j) in schedule.finish_by_job]
    running_ends = [b.end for b in fixed if int(b.ref.split("/")[0]) in targets]
    earliest = max([*finishes, *running_ends], default=now)
    slips_by_line: dict[tuple[str, int], Slip] = {}
    for jid in movable:
        old = baseline.finish_by_job.get(str(jid))
        new = schedule.finish_by_job.get(str(jid))
        if old is None or new is None or new <= old:
            continue
        head = by_job[jid][0]
        delay = round((new - old) / dt.timedelta(hours=1), 1)
        key = (head[4], head[5])
        if key not in slips_by_line or slips_by_line[key].delay_hours < delay:
            slips_by_line[key] = Slip(
                head[4], head[5], old.isoformat(timespec="minutes"), new.isoformat(timespec="minutes"), delay
            )
    slips = sorted(slips_by_line.values(), key=lambda s: -s.delay_hours)

    # The bottleneck: of the centers our remaining work passes through, the most loaded until our finish.
    bottleneck: dict[str, Any] | None = None
    target_centers = {
        code_of[r[0].work_center_id] for j in targets for r in by_job[j] if r[0].work_center_id in code_of
    }
    horizon = max(current_finish, now + dt.timedelta(days=1))
    for code in sorted(target_centers):
        spec = scheduler.work_centers[code]
        capacity = spec.calendar.working_minutes_between(now, horizon) * spec.parallel_machines
        if capacity <= 0:
            continue
        booked = 0.0
        for ops in by_job.values():
            for r in ops:
                op = r[0]
                if (
                    code_of.get(op.work_center_id) != code
                    or op.planned_start is None
                    or op.planned_end is None
                ):
                    continue
                s, e = max(to_local(op.planned_start), now), min(to_local(op.planned_end), horizon)
                if e > s:
                    booked += spec.calendar.working_minutes_between(s, e)
        load = round(100 * booked / capacity)
        if bottleneck is None or load > bottleneck["load_pct"]:
            bottleneck = {"code": code, "name": name_of.get(code, code), "load_pct": load,
                          "until": horizon.date().isoformat()}  # fmt: skip
    earliest_date = earliest.date()
    return Feasibility(
        planned=True,
        checked_at=checked_at,
        wanted_date=wanted.isoformat(),
        current_finish=current_finish.isoformat(timespec="minutes"),
        earliest_finish=earliest.isoformat(timespec="minutes"),
        earliest_date=earliest_date.isoformat(),
        feasible=earliest_date <= wanted,
        slips=slips,
        bottleneck=bottleneck,
    )
