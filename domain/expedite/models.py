from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase, DateTimeUTC, JsonB
from domain.orders.models import SalesOrder, SalesOrderLine


class ExpediteRequest(BigIntAuditBase):
    """One request for an earlier date on an order (``line_id`` None) or on one line.

    ``status`` follows ``domain.expedite.lifecycle``; ``feasibility`` keeps the last check PMC ran
    (so the answer can be read against what the floor looked like then); ``alternatives`` is the list
    offered with a partial answer, ``chosen`` the index the customer accepted.
    """

    __tablename__ = "expedite_requests"
    __table_args__ = (
        # PMC's queue: open requests, oldest first.
        Index("ix_expedite_requests_status_created", "status", "created_at"),
    )

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    line_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order_lines.id", ondelete="CASCADE"), default=None
    )
    wanted_date: Mapped[dt.date] = mapped_column(Date)
    current_date: Mapped[dt.date | None] = mapped_column(Date, default=None)  # promised (or requested) then
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    requested_by_id: Mapped[int | None] = mapped_column(Integer, default=None)
    requested_by: Mapped[str] = mapped_column(String(100))
    sla_due_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
    feasibility: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)  # accepted | partial | declined
    new_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")
    compensation: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(100), default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    chosen: Mapped[int | None] = mapped_column(Integer, default=None)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    closed_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    order: Mapped[SalesOrder] = relationship(lazy="raise")
    line: Mapped[SalesOrderLine | None] = relationship(lazy="raise")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
