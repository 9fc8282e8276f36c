"""Demo data for change requests: the default approval chains (idempotent: only into an empty table)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals.defaults import ensure_default_chains


async def load_change_demo(session: AsyncSession) -> None:
    await ensure_default_chains(session)
