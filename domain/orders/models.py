from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase, BigIntBase, DateTimeUTC, JsonB
from domain.catalog.models import Product
from domain.parties.models import Customer


class SalesOrder(BigIntAuditBase):
    __tablename__ = "sales_orders"
    __table_args__ = (
        UniqueConstraint("customer_id", "customer_po", name="uq_sales_orders_customer_po"),
        Index("ix_sales_orders_customer_id_id", "customer_id", "id"),
        Index("ix_sales_orders_status_id", "status", "id"),
        # A status queue by due date (PMC's "in production, earliest requested first") reads in order.
        Index("ix_sales_orders_status_requested", "status", "requested_date", "id"),
        Index("ix_sales_orders_order_date", "order_date"),
        # The API's "changed since T" feed walks orders by (updated_at, id).
        Index("ix_sales_orders_updated_id", "updated_at", "id"),
    )

    order_no: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    customer_po: Mapped[str | None] = mapped_column(String(64), default=None)
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(20))
    held_from: Mapped[str | None] = mapped_column(String(20), default=None)
    order_date: Mapped[dt.date] = mapped_column(Date)
    requested_date: Mapped[dt.date] = mapped_column(Date)
    promised_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    special_requirements: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    # Kept with the order (written by the domain when lines change) so lists need no join to lines.
    total_net: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))
    total_tax: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_by: Mapped[str] = mapped_column(String(100), default="")
    status_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # First submission: from then on the order is the customer's business too (a draft the rep
    # cancelled before submitting never reaches the portal; one returned to draft stays visible).
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    customer: Mapped[Customer] = relationship(lazy="raise")
    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order", lazy="raise", order_by="SalesOrderLine.line_no", cascade="all, delete-orphan"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        lazy="raise", order_by="OrderEvent.id", cascade="all, delete-orphan"
    )

    # The UPDATE carries "WHERE version = :old", so two writers racing past the explicit check
    # still cannot both win.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def total_gross(self) -> Decimal:
        return self.total_net + self.total_tax

    @property
    def promised_later_than_requested(self) -> bool:
        return self.promised_date is not None and self.promised_date > self.requested_date


class SalesOrderLine(BigIntAuditBase):
    __tablename__ = "sales_order_lines"
    __table_args__ = (UniqueConstraint("order_id", "line_no", name="uq_sales_order_lines_order_line"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    amount_net: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    requested_date: Mapped[dt.date] = mapped_column(Date)
    promised_date: Mapped[dt.date | None] = mapped_column(Date, default=None)

    order: Mapped[SalesOrder] = relationship(back_populates="lines", lazy="raise")
    product: Mapped[Product] = relationship(lazy="raise")


class OrderEvent(BigIntAuditBase):
    """The order's timeline, which is also its audit log: who did what, when, from which state to which."""

    __tablename__ = "order_events"

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # created | transition | comment
    action: Mapped[str | None] = mapped_column(String(30), default=None)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    actor_name: Mapped[str] = mapped_column(String(100))
    from_status: Mapped[str | None] = mapped_column(String(20), default=None)
    to_status: Mapped[str | None] = mapped_column(String(20), default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)


class NumberSequence(BigIntBase):
    """Gap-tolerant counters for document numbers (SO-2026-000123), one row per name and year."""

    __tablename__ = "number_sequences"
    __table_args__ = (UniqueConstraint("name", "period", name="uq_number_sequences_name_period"),)

    name: Mapped[str] = mapped_column(String(20))
    period: Mapped[int] = mapped_column(Integer)
    last_value: Mapped[int] = mapped_column(Integer, default=0)
