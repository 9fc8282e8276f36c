"""What the promise checks read (materials, stock, confirmed receipts, BOMs, open receivables) and what
they leave behind (one ``PromiseCheck`` row per run, kept as history).

Materials and receivables live here rather than in an inventory or billing context because the promise
is, for now, their only reader; when those contexts arrive they take the tables over unchanged.
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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import BigIntAuditBase, DateTimeUTC, JsonB
from domain.orders.models import SalesOrder


class Material(BigIntAuditBase):
    """A purchased or semi-finished component. ``allocated`` is stock already promised to accepted
    orders; what a new order can count on today is ``on_hand - allocated``."""

    __tablename__ = "materials"
    __table_args__ = (CheckConstraint("on_hand >= 0 AND allocated >= 0", name="stock_not_negative"),)

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16), default="pcs")
    on_hand: Mapped[Decimal] = mapped_column(Numeric(16, 3), default=Decimal("0"))
    allocated: Mapped[Decimal] = mapped_column(Numeric(16, 3), default=Decimal("0"))
    # Typical purchase lead time: what the review screen quotes for a component nobody has ordered yet.
    lead_time_days: Mapped[int] = mapped_column(Integer, default=14)


class MaterialReceipt(BigIntAuditBase):
    """An incoming delivery (purchase order line, sub-contract return). Only ``confirmed`` ones — the
    supplier has committed to quantity and date — count toward a promise."""

    __tablename__ = "material_receipts"
    __table_args__ = (
        Index("ix_material_receipts_material_date", "material_id", "expected_date"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id", ondelete="CASCADE"))
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    expected_date: Mapped[dt.date] = mapped_column(Date)
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)
    reference: Mapped[str] = mapped_column(String(64), default="")  # the purchase order number


class BomItem(BigIntAuditBase):
    """One component of a product: ``quantity_per`` units of the material per unit of the product.
    A material may appear in many products' BOMs (shared components)."""

    __tablename__ = "bom_items"
    __table_args__ = (
        UniqueConstraint("product_id", "material_id", name="uq_bom_items_product_material"),
        CheckConstraint("quantity_per > 0", name="quantity_per_positive"),
    )

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    material_id: Mapped[int] = mapped_column(ForeignKey("materials.id"), index=True)
    quantity_per: Mapped[Decimal] = mapped_column(Numeric(14, 4))


class Receivable(BigIntAuditBase):
    """An issued invoice not yet fully paid; ``amount_open`` is what the customer still owes on it."""

    __tablename__ = "receivables"
    __table_args__ = (
        UniqueConstraint("invoice_no", name="uq_receivables_invoice_no"),
        Index("ix_receivables_customer_open", "customer_id", "amount_open"),
    )

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    invoice_no: Mapped[str] = mapped_column(String(40))
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    amount_open: Mapped[Decimal] = mapped_column(Numeric(16, 2))


class PromiseCheck(BigIntAuditBase):
    """One run of the three checks for one order (every submit, every re-check): history is kept.

    ``credit``/``kitting``/``capacity`` hold each check's numbers (Decimals as strings, dates ISO) and
    ``flags`` the red flags as message ids with parameters, translated when shown. ``needs_review`` is
    True on the order's latest run while a red flag is neither cleared nor overridden.
    """

    __tablename__ = "promise_checks"
    __table_args__ = (
        Index("ix_promise_checks_order_id", "order_id", "id"),
        Index("ix_promise_checks_review", "needs_review", "id"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"))
    order_version: Mapped[int] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(16))  # submit | recheck
    status: Mapped[str] = mapped_column(String(8))  # green | red
    requested_date: Mapped[dt.date] = mapped_column(Date)
    promised_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    credit: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    kitting: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    capacity: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    credit_override_by: Mapped[str | None] = mapped_column(String(100), default=None)
    credit_override_reason: Mapped[str] = mapped_column(Text, default="")
    credit_override_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    elapsed_ms: Mapped[int] = mapped_column(Integer, default=0)


# The credit check sums a customer's open orders on every submit: this index answers that sum from the
# index alone (customer → status → amounts), whatever the size of the order book. Declared here, beside
# its only reader, on the orders table.
Index(
    "ix_sales_orders_customer_status_amounts",
    SalesOrder.customer_id,
    SalesOrder.status,
    SalesOrder.total_net,
    SalesOrder.total_tax,
)
