"""Run Alembic from code (tests, bench): the same migrations `litestar database upgrade` runs."""

from __future__ import annotations

from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.config import EngineConfig
from advanced_alchemy.extensions.litestar import AlembicAsyncConfig, SQLAlchemyAsyncConfig
from sqlalchemy.pool import NullPool

from config import ROOT


def upgrade(database_url: str, revision: str = "head") -> None:
    """Migrate ``database_url`` to ``revision``. Call it outside a running event loop (env.py uses asyncio.run)."""
    config = SQLAlchemyAsyncConfig(
        connection_string=database_url,
        engine_config=EngineConfig(poolclass=NullPool),
        alembic_config=AlembicAsyncConfig(script_location=str(ROOT / "migrations"), render_as_batch=True),
    )
    AlembicCommands(sqlalchemy_config=config).upgrade(revision=revision)
