"""Jobs for a confirmed order: one per line, its operations copied from the routing and placed by the
finite-capacity scheduler around the load already on the floor; cancelled with the order.

Called from ``domain.orders.reactions`` inside the order's transition (same transaction). A line whose
product has no routing, or whose routing runs through an inactive work center, gets no job: the
confirmation stands (it is a commercial decision) and the timeline and the outbox say production
waits for master data (a factory with no active work center at all plans nothing and says nothing); ``plan_jobs`` can be run again later and plans only the lines still missing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import utcnow
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.production import events
from domain.production.calendar import to_local
from domain.production.master_data import load_routings
from domain.production.models import Job, JobOperation
from domain.production.planning import (
    LineDemand,
    current_bookings,
    job_spec,
    load_scheduler,
    op_key,
    wc_key,
)
from domain.production.scheduler import Schedule
from domain.production.status import OPEN_OPERATION, JobStatus, OperationStatus

__all__ = ["PlanResult", "cancel_jobs", "plan_jobs"]


@dataclass
class PlanResult:
    jobs: list[Job] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # part numbers that could not be planned
    finish: dt.datetime | None = None


async def plan_jobs(
    session: AsyncSession, order: SalesOrder, actor: Actor, *, now: dt.datetime | None = None
) -> PlanResult:
    """Create and place the jobs of ``order``'s lines that have none yet (a constant number of queries)."""
    now = now or utcnow()
    lines = list(
        await session.scalars(
            select(SalesOrderLine)
            .where(
                SalesOrderLine.order_id == order.id,
                SalesOrderLine.id.not_in(select(Job.order_line_id).where(Job.order_id == order.id)),
            )
            .order_by(SalesOrderLine.line_no)
        )
    )
    result = PlanResult()
    if not lines:
        return result
    from domain.catalog.models import Product  # local: only for naming what is missing

    scheduler = await load_scheduler(session)
    if not scheduler.work_centers:
        return result  # no shop floor set up: production is not planned in OrderPulse (yet)
    routings = await load_routings(session, sorted({ln.product_id for ln in lines}))
    plannable, waiting_ids = [], set()
    for line in lines:
        steps = routings[line.product_id]
        if steps and all(wc_key(s.work_center_id) in scheduler.work_centers for s in steps):
            plannable.append(line)
        else:
            waiting_ids.add(line.product_id)
    if waiting_ids:
        result.waiting = sorted(
            await session.scalars(select(Product.part_no).where(Product.id.in_(sorted(waiting_ids))))
        )

    if plannable:
        specs = [
            job_spec(
                LineDemand(str(ln.id), ln.product_id, ln.quantity, ln.promised_date or ln.requested_date),
                routings[ln.product_id],
                release_at=now,
            )
            for ln in plannable
        ]
        # Only the load on the work centers these jobs visit can move them: the rest is not read.
        centers = sorted({s.work_center_id for ln in plannable for s in routings[ln.product_id]})
        booked = await current_bookings(
            session, now=now, exclude_order_ids=[order.id], work_center_ids=centers
        )
        plan = scheduler.place(specs, booked, now)
        result.jobs = [_job(order, ln, routings[ln.product_id], plan, now) for ln in plannable]
        session.add_all(result.jobs)
        result.finish = max(plan.finish_by_job.values())
        _fill_empty_promises(order, plannable, plan)
        await session.flush()

    if result.jobs or result.waiting:
        data = {
            "jobs": len(result.jobs),
            "planned_finish": events.iso(result.finish),
            "waiting_for_routing": result.waiting,
        }
        events.record(
            session,
            order,
            "jobs_planned" if result.jobs else "planning_blocked",
            actor,
            data=data,
            event="production.jobs_planned" if result.jobs else "production.planning_blocked",
            payload={
                **data,
                "job_ids": [j.id for j in result.jobs],
                "planned": [
                    {
                        "job_id": j.id,
                        "line_id": j.order_line_id,
                        "start": events.iso(j.planned_start),
                        "end": events.iso(j.planned_end),
                    }
                    for j in result.jobs
                ],
            },
        )
    return result


def _job(order: SalesOrder, line: SalesOrderLine, steps: list, plan: Schedule, now: dt.datetime) -> Job:
    planned = {p.op_key: p for p in plan.for_job(str(line.id))}
    operations = []
    for step in steps:
        p = planned[op_key(step.seq)]
        operations.append(
            JobOperation(
                order_id=order.id,
                seq=step.seq,
                routing_operation_id=step.id,
                work_center_id=step.work_center_id,
                stage_name_zh=step.stage_name_zh,
                stage_name_en=step.stage_name_en,
                is_key=step.is_key,
                setup_min=step.setup_min,
                run_min_per_unit=step.run_min_per_unit,
                quantity=line.quantity,
                status=OperationStatus.PENDING,
                machine=p.machine,
                planned_start=p.start,
                planned_end=p.end,
            )
        )
    return Job(
        order_id=order.id,
        order_line_id=line.id,
        product_id=line.product_id,
        quantity=line.quantity,
        status=JobStatus.PLANNED,
        release_at=now,
        due_date=line.promised_date or line.requested_date,
        planned_start=operations[0].planned_start,
        planned_end=operations[-1].planned_end,
        operations=operations,
    )


def _fill_empty_promises(order: SalesOrder, lines: list[SalesOrderLine], plan: Schedule) -> None:
    """The plan's finish day becomes the promise where nobody has promised yet. Promised dates belong
    to the promise checks; a date they (or a person) set is never overwritten here."""
    days = {ln.id: to_local(plan.finish_by_job[str(ln.id)]).date() for ln in lines}
    for ln in lines:
        if ln.promised_date is None:
            ln.promised_date = days[ln.id]
    if order.promised_date is None:
        order.promised_date = max(days.values())


async def cancel_jobs(session: AsyncSession, order: SalesOrder, actor: Actor) -> int:
    """Cancel the unfinished jobs of ``order`` and their open operations, which frees their capacity
    (the scheduler's load is open operations only). Finished work stays on record. Returns how many jobs."""
    job_ids = list(
        await session.scalars(
            select(Job.id).where(
                Job.order_id == order.id, Job.status.not_in([JobStatus.DONE, JobStatus.CANCELLED])
            )
        )
    )
    if not job_ids:
        return 0
    # Bulk updates bump the version by hand, so a form opened before the cancellation gets a 409.
    await session.execute(
        update(JobOperation)
        .where(JobOperation.job_id.in_(job_ids), JobOperation.status.in_(list(OPEN_OPERATION)))
        .values(status=OperationStatus.CANCELLED, version=JobOperation.version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(Job)
        .where(Job.id.in_(job_ids))
        .values(status=JobStatus.CANCELLED, version=Job.version + 1)
        .execution_options(synchronize_session=False)
    )
    events.record(
        session, order, "jobs_cancelled", actor, data={"jobs": len(job_ids)}, event="production.jobs_cancelled",
        payload={"jobs": len(job_ids), "job_ids": job_ids},
    )  # fmt: skip
    return len(job_ids)
