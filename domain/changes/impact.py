"""Impact preview of a change before anyone approves it: dates (scheduler dry-run), material, value.

The date impact compares two dry-runs of the same slice of the floor — the plan as it is, and the plan
with the change — so every difference is caused by the change and nothing else:

- the changed order's jobs are built from the routings of its lines (new quantities, added/removed
  lines; ``planning.job_specs_for``); other orders' work on the same work centers that has not started
  and starts before the horizon is *movable* (kept in its current order by releasing each job at its
  current planned start); the rest of the booked load on those centers up to the horizon (``fixed_load``) is fixed.
- a pull-in claims capacity: in the changed run the order goes first (priority), and the movable jobs
  that finish later than in the baseline are the orders that would slip, with how much.

Material compares the components the order needs before and after the change (BOM explosion, the
promise context's BOMs and stock): for each component whose need grows, the extra quantity against
what can be counted on by the new date (free stock and confirmed receipts, after this order's present
need), and the day confirmed supply would cover it. Value is exact: the order's totals before and after.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import SHANGHAI
from domain.changes.rules import DateCheck, Kind
from domain.errors import ValidationFailed
from domain.orders.models import SalesOrder
from domain.orders.services import money
from domain.production import scheduler as sched
from domain.production.calendar import to_local
from domain.production.models import Job, JobOperation, WorkCenter
from domain.production.planning import (
    LineDemand,
    job_specs_for,
    load_scheduler,
    operation_spec,
    wc_key,
)
from domain.production.status import OperationStatus

# How far past the later of the two dates other orders' work counts as movable; and at most this many
# operations of other orders are re-placed (the nearest first) so a preview stays well under a second.
HORIZON_DAYS = 21
MAX_MOVABLE_OPS = 600
# Fixed load counts up to this many days past the horizon: enough for the dry-runs to place around it,
# while a preview never reads the whole floor's plan (bench/changes.py: 9 s → well under 1 s at 1×).
FIXED_EXTRA_DAYS = 60


async def fixed_load(
    session: AsyncSession,
    *,
    now: dt.datetime,
    until: dt.datetime,
    work_centers: set[int],
    exclude_order_id: int,
) -> list[sched.Booking]:
    """``planning.current_bookings`` restricted to the work centers the change touches and to a window
    (one query): the same rules (a running operation holds its machine at least until now; pending
    work is placed on any machine), without reading load that cannot affect this order."""
    rows = await session.execute(
        select(JobOperation.id, JobOperation.work_center_id, JobOperation.status, JobOperation.machine,
               JobOperation.planned_start, JobOperation.planned_end, WorkCenter.machines)
        .join(WorkCenter, WorkCenter.id == JobOperation.work_center_id)
        .where(
            WorkCenter.active.is_(True),
            JobOperation.work_center_id.in_(sorted(work_centers)),
            JobOperation.order_id != exclude_order_id,
            JobOperation.planned_start.is_not(None),
            JobOperation.planned_start < until,
            or_(JobOperation.status == OperationStatus.RUNNING,
                (JobOperation.status == OperationStatus.PENDING) & (JobOperation.planned_end > now)),
        )
    )  # fmt: skip
    out: list[sched.Booking] = []
    for r in rows:
        running = r.status == OperationStatus.RUNNING
        end = max(r.planned_end, now) if running else r.planned_end
        out.append(sched.Booking(wc_key(r.work_center_id), r.planned_start, end, f"op:{r.id}",
                                 min(r.machine, r.machines - 1) if running else None))  # fmt: skip
    return out


def demands_after(order: SalesOrder, items: Sequence[dict[str, Any]], due: dt.date) -> list[LineDemand]:
    """The order's lines after the change, as demands (job keys ``<order>/L<line_no>``, ``/N<i>`` new)."""
    removed = {i["line_no"] for i in items if i["kind"] == Kind.REMOVE_LINE}
    qty = {i["line_no"]: Decimal(i["new"]) for i in items if i["kind"] == Kind.QUANTITY}
    out = [
        LineDemand(
            f"{order.order_no}/L{line.line_no}", line.product_id, qty.get(line.line_no, line.quantity), due
        )
        for line in order.lines
        if line.line_no not in removed
    ]
    added = [i for i in items if i["kind"] == Kind.ADD_LINE]
    out += [
        LineDemand(f"{order.order_no}/N{n}", int(i["product_id"]), Decimal(i["new"]), due)
        for n, i in enumerate(added)
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
    """The two dry-runs. Returns finish days before/after, whether the new date holds, and who slips."""
    unavailable = {"available": False, "fits": None, "finish_before": None, "finish_after": None, "slips": []}
    pulls_in = new_date < old_date
    now_local = to_local(now)
    before_demands = [LineDemand(f"{order.order_no}/L{ln.line_no}", ln.product_id, ln.quantity, old_date)
                      for ln in order.lines]  # fmt: skip
    try:
        before_jobs = await job_specs_for(session, before_demands, release_at=now_local)
        # A pull-in claims capacity: the changed order is placed ahead of the movable work.
        after_jobs = await job_specs_for(session, demands_after(order, items, new_date), release_at=now_local,
                                         priority=1 if pulls_in else 0)  # fmt: skip
    except ValidationFailed:
        return unavailable  # a product without a routing: nothing to plan with
    if not after_jobs:
        return unavailable
    scheduler = await load_scheduler(session)
    used = {int(op.work_center_id) for j in before_jobs + after_jobs for op in j.operations}
    horizon = dt.datetime.combine(
        max(old_date, new_date) + dt.timedelta(days=HORIZON_DAYS), dt.time(), SHANGHAI
    )

    # Other orders' work on these centers that has not started and starts before the horizon: movable.
    movable_rows = (
        await session.execute(
            select(JobOperation, Job.order_id, Job.due_date)
            .join(Job, Job.id == JobOperation.job_id)
            .where(
                JobOperation.work_center_id.in_(sorted(used)),
                JobOperation.order_id != order.id,
                JobOperation.status == OperationStatus.PENDING,
                JobOperation.planned_start >= now,
                JobOperation.planned_start < horizon,
            )
            .order_by(JobOperation.planned_start, JobOperation.id)
            .limit(MAX_MOVABLE_OPS)
        )
    ).all()
    movable_refs = {f"op:{op.id}" for op, _, _ in movable_rows}
    fixed = [b for b in await fixed_load(session, now=now, until=horizon + dt.timedelta(days=FIXED_EXTRA_DAYS),
                                         work_centers=used, exclude_order_id=order.id)
             if b.ref not in movable_refs]  # fmt: skip
    by_job: dict[int, list[JobOperation]] = defaultdict(list)
    job_meta: dict[int, tuple[int, dt.date | None]] = {}
    for op, order_id, due in movable_rows:
        by_job[op.job_id].append(op)
        job_meta[op.job_id] = (order_id, due)
    others = [
        sched.JobSpec(
            key=f"#{job_id}",
            operations=tuple(operation_spec(op, max(0.0, float(op.quantity - op.quantity_done)))
                             for op in sorted(ops, key=lambda o: o.seq)),
            # Released at its current start, so the baseline keeps today's sequence.
            release_at=max(to_local(min(op.planned_start for op in ops)), now_local),
            due=job_meta[job_id][1],
        )
        for job_id, ops in by_job.items()
    ]  # fmt: skip
    baseline = scheduler.dry_run([*before_jobs, *others], fixed, now_local)
    changed = scheduler.dry_run([*after_jobs, *others], fixed, now_local)

    def finish(schedule: sched.Schedule, jobs: list[sched.JobSpec]) -> dt.date | None:
        ends = [schedule.finish_by_job[j.key] for j in jobs if j.key in schedule.finish_by_job]
        return to_local(max(ends)).date() if ends else None

    slips: dict[int, float] = {}
    for j in others:
        delay = (changed.finish_by_job[j.key] - baseline.finish_by_job[j.key]).total_seconds() / 3600
        if delay > 0.01:
            order_id = job_meta[int(j.key[1:])][0]
            slips[order_id] = max(slips.get(order_id, 0.0), delay)
    slipped: list[dict[str, Any]] = []
    if slips:
        rows = await session.execute(
            select(SalesOrder.id, SalesOrder.order_no).where(SalesOrder.id.in_(slips))
        )
        numbers = dict(rows.tuples().all())
        slipped = sorted(
            ({"order_no": numbers[oid], "delay_hours": round(h, 1)} for oid, h in slips.items()),
            key=lambda s: (-s["delay_hours"], s["order_no"]),
        )
    finish_before, finish_after = finish(baseline, before_jobs), finish(changed, after_jobs)
    return {
        "available": True,
        "fits": DateCheck(old_date, new_date, finish_after).fits,
        "finish_before": finish_before.isoformat() if finish_before else None,
        "finish_after": finish_after.isoformat() if finish_after else None,
        "slips": slipped,
    }


def _plain(value: Decimal) -> str:
    """220.000 → "220", 0.500 → "0.5" (never the exponent form normalize() gives for 2.2E+2)."""
    return format(value.normalize(), "f")


async def material_impact(
    session: AsyncSession,
    order: SalesOrder,
    items: Sequence[dict[str, Any]],
    *,
    new_date: dt.date,
    today: dt.date,
) -> dict[str, Any]:
    """BOM delta of the change against stock (two statements). Components whose need does not change are
    left out; ``short`` is what confirmed supply cannot cover by ``new_date``."""
    from domain.promise.kitting import load_kitting_inputs  # local: the promise context builds on orders

    before: dict[int, Decimal] = defaultdict(Decimal)
    for line in order.lines:
        before[line.product_id] += Decimal(line.quantity)
    after: dict[int, Decimal] = defaultdict(Decimal)
    for demand in demands_after(order, items, new_date):
        after[demand.product_id] += Decimal(demand.quantity)
    boms, supply, components = await load_kitting_inputs(session, {*before, *after})
    if not any(boms.values()):
        return {"available": True, "items": [], "short": False, "no_bom": True}
    need_before: dict[int, Decimal] = defaultdict(Decimal)
    need_after: dict[int, Decimal] = defaultdict(Decimal)
    for pid, bom in boms.items():
        for item in bom:
            need_before[item.material_id] += before.get(pid, Decimal("0")) * item.quantity_per
            need_after[item.material_id] += after.get(pid, Decimal("0")) * item.quantity_per
    rows: list[dict[str, Any]] = []
    for mid in sorted(set(need_before) | set(need_after), key=lambda m: components[m].code):
        delta = need_after[mid] - need_before[mid]
        if not delta:
            continue
        pool = supply[mid]
        # This order's present need is assumed covered first; the extra competes for what is left.
        spare = max(pool.by(new_date) - need_before[mid], Decimal("0"))
        short = max(delta - spare, Decimal("0")) if delta > 0 else Decimal("0")
        covered = pool.date_reaching(need_after[mid], today) if delta > 0 else today
        c = components[mid]
        rows.append({
            "code": c.code, "name": c.name, "unit": c.unit, "before": _plain(need_before[mid]),
            "after": _plain(need_after[mid]), "delta": _plain(delta),
            "short": _plain(short), "covered_on": covered.isoformat() if covered else None,
        })  # fmt: skip
    return {
        "available": True,
        "items": rows,
        "short": any(Decimal(r["short"]) > 0 for r in rows),
        "no_bom": False,
    }
