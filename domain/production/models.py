"""Manufacturing master data: work centers (with their working calendar) and routings per product.

The calendar is a JSON document on the work center (``shifts``, ``workdays``, ``holidays``,
``extra_workdays``); ``domain.production.master_data`` validates it and turns rows into the
scheduler's value objects. Stage names are what customers see ("精加工 / Finishing"); codes, minutes
and work centers stay internal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase, DateTimeUTC, JsonB
from domain.catalog.models import Product
from domain.parties.models import StaffUser


def default_calendar() -> dict[str, Any]:
    """Two shifts, Monday to Friday, no holidays: what a new work center starts with."""
    return {
        "shifts": [["08:00", "12:00"], ["13:00", "17:00"]],
        "workdays": [0, 1, 2, 3, 4],
        "holidays": [],
        "extra_workdays": [],
    }


class WorkCenter(BigIntAuditBase):
    __tablename__ = "work_centers"
    __table_args__ = (CheckConstraint("machines >= 1", name="machines_positive"),)

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    team_lead_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    machines: Mapped[int] = mapped_column(Integer, default=1)
    calendar: Mapped[dict[str, Any]] = mapped_column(JsonB, default=default_calendar)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    team_lead: Mapped[StaffUser | None] = relationship(lazy="raise")


class RoutingOperation(BigIntAuditBase):
    """One step of a product's routing; ``seq`` orders the steps (10, 20, 30… leaves room between)."""

    __tablename__ = "routing_operations"
    __table_args__ = (
        UniqueConstraint("product_id", "seq", name="uq_routing_operations_product_seq"),
        CheckConstraint("setup_min >= 0 AND run_min_per_unit >= 0", name="minutes_not_negative"),
    )

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    seq: Mapped[int] = mapped_column(Integer)
    work_center_id: Mapped[int] = mapped_column(ForeignKey("work_centers.id"), index=True)
    setup_min: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    run_min_per_unit: Mapped[Decimal] = mapped_column(Numeric(10, 4), default=Decimal("0"))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)  # a key operation must carry photos
    stage_name_zh: Mapped[str] = mapped_column(String(50))
    stage_name_en: Mapped[str] = mapped_column(String(80))

    product: Mapped[Product] = relationship(lazy="raise")
    work_center: Mapped[WorkCenter] = relationship(lazy="raise")


class Job(BigIntAuditBase):
    """The work for one order line: created when the order is confirmed, one operation per routing step.

    ``planned_start``/``planned_end`` mirror the first and last operation so lists and the Gantt's
    order rows need no aggregate over operations.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("order_line_id", name="uq_jobs_order_line_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    status: Mapped[str] = mapped_column(String(16), default="planned")  # JobStatus
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher is placed first (expedite)
    release_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    due_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    planned_start: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    planned_end: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    product: Mapped[Product] = relationship(lazy="raise")
    operations: Mapped[list[JobOperation]] = relationship(
        back_populates="job", lazy="raise", order_by="JobOperation.seq", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class JobOperation(BigIntAuditBase):
    """One routing step of a job, copied from the routing when the job was created (a later routing
    change does not rewrite work already planned), with its plan and what the shop floor reported."""

    __tablename__ = "job_operations"
    __table_args__ = (
        UniqueConstraint("job_id", "seq", name="uq_job_operations_job_seq"),
        # The load on a work center over a window: the scheduler's bookings, the Gantt, the heat map.
        Index("ix_job_operations_wc_planned", "work_center_id", "planned_start"),
        CheckConstraint("quantity_done >= 0", name="quantity_done_not_negative"),
    )

    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    routing_operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("routing_operations.id", ondelete="SET NULL"), default=None
    )
    work_center_id: Mapped[int] = mapped_column(ForeignKey("work_centers.id"))
    stage_name_zh: Mapped[str] = mapped_column(String(50))
    stage_name_en: Mapped[str] = mapped_column(String(80))
    is_key: Mapped[bool] = mapped_column(Boolean, default=False)
    setup_min: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0"))
    run_min_per_unit: Mapped[Decimal] = mapped_column(Numeric(10, 4), default=Decimal("0"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    quantity_done: Mapped[Decimal] = mapped_column(Numeric(14, 3), default=Decimal("0"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # OperationStatus
    machine: Mapped[int] = mapped_column(Integer, default=0)
    planned_start: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    planned_end: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    actual_start: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    actual_end: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    job: Mapped[Job] = relationship(back_populates="operations", lazy="raise")
    work_center: Mapped[WorkCenter] = relationship(lazy="raise")
    photos: Mapped[list[OperationPhoto]] = relationship(
        back_populates="operation", lazy="raise", order_by="OperationPhoto.id"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class OperationPhoto(BigIntAuditBase):
    """A process photo on an operation. The file lives in the upload store under ``storage_key`` (random,
    unguessable); ``order_id`` is kept here so every read can scope by the viewer's orders in one query."""

    __tablename__ = "operation_photos"

    operation_id: Mapped[int] = mapped_column(ForeignKey("job_operations.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(String(200), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer, default=None)
    uploaded_by_name: Mapped[str] = mapped_column(String(100))

    operation: Mapped[JobOperation] = relationship(back_populates="photos", lazy="raise")
