"""Reads for the shop-floor screens: the work centers a person works on, a work center's queue, one
operation with its context, and an order's jobs. Each is a constant number of queries and returns
plain read structs (templates never touch lazy ORM graphs)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.catalog.models import Product
from domain.errors import Forbidden, NotFound
from domain.orders.models import SalesOrder
from domain.production.models import Job, JobOperation, OperationPhoto, WorkCenter
from domain.production.progress import FLOOR_ROLES, WORKING_ORDER, may_work_on
from domain.production.status import OperationStatus

__all__ = [
    "OperationCard",
    "OperationRow",
    "WorkCenterSummary",
    "my_work_centers",
    "operation_card",
    "order_production",
    "work_center_queue",
]

QUEUE_LIMIT = 100


@dataclass(frozen=True)
class WorkCenterSummary:
    id: int
    code: str
    name: str
    team_lead: str | None
    machines: int
    running: int
    pending: int
    late: int


@dataclass(frozen=True)
class PhotoRow:
    id: int
    caption: str
    width: int
    height: int
    uploaded_by: str
    created_at: dt.datetime


@dataclass
class OperationRow:
    id: int
    job_id: int
    order_no: str
    order_status: str
    line_no: int | None
    part_no: str
    product_name: str
    seq: int
    stage_zh: str
    stage_en: str
    work_center_id: int
    work_center: str
    is_key: bool
    quantity: Decimal
    quantity_done: Decimal
    status: str
    planned_start: dt.datetime | None
    planned_end: dt.datetime | None
    actual_start: dt.datetime | None
    actual_end: dt.datetime | None
    version: int
    photos: int = 0

    def late(self, now: dt.datetime) -> bool:
        """Finished after its planned end, or still open past it."""
        if self.planned_end is None or self.status == OperationStatus.CANCELLED:
            return False
        if self.actual_end is not None:
            return self.actual_end > self.planned_end
        return now > self.planned_end

    @property
    def percent(self) -> int:
        return int(self.quantity_done * 100 / self.quantity) if self.quantity else 0


@dataclass
class OperationCard:
    op: OperationRow
    previous: OperationRow | None
    team_lead_id: int | None
    photos: list[PhotoRow] = field(default_factory=list)
    can_work: bool = False
    order_working: bool = False


@dataclass
class JobView:
    id: int
    line_no: int | None
    part_no: str
    product_name: str
    quantity: Decimal
    status: str
    planned_start: dt.datetime | None
    planned_end: dt.datetime | None
    operations: list[OperationRow] = field(default_factory=list)


def _visible_centers(actor: Actor) -> Select[Any]:
    stmt = select(WorkCenter).where(WorkCenter.active.is_(True)).order_by(WorkCenter.code)
    if FLOOR_ROLES.isdisjoint(actor.roles):
        stmt = stmt.where(WorkCenter.team_lead_id == actor.id)
    return stmt


async def my_work_centers(
    session: AsyncSession, actor: Actor, *, now: dt.datetime
) -> list[WorkCenterSummary]:
    """All work centers for PMC, QC and admins; a team lead's own; ``Forbidden`` for anyone else."""
    if actor.kind != "staff":
        raise Forbidden("staff only")
    centers = list(await session.scalars(_visible_centers(actor)))
    if not centers and FLOOR_ROLES.isdisjoint(actor.roles):
        raise Forbidden("not a team lead and not a shop-floor role")
    from domain.parties.models import StaffUser

    leads = dict(
        (await session.execute(
            select(StaffUser.id, StaffUser.display_name).where(
                StaffUser.id.in_([c.team_lead_id for c in centers if c.team_lead_id])
            )
        )).all()
    )  # fmt: skip
    open_ = JobOperation.status.in_([OperationStatus.PENDING, OperationStatus.RUNNING])
    counts = {
        row.work_center_id: row
        for row in await session.execute(
            select(
                JobOperation.work_center_id,
                func.sum(case((JobOperation.status == OperationStatus.RUNNING, 1), else_=0)).label("running"),
                func.sum(case((JobOperation.status == OperationStatus.PENDING, 1), else_=0)).label("pending"),
                func.sum(case((JobOperation.planned_end < now, 1), else_=0)).label("late"),
            )
            .where(open_, JobOperation.work_center_id.in_([c.id for c in centers]))
            .group_by(JobOperation.work_center_id)
        )
    }
    return [
        WorkCenterSummary(
            c.id,
            c.code,
            c.name,
            leads.get(c.team_lead_id),
            c.machines,
            int(getattr(counts.get(c.id), "running", 0) or 0),
            int(getattr(counts.get(c.id), "pending", 0) or 0),
            int(getattr(counts.get(c.id), "late", 0) or 0),
        )
        for c in centers
    ]


def _row_columns() -> Select[Any]:
    from domain.orders.models import SalesOrderLine

    return (
        select(
            JobOperation,
            SalesOrder.order_no,
            SalesOrder.status.label("order_status"),
            SalesOrderLine.line_no,
            Product.part_no,
            Product.name.label("product_name"),
            WorkCenter.name.label("wc_name"),
        )
        .join(Job, Job.id == JobOperation.job_id)
        .join(SalesOrder, SalesOrder.id == JobOperation.order_id)
        .join(SalesOrderLine, SalesOrderLine.id == Job.order_line_id)
        .join(Product, Product.id == Job.product_id)
        .join(WorkCenter, WorkCenter.id == JobOperation.work_center_id)
    )


def _to_row(r: Row[Any]) -> OperationRow:
    op: JobOperation = r[0]
    return OperationRow(
        id=op.id, job_id=op.job_id, order_no=r.order_no, order_status=r.order_status, line_no=r.line_no,
        part_no=r.part_no, product_name=r.product_name, seq=op.seq, stage_zh=op.stage_name_zh,
        stage_en=op.stage_name_en, work_center_id=op.work_center_id, work_center=r.wc_name, is_key=op.is_key,
        quantity=op.quantity, quantity_done=op.quantity_done, status=op.status, planned_start=op.planned_start,
        planned_end=op.planned_end, actual_start=op.actual_start, actual_end=op.actual_end, version=op.version,
    )  # fmt: skip


async def work_center_queue(
    session: AsyncSession, work_center_id: int, actor: Actor
) -> tuple[WorkCenter, list[OperationRow]]:
    """What is running on a work center and what comes next, in planned order (the next ``QUEUE_LIMIT``)."""
    wc = await session.get(WorkCenter, work_center_id)
    if wc is None:
        raise NotFound(f"work center {work_center_id}")
    if not may_work_on(actor, wc.team_lead_id):
        raise Forbidden("not this work center's team lead")
    rows = await session.execute(
        _row_columns()
        .where(
            JobOperation.work_center_id == wc.id,
            JobOperation.status.in_([OperationStatus.PENDING, OperationStatus.RUNNING]),
        )
        .order_by(
            case((JobOperation.status == OperationStatus.RUNNING, 0), else_=1),
            JobOperation.planned_start,
            JobOperation.id,
        )
        .limit(QUEUE_LIMIT)
    )
    return wc, [_to_row(r) for r in rows]


async def operation_card(session: AsyncSession, operation_id: int, actor: Actor) -> OperationCard:
    """One operation with the previous one of its job and its photos (three queries)."""
    r = (
        await session.execute(
            _row_columns().add_columns(WorkCenter.team_lead_id).where(JobOperation.id == operation_id)
        )
    ).first()
    if r is None:
        raise NotFound(f"operation {operation_id}")
    if not may_work_on(actor, r.team_lead_id):
        raise Forbidden("not this work center's team lead")
    op = _to_row(r)
    prev = (
        await session.execute(
            _row_columns()
            .where(JobOperation.job_id == op.job_id, JobOperation.seq < op.seq)
            .order_by(JobOperation.seq.desc())
            .limit(1)
        )
    ).first()
    photos = [
        PhotoRow(p.id, p.caption, p.width, p.height, p.uploaded_by_name, p.created_at)
        for p in await session.scalars(
            select(OperationPhoto).where(OperationPhoto.operation_id == op.id).order_by(OperationPhoto.id)
        )
    ]
    op.photos = len(photos)
    return OperationCard(
        op=op,
        previous=_to_row(prev) if prev is not None else None,
        team_lead_id=r.team_lead_id,
        photos=photos,
        can_work=True,
        order_working=op.order_status in WORKING_ORDER,
    )


async def order_production(session: AsyncSession, order_no: str) -> tuple[SalesOrder, list[JobView]]:
    """An order's jobs with their operations and photo counts, in line and routing order (three queries)."""
    order = await session.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no))
    if order is None:
        raise NotFound(order_no)
    rows = [_to_row(r) for r in await session.execute(
        _row_columns().where(JobOperation.order_id == order.id).order_by(JobOperation.job_id, JobOperation.seq)
    )]  # fmt: skip
    photo_counts = dict(
        (await session.execute(
            select(OperationPhoto.operation_id, func.count())
            .where(OperationPhoto.order_id == order.id)
            .group_by(OperationPhoto.operation_id)
        )).all()
    )  # fmt: skip
    jobs: dict[int, JobView] = {}
    job_rows = {
        j.id: j for j in await session.scalars(select(Job).where(Job.order_id == order.id).order_by(Job.id))
    }
    for row in rows:
        row.photos = photo_counts.get(row.id, 0)
        job = job_rows[row.job_id]
        view = jobs.get(row.job_id)
        if view is None:
            view = jobs[row.job_id] = JobView(
                job.id, row.line_no, row.part_no, row.product_name, job.quantity, job.status,
                job.planned_start, job.planned_end,
            )  # fmt: skip
        view.operations.append(row)
    return order, sorted(jobs.values(), key=lambda j: (j.line_no or 0, j.id))
