"""Test databases: migrated once per run (through Alembic, as production is), wiped and seeded per test.

SQLite by default; PostgreSQL when DATABASE_URL points at a server — the tests then create a database
of their own on it (and drop it afterwards), so they never touch the database the URL names.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from config import Settings, normalise_db_url
from domain.base import metadata
from migrations.runner import upgrade
from tests.seed import Seed, seed

os.environ.setdefault("ARGON2_TIME_COST", "1")
os.environ.setdefault("ARGON2_MEMORY_KIB", "1024")
# Photos a test stores without naming a folder (the demo loader) go to a scratch folder, never var/.
os.environ.setdefault("UPLOAD_DIR", tempfile.mkdtemp(prefix="op-test-uploads-"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = os.environ.get("DATABASE_URL")
    if not server:
        # In memory-backed /dev/shm when there is one: the app commits with synchronous=FULL, and a
        # disk's fsync per request would be most of the suite's time. Durability is not under test here.
        shm = Path("/dev/shm")  # noqa: S108  (mkdtemp below: private, randomly named)
        folder = (
            Path(tempfile.mkdtemp(prefix="op-test-", dir=shm))
            if shm.is_dir()
            else tmp_path_factory.mktemp("db")
        )
        url = f"sqlite+aiosqlite:///{folder / 'test.db'}"
        upgrade(url)
        yield url
        shutil.rmtree(folder, ignore_errors=True)
        return
    server = normalise_db_url(server)
    name = f"op_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_url = re.sub(r"/[^/?]*(\?|$)", r"/postgres\1", server.split("://", 1)[1], count=1)
    admin_url = server.split("://", 1)[0] + "://" + admin_url

    async def admin(sql: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        async with engine.connect() as conn:
            await conn.execute(text(sql))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/postgres(\?|$)", rf"/{name}\1", admin_url, count=1)
    upgrade(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _tables_in_delete_order() -> list[str]:
    return [t.name for t in reversed(metadata.sorted_tables)]


async def _reset_and_seed(url: str) -> Seed:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            # DELETE, not TRUNCATE, on both databases: on a few small tables PostgreSQL's TRUNCATE
            # (new files, exclusive locks) costs ~5x more, and it runs before almost every test.
            # Ids therefore keep growing across tests: tests read them from the Seed, never assume them.
            for table in _tables_in_delete_order():
                await conn.execute(text(f'DELETE FROM "{table}"'))
        async with AsyncSession(engine, expire_on_commit=False) as session:
            result = await seed(session)
            await session.commit()
        return result
    finally:
        await engine.dispose()


@pytest.fixture
def seeded(database_url: str) -> Seed:
    """A freshly wiped and seeded database (sync fixture: web tests run the app in its own loop)."""
    from domain.parties.auth import configure_hasher

    configure_hasher(1, 1024)
    return asyncio.run(_reset_and_seed(database_url))


@pytest.fixture
async def session(database_url: str, seeded: Seed) -> AsyncIterator[AsyncSession]:
    """A session on the seeded database for domain tests; nothing it does is committed."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    async with AsyncSession(engine, expire_on_commit=False) as s:
        yield s
        await s.rollback()
    await engine.dispose()


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": "test-secret-" + "x" * 32,
        "argon2_time_cost": 1,
        "argon2_memory_kib": 1024,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def app(database_url: str, seeded: Seed) -> Litestar:
    from app import create_app

    return create_app(make_settings(database_url))


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=app, base_url="http://testserver.local") as c:
        yield c


@pytest.fixture
def tmp_dir(tmp_path: Path) -> Path:
    return tmp_path
