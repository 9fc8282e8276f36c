"""Notifications go to the named people once each, and a user can only mark their own read."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.notifications.models import Notification
from domain.notifications.services import mark_read, notify_staff, staff_with_roles, unread_count
from domain.parties.models import StaffUser
from tests.seed import Seed


async def test_notify_dedupes_recipients_and_counts_unread(session: AsyncSession, seeded: Seed) -> None:
    staff = (await session.scalars(select(StaffUser).order_by(StaffUser.id))).all()
    a, b = staff[0].id, staff[1].id
    notify_staff(
        session, [a, a, b], kind="test", message="Hello %(name)s", params={"name": "x"}, link="/backoffice"
    )
    await session.flush()
    assert await unread_count(session, staff_user_id=a) == 1
    assert await unread_count(session, staff_user_id=b) == 1
    mine = await session.scalar(select(Notification.id).where(Notification.staff_user_id == a))
    theirs = await session.scalar(select(Notification.id).where(Notification.staff_user_id == b))
    # b cannot mark a's notification read through an id
    assert await mark_read(session, staff_user_id=b, ids=[mine]) == 0
    assert await unread_count(session, staff_user_id=a) == 1
    assert await mark_read(session, staff_user_id=b, ids=[theirs]) == 1
    assert await unread_count(session, staff_user_id=b) == 0


async def test_staff_with_roles_picks_active_holders(session: AsyncSession, seeded: Seed) -> None:
    rows = (await session.execute(select(StaffUser.id, StaffUser.roles, StaffUser.active))).all()
    expected = sorted(uid for uid, roles, active in rows if active and "pmc" in (roles or []))
    assert expected, "the seed has a PMC planner"
    assert sorted(await staff_with_roles(session, ["pmc"])) == expected
