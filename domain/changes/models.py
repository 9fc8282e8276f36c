"""Change requests, the order revisions they create, the customer's signature on the impact report, and
the line terms (drawing revision, packaging) a change can set."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase, DateTimeUTC, JsonB
from domain.orders.models import SalesOrder


class ChangeRequest(BigIntAuditBase):
    __tablename__ = "change_requests"
    __table_args__ = (
        Index("ix_change_requests_status_id", "status", "id"),
        Index("ix_change_requests_order_id", "order_id", "id"),
        Index("ix_change_requests_customer_id", "customer_id", "id"),
    )

    number: Mapped[str] = mapped_column(String(20), unique=True)  # CR-YYYY-NNNNNN
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))  # the portal's scope, no join
    status: Mapped[str] = mapped_column(String(12))  # pending | approved | rejected
    level: Mapped[str] = mapped_column(String(4))  # L1 | L2 | L3 (domain.changes.rules)
    scope: Mapped[str] = mapped_column(String(20))  # date_only | bom_change | new_agreement
    reason: Mapped[str] = mapped_column(String(24))
    reason_text: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)  # what changes, old → new
    impact: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)  # the preview approvers saw
    requested_by_kind: Mapped[str] = mapped_column(String(10))  # staff | customer
    requested_by_id: Mapped[int | None] = mapped_column(Integer, default=None)
    requested_by_name: Mapped[str] = mapped_column(String(100))
    chain_id: Mapped[int | None] = mapped_column(
        ForeignKey("approval_chains.id", ondelete="SET NULL"), default=None
    )
    chain_name: Mapped[str] = mapped_column(String(100))
    route: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)  # snapshot of the chain
    current_node: Mapped[int | None] = mapped_column(Integer, default=0)
    node_since: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    base_order_version: Mapped[int] = mapped_column(Integer)
    from_revision: Mapped[int | None] = mapped_column(Integer, default=None)
    to_revision: Mapped[int | None] = mapped_column(Integer, default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    order: Mapped[SalesOrder] = relationship(lazy="raise")

    # Two approvers pressing "approve" on the same step: the second UPDATE finds the version moved.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class OrderRevision(BigIntAuditBase):
    """A frozen copy of an order (header and lines) at one point; revision 1 is the order as it was
    before its first change. Kept for ever: the diff view compares any two."""

    __tablename__ = "order_revisions"
    __table_args__ = (UniqueConstraint("order_id", "revision_no", name="uq_order_revisions_order_rev"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"))
    revision_no: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JsonB)
    change_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("change_requests.id", ondelete="SET NULL"), default=None
    )
    created_by_name: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")


class ChangeSignature(BigIntAuditBase):
    """The customer's signature on a change-impact report: who, when, from where, and the SHA-256 of the
    exact report bytes they were shown; the signed PDF (report + signature block) is kept byte for byte."""

    __tablename__ = "change_signatures"

    change_request_id: Mapped[int] = mapped_column(
        ForeignKey("change_requests.id", ondelete="CASCADE"), unique=True
    )
    customer_user_id: Mapped[int] = mapped_column(ForeignKey("customer_users.id"))
    account_name: Mapped[str] = mapped_column(String(100))
    typed_name: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    ip: Mapped[str] = mapped_column(String(64))
    report_sha256: Mapped[str] = mapped_column(String(64), index=True)
    signed_pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    signed_pdf: Mapped[bytes] = mapped_column(LargeBinary)


class OrderLineTerms(BigIntAuditBase):
    """Terms of a line that changes set and the order line does not carry: drawing revision, packaging."""

    __tablename__ = "order_line_terms"

    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("sales_order_lines.id", ondelete="CASCADE"), unique=True
    )
    drawing_revision: Mapped[str] = mapped_column(String(40), default="")
    packaging: Mapped[str] = mapped_column(String(200), default="")
