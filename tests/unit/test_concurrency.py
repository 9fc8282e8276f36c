"""Two people press a button on the same order at the same moment: one wins, the other hears "stale".

Runs the app's own engine set-up (WAL and busy timeout on SQLite; row locks on PostgreSQL) so the race
is the one production would see. The winner commits, so this module seeds per test.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app import build_engine
from domain.actors import Actor
from domain.errors import StaleVersion
from domain.orders.models import OrderEvent, SalesOrder
from domain.orders.services import transition_order
from tests.conftest import make_settings
from tests.seed import Seed

MANAGER = Actor(kind="staff", id=3, name="Zhang Min", roles=frozenset({"sales_manager"}))
PMC = Actor(kind="staff", id=4, name="Wang Fang", roles=frozenset({"pmc"}))


async def test_the_second_of_two_racing_writers_gets_a_stale_answer(database_url: str, seeded: Seed) -> None:
    order_no = seeded.orders["c001_submitted"]  # version 2
    engine = build_engine(make_settings(database_url))
    try:
        async with AsyncSession(engine, expire_on_commit=False) as first, AsyncSession(engine) as second:
            await transition_order(
                first, order_no=order_no, action="confirm", expected_version=2, actor=MANAGER
            )
            await first.flush()  # first holds the row (PostgreSQL) / the write lock (SQLite), uncommitted

            racer = asyncio.create_task(
                transition_order(
                    second,
                    order_no=order_no,
                    action="hold",
                    expected_version=2,
                    actor=PMC,
                    comment="no steel",
                )
            )
            await asyncio.sleep(0.3)  # the racer is now waiting on the lock
            assert not racer.done()
            await first.commit()
            with pytest.raises((StaleVersion, StaleDataError)):
                await asyncio.wait_for(racer, timeout=20)
            await second.rollback()

        async with AsyncSession(engine) as check:
            order = await check.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no))
            assert order is not None
            assert (order.status, order.version, order.changed_by) == ("confirmed", 3, "Zhang Min")
            transitions = await check.scalar(
                select(func.count()).where(
                    OrderEvent.order_id == order.id, OrderEvent.version == 3, OrderEvent.kind == "transition"
                )
            )
            assert transitions == 1
    finally:
        await engine.dispose()
