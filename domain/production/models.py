"""Manufacturing master data: work centers (with their working calendar) and routings per product.

The calendar is a JSON document on the work center (``shifts``, ``workdays``, ``holidays``,
``extra_workdays``); ``domain.production.master_data`` validates it and turns rows into the
scheduler's value objects. Stage names are what customers see ("精加工 / Finishing"); codes, minutes
and work centers stay internal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase, JsonB
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
