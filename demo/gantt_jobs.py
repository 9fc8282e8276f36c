"""Jobs with planned (and some actual) times for the charts' demo, tests and benchmark data.

Until the shop floor's job creation lands (confirm → jobs placed by the finite-capacity scheduler),
orders already in production have no jobs; this module writes Job/JobOperation rows directly, placed
by the real scheduler (domain.production.planning reads) as if released some days ago, with made-up
progress up to now. It is test/demo data, not planning: switch ``plan_orders`` to the shop floor's
service once it exists. Orders that already have jobs are left alone, so running it twice adds
nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orders.models import SalesOrderLine
from domain.production import planning, scheduler
from domain.production.master_data import load_routings
from domain.production.models import Job, JobOperation

__all__ = ["OpPlan", "add_job", "plan_orders"]


@dataclass(frozen=True)
class OpPlan:
    work_center_id: int
    stage_zh: str
    stage_en: str
    planned_start: dt.datetime
    planned_end: dt.datetime
    actual_start: dt.datetime | None = None
    actual_end: dt.datetime | None = None
    quantity_done: Decimal = Decimal("0")
    machine: int = 0
    setup_min: Decimal = Decimal("30")
    run_min_per_unit: Decimal = Decimal("1.5")
    status: str | None = None  # default: from the actual times (pending / running / done)


async def add_job(
    session: AsyncSession,
    *,
    order_id: int,
    line: SalesOrderLine | tuple[int, int, Decimal],
    ops: Sequence[OpPlan],
) -> Job:
    """One job for an order line with the given operations (seq 10, 20, …)."""
    line_id, product_id, quantity = (
        (line.id, line.product_id, line.quantity) if isinstance(line, SalesOrderLine) else line
    )
    job = Job(
        order_id=order_id,
        order_line_id=line_id,
        product_id=product_id,
        quantity=quantity,
        status="planned",
        release_at=ops[0].planned_start if ops else dt.datetime.now(dt.UTC),
        planned_start=ops[0].planned_start if ops else None,
        planned_end=ops[-1].planned_end if ops else None,
    )
    session.add(job)
    await session.flush()
    for i, op in enumerate(ops, start=1):
        status = op.status or ("done" if op.actual_end else "running" if op.actual_start else "pending")
        session.add(
            JobOperation(
                job_id=job.id,
                order_id=order_id,
                seq=i * 10,
                work_center_id=op.work_center_id,
                stage_name_zh=op.stage_zh,
                stage_name_en=op.stage_en,
                setup_min=op.setup_min,
                run_min_per_unit=op.run_min_per_unit,
                quantity=quantity,
                quantity_done=op.quantity_done,
                status=status,
                machine=op.machine,
                planned_start=op.planned_start,
                planned_end=op.planned_end,
                actual_start=op.actual_start,
                actual_end=op.actual_end,
            )
        )
    await session.flush()
    return job


async def plan_orders(
    session: AsyncSession, order_ids: Sequence[int], *, start: dt.datetime, now: dt.datetime, seed: int = 7
) -> int:
    """Plans for the lines of ``order_ids`` that have no job yet, placed by the finite-capacity
    scheduler as if released at ``start`` (around the jobs already stored); stages planned to end
    before ``now`` get actual times (some a little late), the one under way at ``now`` is reported
    part done. Answers the number of jobs written."""
    if not order_ids:
        return 0
    rng = random.Random(seed)
    lines = (
        await session.execute(
            select(
                SalesOrderLine.id, SalesOrderLine.order_id, SalesOrderLine.product_id, SalesOrderLine.quantity
            )
            .outerjoin(Job, Job.order_line_id == SalesOrderLine.id)
            .where(SalesOrderLine.order_id.in_(list(order_ids)), Job.id.is_(None))
            .order_by(SalesOrderLine.order_id, SalesOrderLine.line_no)
        )
    ).all()
    if not lines:
        return 0
    routings = await load_routings(session, sorted({line.product_id for line in lines}))
    lines = [line for line in lines if routings.get(line.product_id)]
    floor = await planning.load_scheduler(session)
    existing = await planning.current_bookings(session, now=start)
    specs = await planning.job_specs_for(
        session,
        [planning.LineDemand(str(line.id), line.product_id, line.quantity) for line in lines],
        release_at=start,
    )
    placed = floor.place(specs, existing, start)
    by_job: dict[str, list[scheduler.PlannedOperation]] = {}
    for op in placed.operations:
        by_job.setdefault(op.job_key, []).append(op)
    written = 0
    for line in lines:
        ops: list[OpPlan] = []
        for step, p in zip(
            routings[line.product_id], sorted(by_job[str(line.id)], key=lambda o: o.seq), strict=True
        ):
            a_start = a_end = None
            done = Decimal("0")
            if p.start < now:
                a_start = p.start + dt.timedelta(minutes=rng.randint(0, 60))
                slip = dt.timedelta(minutes=rng.choice([0, 0, 0, 30, 240, 900]))
                if p.end + slip < now:
                    a_end, done = p.end + slip, line.quantity
                else:
                    share = (now - p.start) / max(p.end - p.start, dt.timedelta(minutes=1))
                    done = (line.quantity * Decimal(str(round(min(0.95, share) * 0.8, 2)))).quantize(
                        Decimal("1")
                    )
            ops.append(
                OpPlan(
                    work_center_id=step.work_center_id,
                    stage_zh=step.stage_name_zh,
                    stage_en=step.stage_name_en,
                    planned_start=p.start,
                    planned_end=p.end,
                    actual_start=a_start,
                    actual_end=a_end,
                    quantity_done=done,
                    machine=p.machine,
                    setup_min=step.setup_min,
                    run_min_per_unit=step.run_min_per_unit,
                )
            )
        await add_job(
            session, order_id=line.order_id, line=(line.id, line.product_id, line.quantity), ops=ops
        )
        written += 1
    return written


async def plan_demo_jobs(session: AsyncSession, *, now: dt.datetime) -> int:
    """The demo factory's orders in production (and in QC) get plans that began last week, with
    progress up to ``now``; confirmed ones get plans from tomorrow. Only orders without jobs."""
    from domain.orders.models import SalesOrder  # local: the demo's only use of the orders table here

    async def ids(*statuses: str) -> list[int]:
        return list(
            (await session.scalars(select(SalesOrder.id).where(SalesOrder.status.in_(statuses)))).all()
        )

    written = await plan_orders(
        session, await ids("in_production", "qc"), start=now - dt.timedelta(days=6), now=now
    )
    written += await plan_orders(
        session, await ids("confirmed"), start=now + dt.timedelta(days=1), now=now, seed=8
    )
    return written
