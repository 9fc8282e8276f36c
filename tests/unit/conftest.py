"""Domain-test fixtures: one seed per module, one rolled-back session per test.

Domain commands never commit, so a test that only ever rolls back can share the module's seed with
every other test of the module: the database is wiped and seeded once, not once per test.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

from domain.orders.models import SalesOrder
from domain.parties.auth import configure_hasher
from tests.conftest import _reset_and_seed
from tests.seed import Seed


@pytest.fixture(scope="module")
def module_seed(database_url: str) -> Seed:
    """The seeded database, shared by a module whose tests use ``db`` (and therefore never commit)."""
    configure_hasher(1, 1024)
    return asyncio.run(_reset_and_seed(database_url))


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def module_engine(database_url: str, module_seed: Seed) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture(loop_scope="module")
async def db(module_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session on the module's seed; everything the test does is rolled back at the end.

    Modules using it run their tests in one event loop per module: ``pytestmark = MODULE_LOOP``.
    """
    async with AsyncSession(module_engine, expire_on_commit=False) as s:
        yield s
        await s.rollback()


MODULE_LOOP = pytest.mark.asyncio(loop_scope="module")


async def put_in_status(
    session: AsyncSession, order_no: str, status: str, *, held_from: str | None = None
) -> int:
    """Test set-up: place an order in ``status`` directly (no command, no timeline); returns its version."""
    await session.execute(
        update(SalesOrder)
        .where(SalesOrder.order_no == order_no)
        .values(status=status, held_from=held_from)
        .execution_options(synchronize_session=False)
    )
    version = await session.scalar(select(SalesOrder.version).where(SalesOrder.order_no == order_no))
    assert version is not None
    return version
