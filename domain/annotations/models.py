"""Annotations on process photos and the replies in their threads.

The annotation itself is kept as a W3C Web Annotation document (``document``, see ``w3c.py``) so it can
leave the system unchanged (an export, a customer's own tool); the columns beside it are copies of what
the screens filter and sort by (photo, order, customer, work center, status) and the resolution, which
the W3C model has no field for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase, DateTimeUTC, JsonB


class Annotation(BigIntAuditBase):
    __tablename__ = "annotations"
    __table_args__ = (
        # "Open on my work centers", newest first.
        Index("ix_annotations_wc_status", "work_center_id", "status", "id"),
    )

    photo_id: Mapped[int] = mapped_column(ForeignKey("operation_photos.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    work_center_id: Mapped[int] = mapped_column(ForeignKey("work_centers.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("customer_users.id"))
    created_by_name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)  # the body's value, also in ``document``; kept for lists
    region_count: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JsonB)  # the W3C Web Annotation
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | resolved
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), default=None)
    resolved_by_name: Mapped[str] = mapped_column(String(100), default="")
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    replies: Mapped[list[AnnotationReply]] = relationship(
        back_populates="annotation", lazy="raise", order_by="AnnotationReply.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AnnotationReply(BigIntAuditBase):
    """One message in an annotation's thread, by a user of the same customer or by staff. Also a W3C
    annotation (motivation ``replying``, target = the annotation)."""

    __tablename__ = "annotation_replies"

    annotation_id: Mapped[int] = mapped_column(ForeignKey("annotations.id", ondelete="CASCADE"), index=True)
    author_kind: Mapped[str] = mapped_column(String(10))  # staff | customer
    author_id: Mapped[int | None] = mapped_column(Integer, default=None)
    author_name: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JsonB)

    annotation: Mapped[Annotation] = relationship(back_populates="replies", lazy="raise")
