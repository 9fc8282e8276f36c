"""Inbound events are acted on once: the first copy claims the event, every replay finds the claim.

The claim is committed on its own, before the work (so a concurrent copy sees it at once and does
nothing), and settled in the work's transaction (``created``) or on its own (``invalid``). A claim
left unsettled by a crash is taken over by a later retry, so a crash never loses the event.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.integrations.models import ProcessedEvent

CLAIMED = "claimed"
ABANDONED_AFTER = dt.timedelta(minutes=5)


async def already_processed(session: AsyncSession, source: str, event_key: str) -> bool:
    """Settled already (a claim still in flight is for ``claim_event`` to judge)."""
    found = await session.scalar(
        select(ProcessedEvent.id).where(
            ProcessedEvent.source == source,
            ProcessedEvent.event_key == event_key,
            ProcessedEvent.outcome != CLAIMED,
        )
    )
    return found is not None


async def claim_event(
    session: AsyncSession, source: str, event_key: str, *, now: dt.datetime | None = None
) -> int | None:
    """The claim's id, or None when another copy holds or has settled it. The caller commits at once."""
    now = now or utcnow()
    try:
        async with session.begin_nested():
            event = ProcessedEvent(source=source, event_key=event_key[:200], outcome=CLAIMED)
            session.add(event)
            await session.flush()
        return event.id
    except IntegrityError:
        pass  # already seen: read its outcome below
    existing = await session.scalar(
        select(ProcessedEvent)
        .where(ProcessedEvent.source == source, ProcessedEvent.event_key == event_key[:200])
        .execution_options(populate_existing=True)  # as the row is now (settle_event writes past the ORM)
    )
    if existing is None or existing.outcome != CLAIMED or existing.updated_at >= now - ABANDONED_AFTER:
        return None
    taken = await session.execute(
        update(ProcessedEvent)
        .where(ProcessedEvent.id == existing.id, ProcessedEvent.updated_at == existing.updated_at)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return existing.id if taken.rowcount == 1 else None  # type: ignore[attr-defined]


async def settle_event(
    session: AsyncSession, event_id: int, *, outcome: str, order_no: str | None = None, detail: str = ""
) -> None:
    await session.execute(
        update(ProcessedEvent)
        .where(ProcessedEvent.id == event_id)
        .values(outcome=outcome, order_no=order_no, detail=detail[:500])
        .execution_options(synchronize_session=False)
    )


async def forget_event(session: AsyncSession, event_id: int) -> None:
    """Drop an unsettled claim after a failure, so the sender's retry is acted on."""
    await session.execute(
        delete(ProcessedEvent).where(ProcessedEvent.id == event_id, ProcessedEvent.outcome == CLAIMED)
    )
