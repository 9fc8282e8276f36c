"""Inbound events are acted on once: the first copy records itself, every replay finds the record."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.integrations.models import ProcessedEvent


async def already_processed(session: AsyncSession, source: str, event_key: str) -> bool:
    found = await session.scalar(
        select(ProcessedEvent.id).where(
            ProcessedEvent.source == source, ProcessedEvent.event_key == event_key
        )
    )
    return found is not None


async def claim_event(session: AsyncSession, source: str, event_key: str) -> ProcessedEvent | None:
    """Record the event in the caller's transaction, or None when another copy got there first. On
    PostgreSQL a concurrent copy waits on the unique key until the first commits, then gets None."""
    event = ProcessedEvent(source=source, event_key=event_key[:200], outcome="created")
    try:
        async with session.begin_nested():
            session.add(event)
            await session.flush()
    except IntegrityError:
        return None
    return event
