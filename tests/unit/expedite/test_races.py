"""The customer withdraws an expedite request while PMC answers it, at the same moment: exactly one
wins and the other gets a clear answer (stale), on the app's own engine (row locks on PostgreSQL, the
write lock on SQLite). The winner commits, so this module seeds per test."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app import build_engine
from domain.actors import Actor
from domain.base import today_local, utcnow
from domain.errors import StaleVersion
from domain.expedite import services as ex
from domain.expedite.models import ExpediteRequest
from domain.orders.models import OrderEvent
from tests.conftest import make_settings
from tests.seed import Seed

PMC = Actor(kind="staff", id=None, name="Wang PMC", roles=frozenset({"pmc"}))


async def test_withdraw_and_answer_race_one_wins(database_url: str, seeded: Seed) -> None:
    buyer = Actor(
        kind="customer", id=1, name="buyer", roles=frozenset({"buyer"}), customer_id=seeded.customers["C001"]
    )
    engine = build_engine(make_settings(database_url))
    try:
        async with AsyncSession(engine, expire_on_commit=False) as setup:
            request = await ex.request_expedite(
                setup, order_no=seeded.orders["c001_in_production"], line_no=None,
                wanted_date=today_local() + dt.timedelta(days=5), reason="急", actor=buyer, now=utcnow(),
            )  # fmt: skip
            await setup.commit()
            request_id, version = request.id, request.version

        async with AsyncSession(engine, expire_on_commit=False) as first, AsyncSession(engine) as second:
            await ex.withdraw(
                first, request_id=request_id, expected_version=version, note="不急了", actor=buyer
            )
            await first.flush()  # holds the row, uncommitted
            racer = asyncio.create_task(
                ex.answer(
                    second,
                    request_id=request_id,
                    expected_version=version,
                    outcome="accepted",
                    new_date=today_local() + dt.timedelta(days=5),
                    alternatives=[],
                    explanation="可以",
                    compensation="",
                    actor=PMC,
                )
            )
            await asyncio.sleep(0.3)
            assert not racer.done()  # PMC's answer waits for the customer's withdrawal
            await first.commit()
            with pytest.raises((StaleVersion, StaleDataError)):
                await asyncio.wait_for(racer, timeout=20)
            await second.rollback()

        async with AsyncSession(engine) as check:
            stored = await check.get_one(ExpediteRequest, request_id)
            assert (stored.status, stored.outcome, stored.answered_by) == ("withdrawn", None, "")
            actions = (
                await check.scalars(select(OrderEvent.action).where(OrderEvent.kind == "expedite"))
            ).all()
            assert sorted(actions) == ["requested", "withdrawn"]
            count = await check.scalar(select(func.count()).select_from(ExpediteRequest))
            assert count == 1
    finally:
        await engine.dispose()
