"""`litestar api purge-keys`: forget Idempotency-Keys older than a day (run it daily, e.g. from cron)."""

from __future__ import annotations

import asyncio

import click
from litestar.plugins import CLIPluginProtocol
from sqlalchemy.ext.asyncio import AsyncSession

from domain.api_access.idempotency import KEEP_FOR, purge


class ApiCLIPlugin(CLIPluginProtocol):
    def on_cli_init(self, cli: click.Group) -> None:
        @cli.group(name="api")
        def api_group() -> None:
            """The JSON API."""

        @api_group.command(name="purge-keys")
        def purge_keys() -> None:
            """Delete Idempotency-Keys older than the time they are kept."""
            from app import build_engine
            from config import Settings

            async def run() -> int:
                engine = build_engine(Settings())
                try:
                    async with AsyncSession(engine) as session:
                        count = await purge(session)
                        await session.commit()
                        return count
                finally:
                    await engine.dispose()

            click.echo(
                f"{asyncio.run(run())} idempotency keys older than {KEEP_FOR.total_seconds() / 3600:.0f} h deleted."
            )
