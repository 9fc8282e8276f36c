"""Creating and reading notifications. Commands add to the caller's transaction and never commit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.notifications.models import Notification
from domain.parties.models import StaffUser

__all__ = [
    "NotificationPage",
    "list_notifications",
    "mark_read",
    "notify_customers",
    "notify_staff",
    "staff_with_roles",
    "unread_count",
]


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


def notify_customers(
    session: AsyncSession,
    user_ids: Iterable[int],
    *,
    kind: str,
    message: str,
    params: Mapping[str, Any] | None = None,
    link: str = "",
    order_id: int | None = None,
) -> list[Notification]:
    """The same for portal users (``link`` is a portal path)."""
    items = [
        Notification(
            customer_user_id=uid,
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


def _recipient(staff_user_id: int | None, customer_user_id: int | None) -> Any:
    """Exactly one recipient, named by keyword, so a staff id is never read as a customer user's."""
    if (staff_user_id is None) == (customer_user_id is None):
        raise ValueError("name exactly one of staff_user_id / customer_user_id")
    if staff_user_id is not None:
        return Notification.staff_user_id == staff_user_id
    return Notification.customer_user_id == customer_user_id


async def unread_count(
    session: AsyncSession, *, staff_user_id: int | None = None, customer_user_id: int | None = None
) -> int:
    """One count over the (recipient, read_at) index: cheap enough for every page's bell."""
    stmt = select(func.count()).where(
        _recipient(staff_user_id, customer_user_id), Notification.read_at.is_(None)
    )
    return int(await session.scalar(stmt) or 0)


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    page: int
    per_page: int
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1


async def list_notifications(
    session: AsyncSession,
    *,
    staff_user_id: int | None = None,
    customer_user_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
) -> NotificationPage:
    """Newest first, one page; one row more than the page is read to know whether another follows."""
    page = min(max(page, 1), 10_000)
    rows = list(
        (
            await session.scalars(
                select(Notification)
                .where(_recipient(staff_user_id, customer_user_id))
                .order_by(Notification.id.desc())
                .limit(per_page + 1)
                .offset((page - 1) * per_page)
            )
        ).all()
    )
    return NotificationPage(rows[:per_page], page, per_page, len(rows) > per_page)


async def mark_read(
    session: AsyncSession,
    *,
    staff_user_id: int | None = None,
    customer_user_id: int | None = None,
    ids: Iterable[int] | None = None,
) -> int:
    """Mark the user's notifications read (all of them when ``ids`` is None); returns how many changed.
    Scoped by recipient, so an id of someone else's notification changes nothing."""
    stmt = (
        update(Notification)
        .where(_recipient(staff_user_id, customer_user_id), Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    result = await session.execute(stmt)
    return int(result.rowcount or 0)
