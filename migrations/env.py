"""Alembic environment, driven by the app's own database config (`litestar database upgrade`)
or directly by tests and the bench through ``migrations.runner``."""

import asyncio
from typing import TYPE_CHECKING, cast

from advanced_alchemy.base import metadata_registry
from alembic import context
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import AsyncEngine, async_engine_from_config

import domain.models  # noqa: F401  (every table on the metadata)
import web.sessions  # noqa: F401  (the session store table)
from migrations.compare import compare_type, include_object

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

config = context.config


def _options() -> dict:
    return {
        "target_metadata": metadata_registry.get(getattr(config, "bind_key", None)),
        "include_object": include_object,
        "compare_type": compare_type,  # type changes too, minus SQLite's reflection blind spots
        "render_as_batch": True,  # SQLite cannot ALTER most things; batch mode copies the table
        "user_module_prefix": None,
    }


def run_migrations_offline() -> None:
    context.configure(
        url=config.db_url, literal_binds=True, dialect_opts={"paramstyle": "named"}, **_options()
    )
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: "Connection") -> None:
    context.configure(connection=connection, **_options())
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = getattr(config, "engine", None)
    if engine is None:
        section = config.get_section(config.config_ini_section) or {}
        section["sqlalchemy.url"] = config.db_url
        engine = async_engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    async with cast("AsyncEngine", engine).connect() as connection:
        await connection.run_sync(do_run_migrations)
        await connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
