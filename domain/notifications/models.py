from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import BigIntAuditBase, DateTimeUTC, JsonB


class Notification(BigIntAuditBase):
    """One item in one person's list. Exactly one of ``staff_user_id`` / ``customer_user_id`` is set.

    The text is a message id plus parameters (``message``/``params``), translated when shown, so a
    Chinese team lead and an English-speaking manager read the same notification in their language.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        # "My unread, newest first" and the badge count read this index only.
        Index("ix_notifications_staff_unread", "staff_user_id", "read_at", "id"),
        Index("ix_notifications_customer_unread", "customer_user_id", "read_at", "id"),
        # The list, newest first, read and unread together (migration 0008): without it a long history is
        # sorted on every page.
        Index("ix_notifications_staff_newest", "staff_user_id", "id"),
        Index("ix_notifications_customer_newest", "customer_user_id", "id"),
    )

    staff_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), default=None
    )
    customer_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_users.id", ondelete="CASCADE"), default=None
    )
    kind: Mapped[str] = mapped_column(String(40))  # e.g. annotation.created, order.red_flag
    message: Mapped[str] = mapped_column(String(300))  # msgid, marked with N_ where it is defined
    params: Mapped[dict[str, Any]] = mapped_column(JsonB, default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")  # path inside the recipient's face
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_orders.id", ondelete="CASCADE"), default=None
    )
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
