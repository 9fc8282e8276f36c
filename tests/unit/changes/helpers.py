"""Actors and set-up shared by the change-request domain tests."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.changes.proposal import RawChange
from domain.parties.models import CustomerUser, StaffUser
from tests.seed import STAFF


async def staff(session: AsyncSession, username: str) -> Actor:
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    assert user is not None
    return Actor(kind="staff", id=user.id, name=username, roles=frozenset(STAFF[username]))


async def customer(session: AsyncSession, username: str) -> Actor:
    user = await session.scalar(select(CustomerUser).where(CustomerUser.username == username))
    assert user is not None
    return Actor(kind="customer", id=user.id, name=user.display_name, roles=frozenset({user.role}),
                 customer_id=user.customer_id)  # fmt: skip


def raw(**kw: object) -> RawChange:
    values: dict[str, object] = {"reason": "customer_adjustment", "scope": "date_only"}
    values.update(kw)
    return RawChange(**values)  # type: ignore[arg-type]
