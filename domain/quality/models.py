"""Inspections, their characteristics, the published report (PDF bytes kept in the database), who
downloaded it, and the nonconformance a failed inspection raises.

The report PDF is stored in the row, not in the upload folder: it is small (tens of kB), it must exist
exactly when the publication commits (a file written before a rollback would be an orphan), and every
app host reads it without a shared disk.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase, DateTimeUTC, JsonB


class Inspection(BigIntAuditBase):
    __tablename__ = "qc_inspections"
    __table_args__ = (Index("ix_qc_inspections_status_id", "status", "id"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("sales_order_lines.id", ondelete="CASCADE"))
    # Jobs exist once the order is confirmed; an inspection of a lot does not have to wait for one.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"), default=None)
    lot_no: Mapped[str] = mapped_column(String(40))
    standard: Mapped[str] = mapped_column(String(100))
    standard_version: Mapped[str] = mapped_column(String(20))
    instrument: Mapped[str] = mapped_column(String(100), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="draft")  # InspectionStatus
    verdict: Mapped[str | None] = mapped_column(String(4), default=None)  # pass | fail, set on submit
    inspector_id: Mapped[int | None] = mapped_column(Integer, default=None)
    inspector_name: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    approver_id: Mapped[int | None] = mapped_column(Integer, default=None)
    approver_name: Mapped[str] = mapped_column(String(100), default="")
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    changed_by: Mapped[str] = mapped_column(String(100), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    characteristics: Mapped[list[Characteristic]] = relationship(
        back_populates="inspection", lazy="raise", order_by="Characteristic.seq", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Characteristic(BigIntAuditBase):
    """One measured feature. ``measured`` holds the samples as decimal strings (exact, any count)."""

    __tablename__ = "qc_characteristics"
    __table_args__ = (
        UniqueConstraint("inspection_id", "seq", name="uq_qc_characteristics_inspection_seq"),
        CheckConstraint("lower_tol <= upper_tol", name="tolerance_ordered"),
    )

    inspection_id: Mapped[int] = mapped_column(ForeignKey("qc_inspections.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    nominal: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    lower_tol: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    upper_tol: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(20), default="mm")
    measured: Mapped[list[str]] = mapped_column(JsonB, default=list)
    verdict: Mapped[str | None] = mapped_column(String(4), default=None)

    inspection: Mapped[Inspection] = relationship(back_populates="characteristics", lazy="raise")


class QcReport(BigIntAuditBase):
    __tablename__ = "qc_reports"

    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("qc_inspections.id", ondelete="CASCADE"), unique=True
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    # The download link's secret: 256 random bits. Not the only check: the portal still scopes by customer.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    published_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    published_by: Mapped[str] = mapped_column(String(100))


class ReportDownload(BigIntAuditBase):
    __tablename__ = "qc_report_downloads"

    report_id: Mapped[int] = mapped_column(ForeignKey("qc_reports.id", ondelete="CASCADE"), index=True)
    viewer_kind: Mapped[str] = mapped_column(String(10))  # customer | staff
    viewer_id: Mapped[int | None] = mapped_column(Integer, default=None)
    viewer_name: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(Integer, default=None)
    ip: Mapped[str] = mapped_column(String(64), default="")


class Nonconformance(BigIntAuditBase):
    __tablename__ = "qc_nonconformances"
    __table_args__ = (Index("ix_qc_nonconformances_status_id", "status", "id"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    inspection_id: Mapped[int] = mapped_column(
        ForeignKey("qc_inspections.id", ondelete="CASCADE"), unique=True
    )
    description: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    status: Mapped[str] = mapped_column(String(8), default="open")  # open | closed
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    closed_by: Mapped[str] = mapped_column(String(100), default="")
    closing_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
