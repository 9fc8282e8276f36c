"""Creating and reading notifications. Commands add to the caller's transaction and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.notifications.models import Notification
from domain.parties.models import StaffUser

__all__ = ["mark_read", "notify_staff", "staff_with_roles", "unread_count"]


async def staff_with_roles(session: AsyncSession, roles: Iterable[str]) -> list[int]:
    """Ids of active staff holding any of ``roles`` (roles are a JSON list, so this filters in Python:
    the staff table is small)."""
    wanted = set(roles)
    rows = (
        await session.execute(select(StaffUser.id, StaffUser.roles).where(StaffUser.active.is_(True)))
    ).all()
    return [uid for uid, user_roles in rows if wanted.intersection(user_roles or ())]


def notify_staff(
    session: AsyncSession,
    user_ids: Iterable[int],
    *,
    kind: str,
    message: str,
    params: Mapping[str, Any] | None = None,
    link: str = "",
    order_id: int | None = None,
) -> list[Notification]:
    """One notification per distinct recipient, in the caller's transaction."""
    items = [
        Notification(
            staff_user_id=uid,
            kind=kind,
            message=message,
            params=dict(params or {}),
            link=link,
            order_id=order_id,
        )
        for uid in dict.fromkeys(user_ids)
    ]
    session.add_all(items)
    return items


async def unread_count(session: AsyncSession, *, staff_user_id: int) -> int:
    stmt = select(func.count()).where(
        Notification.staff_user_id == staff_user_id, Notification.read_at.is_(None)
    )
    return int(await session.scalar(stmt) or 0)


async def mark_read(session: AsyncSession, *, staff_user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when ``ids`` is None); returns how many changed.
    Scoped by recipient, so an id of someone else's notification changes nothing."""
    stmt = (
        update(Notification)
        .where(Notification.staff_user_id == staff_user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    result = await session.execute(stmt)
    return int(result.rowcount or 0)
