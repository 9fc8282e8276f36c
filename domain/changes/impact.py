"""Impact preview of a change before anyone approves it: dates (scheduler dry-run), material, value.

The date impact compares two dry-runs of the same slice of the floor — the plan as it is, and the plan
with the change — so every difference is caused by the change and nothing else:

- the changed order's jobs are built from the routings of its lines (new quantities, added/removed
  lines); other orders' work on the same work centers that has not started yet is *movable* (kept in
  its current order by releasing each job at its current planned start); started work and everything
  outside the horizon is fixed load.
- a pull-in claims capacity: in the changed run the order goes first (priority), and the movable jobs
  that finish later than in the baseline are the orders that would slip, with how much.

Material (BOM against stock) is not available until the BOM and stock tables exist (promise context);
the preview says so rather than guess. Value is exact: the order's totals before and after.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import SHANGHAI
from domain.changes.rules import DateCheck, Kind
from domain.orders.models import SalesOrder
from domain.orders.services import money
from domain.production import scheduler as sched
from domain.production.calendar import to_local
from domain.production.master_data import load_routings, operation_specs, work_center_spec
from domain.production.models import Job, JobOperation, WorkCenter

# How far past the later of the two dates other orders' work counts as movable; and at most this many
# operations of other orders are re-placed (the nearest first) so a preview stays well under a second.
HORIZON_DAYS = 21
MAX_MOVABLE_OPS = 3000


def _quantities_after(order: SalesOrder, items: Sequence[dict[str, Any]]) -> list[tuple[str, int, float]]:
    """(job key, product id, quantity) of the order's lines after the change."""
    removed = {i["line_no"] for i in items if i["kind"] == Kind.REMOVE_LINE}
    qty = {i["line_no"]: Decimal(i["new"]) for i in items if i["kind"] == Kind.QUANTITY}
    out = [
        (f"L{line.line_no}", line.product_id, float(qty.get(line.line_no, line.quantity)))
        for line in order.lines
        if line.line_no not in removed
    ]
    out += [
        (f"N{n}", int(i["product_id"]), float(Decimal(i["new"])))
        for n, i in enumerate(i for i in items if i["kind"] == Kind.ADD_LINE)
    ]
    return out


def value_impact(order: SalesOrder, items: Sequence[dict[str, Any]], prices: dict[int, Decimal],
                 tax_rate: Decimal) -> dict[str, str]:  # fmt: skip
    removed = {i["line_no"] for i in items if i["kind"] == Kind.REMOVE_LINE}
    qty = {i["line_no"]: Decimal(i["new"]) for i in items if i["kind"] == Kind.QUANTITY}
    net = tax = Decimal("0")
    for line in order.lines:
        if line.line_no in removed:
            continue
        amount = money(qty.get(line.line_no, line.quantity) * line.unit_price)
        net += amount
        tax += money(amount * line.tax_rate)
    for i in items:
        if i["kind"] == Kind.ADD_LINE:
            amount = money(Decimal(i["new"]) * prices[int(i["product_id"])])
            net += amount
            tax += money(amount * tax_rate)
    before = order.total_net + order.total_tax
    return {
        "net_before": str(order.total_net),
        "net_after": str(net),
        "gross_before": str(before),
        "gross_after": str(net + tax),
        "gross_delta": str(net + tax - before),
    }


async def date_impact(
    session: AsyncSession,
    order: SalesOrder,
    items: Sequence[dict[str, Any]],
    *,
    old_date: dt.date,
    new_date: dt.date,
    now: dt.datetime,
) -> dict[str, Any]:
    """The dry-runs. Returns finish days before/after, whether the new date holds, and who slips."""
    centers = list(await session.scalars(select(WorkCenter).where(WorkCenter.active.is_(True))))
    code_of = {wc.id: wc.code for wc in centers}
    lines_after = _quantities_after(order, items)
    routings = await load_routings(session, sorted({pid for _, pid, _ in lines_after} |
                                                   {line.product_id for line in order.lines}))  # fmt: skip
    now_local = to_local(now)

    def jobs_for(lines: list[tuple[str, int, float]], due: dt.date, priority: int) -> list[sched.JobSpec]:
        return [
            sched.JobSpec(
                key=f"{order.order_no}/{key}",
                operations=tuple(operation_specs(routings[pid], qty, work_center_codes=code_of)),
                release_at=now_local, priority=priority, due=due,
            )
            for key, pid, qty in lines
            if routings.get(pid)
        ]  # fmt: skip

    lines_before = [(f"L{line.line_no}", line.product_id, float(line.quantity)) for line in order.lines]
    before_jobs = jobs_for(lines_before, old_date, 0)
    if not before_jobs and not jobs_for(lines_after, new_date, 0):
        return {"available": False, "fits": None, "finish_before": None, "finish_after": None, "slips": []}
    used = sorted(
        {op.work_center_id for j in before_jobs + jobs_for(lines_after, new_date, 0) for op in j.operations}
    )
    used_ids = [wc.id for wc in centers if wc.code in used]
    horizon = dt.datetime.combine(
        max(old_date, new_date) + dt.timedelta(days=HORIZON_DAYS), dt.time(), SHANGHAI
    )

    # Other orders' planned work on these centers from now to the horizon: movable if not started.
    rows = (
        await session.execute(
            select(
                JobOperation.job_id, JobOperation.seq, JobOperation.work_center_id, JobOperation.planned_start,
                JobOperation.planned_end, JobOperation.machine, JobOperation.status, JobOperation.setup_min,
                JobOperation.run_min_per_unit, JobOperation.quantity, JobOperation.quantity_done,
                Job.order_id, Job.due_date,
            )
            .join(Job, Job.id == JobOperation.job_id)
            .where(
                JobOperation.work_center_id.in_(used_ids),
                JobOperation.order_id != order.id,
                JobOperation.planned_end > now,
                JobOperation.planned_start < horizon,
            )
            .order_by(JobOperation.planned_start)
            .limit(MAX_MOVABLE_OPS * 2)
        )
    ).all()  # fmt: skip
    fixed: list[sched.Booking] = []
    movable_ops: dict[int, list[Any]] = defaultdict(list)
    job_order: dict[int, int] = {}
    movable = 0
    for r in rows:
        if r.status != "pending" or r.planned_start < now or movable >= MAX_MOVABLE_OPS:
            fixed.append(
                sched.Booking(code_of[r.work_center_id], r.planned_start, r.planned_end, "", r.machine)
            )
            continue
        movable += 1
        movable_ops[r.job_id].append(r)
        job_order[r.job_id] = r.order_id
    others: list[sched.JobSpec] = []
    for job_id, ops in movable_ops.items():
        ops.sort(key=lambda r: r.seq)
        others.append(
            sched.JobSpec(
                key=f"#{job_id}",
                operations=tuple(
                    sched.OperationSpec(
                        key=f"op{r.seq}", work_center_id=code_of[r.work_center_id], setup_min=float(r.setup_min),
                        run_min_per_unit=float(r.run_min_per_unit),
                        quantity=max(0.0, float(r.quantity - r.quantity_done)),
                    )
                    for r in ops
                ),
                release_at=max(to_local(ops[0].planned_start), now_local),
                due=ops[0].due_date,
            )
        )  # fmt: skip
    scheduler = sched.Scheduler([work_center_spec(wc) for wc in centers if wc.code in used or wc.id in
                                 {r.work_center_id for r in rows}])  # fmt: skip
    # The order's own planned work is replaced by the dry-run jobs, so it is neither fixed nor movable.
    baseline = scheduler.dry_run(before_jobs + others, fixed, now_local)
    pulls_in = new_date < old_date
    after_jobs = jobs_for(lines_after, new_date, 1 if pulls_in else 0)
    changed = scheduler.dry_run(after_jobs + others, fixed, now_local)

    def finish(schedule: sched.Schedule, jobs: list[sched.JobSpec]) -> dt.date | None:
        ends = [schedule.finish_by_job[j.key] for j in jobs if j.key in schedule.finish_by_job]
        return to_local(max(ends)).date() if ends else None

    slips: dict[int, float] = {}
    for j in others:
        delay = (changed.finish_by_job[j.key] - baseline.finish_by_job[j.key]).total_seconds() / 3600
        if delay > 0.01:
            order_id = job_order[int(j.key[1:])]
            slips[order_id] = max(slips.get(order_id, 0.0), delay)
    slipped: list[dict[str, Any]] = []
    if slips:
        numbers = dict(
            (
                await session.execute(
                    select(SalesOrder.id, SalesOrder.order_no).where(SalesOrder.id.in_(slips))
                )
            )
            .tuples()
            .all()
        )
        slipped = sorted(
            ({"order_no": numbers[oid], "delay_hours": round(h, 1)} for oid, h in slips.items()),
            key=lambda s: -s["delay_hours"],
        )
    finish_before, finish_after = finish(baseline, before_jobs), finish(changed, after_jobs)
    check = DateCheck(old_date, new_date, finish_after)
    return {
        "available": True,
        "fits": check.fits,
        "finish_before": finish_before.isoformat() if finish_before else None,
        "finish_after": finish_after.isoformat() if finish_after else None,
        "slips": slipped,
    }
