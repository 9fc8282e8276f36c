"""Passwords (argon2) and sign-in throttling per account and per client address."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.base import utcnow
from domain.errors import Throttled
from domain.parties.models import CustomerUser, LoginAttempt, StaffUser

_hasher = PasswordHasher()
# Verified when the username is unknown, so both paths cost the same and timing does not reveal accounts.
_dummy_hash = _hasher.hash("not-a-password")


def configure_hasher(time_cost: int, memory_kib: int) -> None:
    global _hasher, _dummy_hash
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
    _dummy_hash = _hasher.hash("not-a-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class ThrottlePolicy:
    window_s: int = 900
    max_per_account: int = 5
    max_per_ip: int = 30


async def check_throttle(
    session: AsyncSession,
    *,
    face: str,
    username: str,
    ip: str,
    policy: ThrottlePolicy,
    now: dt.datetime | None = None,
) -> None:
    """Raise Throttled when the account or the address has failed too often in the window."""
    now = now or utcnow()
    since = now - dt.timedelta(seconds=policy.window_s)
    last_success = (
        select(func.max(LoginAttempt.created_at))
        .where(LoginAttempt.face == face, LoginAttempt.username == username, LoginAttempt.succeeded)
        .scalar_subquery()
    )
    account = await session.execute(
        select(func.count(), func.min(LoginAttempt.created_at)).where(
            LoginAttempt.face == face,
            LoginAttempt.username == username,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.created_at > since,
            LoginAttempt.created_at > func.coalesce(last_success, since),
        )
    )
    count, oldest = account.one()
    if count >= policy.max_per_account:
        raise Throttled(_retry_after(oldest, policy, now))
    by_ip = await session.execute(
        select(func.count(), func.min(LoginAttempt.created_at)).where(
            LoginAttempt.ip == ip, LoginAttempt.succeeded.is_(False), LoginAttempt.created_at > since
        )
    )
    count, oldest = by_ip.one()
    if count >= policy.max_per_ip:
        raise Throttled(_retry_after(oldest, policy, now))


def _retry_after(oldest: dt.datetime | None, policy: ThrottlePolicy, now: dt.datetime) -> int:
    if oldest is None:
        return policy.window_s
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=dt.UTC)
    return max(1, int((oldest + dt.timedelta(seconds=policy.window_s) - now).total_seconds()) + 1)


def record_attempt(session: AsyncSession, *, face: str, username: str, ip: str, succeeded: bool) -> None:
    session.add(LoginAttempt(face=face, username=username[:64], ip=ip[:64], succeeded=succeeded))


async def verify_staff(session: AsyncSession, username: str, password: str) -> StaffUser | None:
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username, StaffUser.active))
    ok = verify_password(user.password_hash if user else None, password)
    return user if ok else None


async def verify_customer_user(session: AsyncSession, username: str, password: str) -> CustomerUser | None:
    user = await session.scalar(
        select(CustomerUser)
        .options(joinedload(CustomerUser.customer))
        .where(CustomerUser.username == username, CustomerUser.active)
    )
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.customer.active:
        return None
    return user
