"""Inbound events are acted on once: claim, settle, replays, and a crashed claim taken over."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.integrations import services as events


async def test_first_claim_wins_and_settled_events_are_processed(session: AsyncSession) -> None:
    first = await events.claim_event(session, "dingtalk", "e1")
    assert first is not None
    assert await events.claim_event(session, "dingtalk", "e1") is None  # a concurrent copy
    assert not await events.already_processed(session, "dingtalk", "e1")  # in flight, not settled
    await events.settle_event(session, first, outcome="created", order_no="SO-2026-000001")
    assert await events.already_processed(session, "dingtalk", "e1")
    assert await events.claim_event(session, "dingtalk", "e1", now=utcnow() + dt.timedelta(hours=1)) is None
    assert await events.claim_event(session, "other-source", "e1") is not None  # keys are per source


async def test_a_claim_left_by_a_crash_is_taken_over_once(session: AsyncSession) -> None:
    first = await events.claim_event(session, "dingtalk", "e2")
    later = utcnow() + events.ABANDONED_AFTER + dt.timedelta(seconds=1)
    assert await events.claim_event(session, "dingtalk", "e2", now=later) == first
    assert await events.claim_event(session, "dingtalk", "e2", now=later) is None


async def test_forget_gives_the_event_back(session: AsyncSession) -> None:
    first = await events.claim_event(session, "dingtalk", "e3")
    assert first is not None
    await events.forget_event(session, first)
    assert await events.claim_event(session, "dingtalk", "e3") is not None
