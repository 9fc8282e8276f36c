from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase, DateTimeUTC
from domain.orders.models import SalesOrder


class DeliveryRating(BigIntAuditBase):
    """One rating per order, given once by a buyer of the ordering company (it is a record of how that
    delivery went, so it is not edited afterwards; a later complaint goes through after-sales)."""

    __tablename__ = "delivery_ratings"
    __table_args__ = (
        UniqueConstraint("order_id", name="uq_delivery_ratings_order_id"),
        Index("ix_delivery_ratings_customer_created", "customer_id", "created_at"),
        CheckConstraint(
            "delivery_score BETWEEN 1 AND 5 AND quality_score BETWEEN 1 AND 5 AND service_score BETWEEN 1 AND 5",
            name="scores_1_to_5",
        ),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    customer_user_id: Mapped[int | None] = mapped_column(Integer, default=None)
    rated_by: Mapped[str] = mapped_column(String(100))
    delivery_score: Mapped[int] = mapped_column(Integer)
    quality_score: Mapped[int] = mapped_column(Integer)
    service_score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")

    order: Mapped[SalesOrder] = relationship(lazy="raise")

    @property
    def lowest(self) -> int:
        return min(self.delivery_score, self.quality_score, self.service_score)


class CareTicket(BigIntAuditBase):
    """After-sales care, opened by a low rating: someone calls the customer and writes down the outcome."""

    __tablename__ = "care_tickets"
    __table_args__ = (
        UniqueConstraint("rating_id", name="uq_care_tickets_rating_id"),
        Index("ix_care_tickets_status_id", "status", "id"),
    )

    rating_id: Mapped[int] = mapped_column(ForeignKey("delivery_ratings.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | closed
    resolution: Mapped[str] = mapped_column(Text, default="")
    closed_by: Mapped[str] = mapped_column(String(100), default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    rating: Mapped[DeliveryRating] = relationship(lazy="raise")
    order: Mapped[SalesOrder] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
