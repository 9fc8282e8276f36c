"""Reads that turn the database into the scheduler's inputs: the factory, the load already booked, and
the jobs a set of order lines would become.

Shared by order confirmation (``jobs``), capacity-to-promise and expedite evaluation: all three are
pure reads with a constant number of queries whatever the number of lines or bookings, so a what-if
check costs the same as the real placement. Scheduler ids of work centers are ``str(WorkCenter.id)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Product
from domain.errors import ValidationFailed
from domain.i18n import N_, Msg
from domain.production import scheduler
from domain.production.master_data import calendar_from_json, load_routings
from domain.production.models import JobOperation, RoutingOperation, WorkCenter
from domain.production.status import OperationStatus

__all__ = [
    "MSG_NO_ROUTING",
    "LineDemand",
    "current_bookings",
    "job_spec",
    "job_specs_for",
    "load_scheduler",
    "op_key",
    "operation_spec",
    "routings_for",
    "wc_key",
]

MSG_NO_ROUTING = N_("%(products)s has no routing yet; add one before planning production.")


def wc_key(work_center_id: int) -> str:
    """The scheduler's id of a work center."""
    return str(work_center_id)


def op_key(seq: int) -> str:
    """The scheduler's key of an operation within its job: its routing ``seq``."""
    return f"op{seq}"


@dataclass(frozen=True, slots=True)
class LineDemand:
    """Something to make: ``key`` names the job it becomes (e.g. the order line id as text)."""

    key: str
    product_id: int
    quantity: Decimal | float
    due: dt.date | None = None


async def load_scheduler(session: AsyncSession) -> scheduler.Scheduler:
    """The scheduler over the factory's active work centers (one query)."""
    rows = await session.scalars(
        select(WorkCenter).where(WorkCenter.active.is_(True)).order_by(WorkCenter.id)
    )
    return scheduler.Scheduler(
        scheduler.WorkCenter(wc_key(r.id), calendar_from_json(r.calendar), parallel_machines=r.machines)
        for r in rows
    )


async def current_bookings(
    session: AsyncSession,
    *,
    now: dt.datetime,
    exclude_order_ids: Iterable[int] = (),
    work_center_ids: Iterable[int] | None = None,
    starting_before: dt.datetime | None = None,
) -> list[scheduler.Booking]:
    """The load new work must go around: every planned, unfinished operation on an active work center
    that still occupies time after ``now`` (one query).

    A running operation keeps its machine and holds it at least until ``now`` even if it overran its
    plan (it is still on the machine). A pending one is handed to the scheduler without a machine, so
    a work center that lost a machine since the plan was made still loads. ``exclude_order_ids`` leaves
    out the orders being re-planned (expedite, change impact) so they are not counted twice.

    ``work_center_ids`` and ``starting_before`` narrow the read for a what-if that only visits some work
    centers and only cares about a window (capacity-to-promise): the cost then follows the load in that
    window, not the whole booked future of the floor.
    """
    stmt = (
        select(
            JobOperation.id,
            JobOperation.order_id,
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
            JobOperation.planned_start.is_not(None),
            JobOperation.planned_end.is_not(None),
            or_(
                JobOperation.status == OperationStatus.RUNNING,
                (JobOperation.status == OperationStatus.PENDING) & (JobOperation.planned_end > now),
            ),
        )
        .order_by(JobOperation.planned_start, JobOperation.id)
    )
    if work_center_ids is not None:
        stmt = stmt.where(JobOperation.work_center_id.in_([int(i) for i in work_center_ids]))
    if starting_before is not None:
        stmt = stmt.where(JobOperation.planned_start < starting_before)
    excluded = [int(i) for i in exclude_order_ids]
    if excluded:
        stmt = stmt.where(JobOperation.order_id.not_in(excluded))
    bookings: list[scheduler.Booking] = []
    for row in await session.execute(stmt):
        running = row.status == OperationStatus.RUNNING
        end = max(row.planned_end, now) if running else row.planned_end
        if end <= now and not running:
            continue
        machine = min(row.machine, row.machines - 1) if running else None
        bookings.append(
            scheduler.Booking(wc_key(row.work_center_id), row.planned_start, end, f"op:{row.id}", machine)
        )
    return bookings


async def routings_for(
    session: AsyncSession, product_ids: Iterable[int]
) -> dict[int, list[RoutingOperation]]:
    """Product id → its routing in order (one query); ``ValidationFailed`` naming every product that has
    none (a second query, only then, to name them)."""
    routings = await load_routings(session, sorted(set(product_ids)))
    missing = sorted(pid for pid, rows in routings.items() if not rows)
    if missing:
        names = await session.execute(select(Product.part_no, Product.name).where(Product.id.in_(missing)))
        label = "、".join(f"{part_no} {name}" for part_no, name in names) or ", ".join(map(str, missing))
        raise ValidationFailed({"routing": Msg(MSG_NO_ROUTING, products=label)})
    return routings


async def job_specs_for(
    session: AsyncSession,
    demands: Sequence[LineDemand],
    *,
    release_at: dt.datetime,
    priority: int = 0,
) -> list[scheduler.JobSpec]:
    """The jobs ``demands`` would become, operations copied from each product's routing (one query;
    a second one only to name the products that have no routing, in the error)."""
    routings = await routings_for(session, (d.product_id for d in demands))
    return [job_spec(d, routings[d.product_id], release_at=release_at, priority=priority) for d in demands]


def job_spec(
    demand: LineDemand,
    steps: Sequence[RoutingOperation | JobOperation],
    *,
    release_at: dt.datetime,
    priority: int = 0,
) -> scheduler.JobSpec:
    """One demand as a job along ``steps`` (a routing, or a job's own copy of it), in ``seq`` order."""
    return scheduler.JobSpec(
        key=demand.key,
        operations=tuple(
            operation_spec(row, float(demand.quantity)) for row in sorted(steps, key=lambda r: r.seq)
        ),
        release_at=release_at,
        priority=priority,
        due=demand.due,
    )


def operation_spec(row: RoutingOperation | JobOperation, quantity: float) -> scheduler.OperationSpec:
    """A routing step (or a job's copy of it) as the scheduler sees it."""
    return scheduler.OperationSpec(
        key=op_key(row.seq),
        work_center_id=wc_key(row.work_center_id),
        setup_min=float(row.setup_min),
        run_min_per_unit=float(row.run_min_per_unit),
        quantity=quantity,
    )
