from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import BigIntAuditBase, DateTimeUTC, JsonB


class ApiClient(BigIntAuditBase):
    """Another system allowed to call /api/v1. Only the SHA-256 of its token is stored: the token
    itself is shown once, when the client is created, and cannot be recovered from the database."""

    __tablename__ = "api_clients"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JsonB, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, so an admin can tell which token a log line or a caller means.
    token_prefix: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[str] = mapped_column(String(100), default="")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    revoked_by: Mapped[str] = mapped_column(String(100), default="")
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class IdempotencyRecord(BigIntAuditBase):
    """One Idempotency-Key of one client: claimed (``response_status`` empty) while the first request
    runs, then holding that request's answer to replay. The unique key is what stops two concurrent
    requests with one key from both creating an order."""

    __tablename__ = "api_idempotency_keys"
    __table_args__ = (
        UniqueConstraint("client_id", "key", name="uq_api_idempotency_keys_client_key"),
        Index("ix_api_idempotency_keys_created_at", "created_at"),
    )

    client_id: Mapped[int] = mapped_column(ForeignKey("api_clients.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the canonical JSON body
    response_status: Mapped[int | None] = mapped_column(Integer, default=None)
    # The exact bytes sent (as text), so a replay is byte-for-byte the first answer (JSONB would reorder keys).
    response_body: Mapped[str | None] = mapped_column(Text, default=None)
    response_headers: Mapped[dict[str, str]] = mapped_column(JsonB, default=dict)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
