from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import BigIntAuditBase


class ProcessedEvent(BigIntAuditBase):
    """An inbound event already acted on. The unique (source, event_key) makes a replayed callback
    (DingTalk retries until it hears "success") a no-op, even when two copies arrive at once."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("source", "event_key", name="uq_processed_events_source_key"),)

    source: Mapped[str] = mapped_column(String(20))  # "dingtalk"
    event_key: Mapped[str] = mapped_column(
        String(200)
    )  # e.g. "bpms_instance_change:<processInstanceId>:finish"
    outcome: Mapped[str] = mapped_column(
        String(20)
    )  # claimed (in flight) | created | invalid (the form could not become an order)
    order_no: Mapped[str | None] = mapped_column(String(20), default=None)
    detail: Mapped[str] = mapped_column(String(500), default="")
