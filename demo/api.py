"""The demo API client: token ``op_demo_token`` (demo data only: anyone who reads this file knows it)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.api_access.models import ApiClient
from domain.api_access.services import SCOPES, create_client
from domain.parties.roles import StaffRole

DEMO_TOKEN = "op_demo_token"  # noqa: S105 (demo data, printed with the demo logins)
DEMO_CLIENT = "Demo ERP"


async def ensure_demo_api_client(session: AsyncSession) -> bool:
    """Create the demo client once; answer whether it was created."""
    if await session.scalar(select(ApiClient.id).where(ApiClient.name == DEMO_CLIENT)) is not None:
        return False
    admin = Actor(kind="staff", id=None, name="demo", roles=frozenset({StaffRole.ADMIN}))
    await create_client(session, name=DEMO_CLIENT, scopes=SCOPES, actor=admin, token=DEMO_TOKEN)
    return True
