from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.outbox.models import OutboxMessage


def record_event(
    session: AsyncSession, event: str, *, aggregate_type: str, aggregate_id: str, payload: dict[str, Any]
) -> OutboxMessage:
    """Add an event to the caller's transaction: it exists exactly when the change it describes commits."""
    message = OutboxMessage(
        event=event, aggregate_type=aggregate_type, aggregate_id=aggregate_id, payload=payload
    )
    session.add(message)
    return message
