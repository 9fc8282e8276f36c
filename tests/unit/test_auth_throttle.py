"""Passwords and sign-in throttling: per account (reset by a success) and per client address."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from config import Settings
from domain.base import utcnow
from domain.errors import Throttled
from domain.parties.auth import (
    ThrottlePolicy,
    check_throttle,
    hash_password,
    record_attempt,
    verify_customer_user,
    verify_password,
    verify_staff,
)
from domain.parties.models import Customer, CustomerUser, StaffUser
from tests.seed import PASSWORD, Seed
from tests.unit.conftest import MODULE_LOOP

POLICY = ThrottlePolicy(window_s=60, max_per_account=3, max_per_ip=5)
IP = "203.0.113.7"
OTHER_IP = "198.51.100.1"


async def fail(db: AsyncSession, username: str, *, times: int = 1, ip: str = IP, face: str = "staff") -> None:
    for _ in range(times):
        record_attempt(db, face=face, username=username, ip=ip, succeeded=False)
    await db.flush()


async def succeed(db: AsyncSession, username: str, *, ip: str = IP, face: str = "staff") -> None:
    record_attempt(db, face=face, username=username, ip=ip, succeeded=True)
    await db.flush()


async def check(
    db: AsyncSession, username: str, *, ip: str = IP, face: str = "staff", now: dt.datetime | None = None
) -> None:
    await check_throttle(db, face=face, username=username, ip=ip, policy=POLICY, now=now)


def test_the_defaults_are_five_per_account_and_thirty_per_address_in_fifteen_minutes() -> None:
    assert dataclasses.astuple(ThrottlePolicy()) == (900, 5, 30)
    settings = Settings(database_url="sqlite+aiosqlite://", secret_key="x")
    assert (settings.login_window_s, settings.login_max_per_account, settings.login_max_per_ip) == (
        900,
        5,
        30,
    )


@MODULE_LOOP
async def test_failures_below_the_limit_do_not_lock(db: AsyncSession, module_seed: Seed) -> None:
    await fail(db, "sales", times=POLICY.max_per_account - 1)
    await check(db, "sales")  # no exception


@MODULE_LOOP
async def test_the_limit_locks_the_account_with_a_retry_after(db: AsyncSession, module_seed: Seed) -> None:
    await fail(db, "sales", times=POLICY.max_per_account)
    with pytest.raises(Throttled) as raised:
        await check(db, "sales")
    assert 1 <= raised.value.retry_after_s <= POLICY.window_s + 1
    assert raised.value.retry_after_s >= POLICY.window_s - 5

    # Later in the window the wait is shorter; after the window the account is open again.
    with pytest.raises(Throttled) as later:
        await check(db, "sales", now=utcnow() + dt.timedelta(seconds=40))
    assert later.value.retry_after_s <= POLICY.window_s - 40 + 1
    await check(db, "sales", now=utcnow() + dt.timedelta(seconds=POLICY.window_s + 1))


@MODULE_LOOP
async def test_a_locked_account_does_not_lock_others_or_the_other_face(
    db: AsyncSession, module_seed: Seed
) -> None:
    await fail(db, "sales", times=POLICY.max_per_account)
    with pytest.raises(Throttled):
        await check(db, "sales")
    await check(db, "salesmgr")
    await check(db, "sales", face="portal")


@MODULE_LOOP
async def test_a_success_resets_the_account_count(db: AsyncSession, module_seed: Seed) -> None:
    await fail(db, "sales", times=POLICY.max_per_account - 1)
    await succeed(db, "sales")
    await fail(db, "sales", times=POLICY.max_per_account - 1)
    await check(db, "sales")  # 4 failures in the window, but only 2 since the success
    await fail(db, "sales")
    with pytest.raises(Throttled):
        await check(db, "sales")


@MODULE_LOOP
async def test_many_failures_from_one_address_lock_that_address_for_every_account(
    db: AsyncSession, module_seed: Seed
) -> None:
    for i in range(POLICY.max_per_ip):
        await fail(db, f"guess-{i}")  # one try per account: no account reaches its own limit
    for username in ("sales", "someone-new"):
        with pytest.raises(Throttled):
            await check(db, username)
    with pytest.raises(Throttled):
        await check(db, "c001-buyer", face="portal")  # the address is locked on both faces
    await check(db, "sales", ip=OTHER_IP)


@MODULE_LOOP
async def test_a_success_does_not_reset_the_address_count(db: AsyncSession, module_seed: Seed) -> None:
    for i in range(POLICY.max_per_ip - 1):
        await fail(db, f"guess-{i}")
    await succeed(db, "sales")
    await fail(db, "guess-last")
    with pytest.raises(Throttled):
        await check(db, "sales")


# --- passwords ------------------------------------------------------------------------------------------


def test_password_hashes_verify_only_the_right_password() -> None:
    hashed = hash_password("correct horse")
    assert hashed != "correct horse"
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "correct horsE")
    assert not verify_password(None, "not-a-password")  # the dummy hash for unknown users
    assert not verify_password("garbage", "correct horse")


@MODULE_LOOP
async def test_staff_sign_in(db: AsyncSession, module_seed: Seed) -> None:
    user = await verify_staff(db, "salesmgr", PASSWORD)
    assert user is not None
    assert user.roles == ["sales_manager"]
    assert await verify_staff(db, "salesmgr", PASSWORD + "x") is None
    assert await verify_staff(db, "nobody", PASSWORD) is None
    assert await verify_staff(db, "c001-buyer", PASSWORD) is None  # a customer is not staff
    await db.execute(update(StaffUser).where(StaffUser.username == "salesmgr").values(active=False))
    assert await verify_staff(db, "salesmgr", PASSWORD) is None


@MODULE_LOOP
async def test_customer_sign_in(db: AsyncSession, module_seed: Seed) -> None:
    user = await verify_customer_user(db, "c001-qe", PASSWORD)
    assert user is not None
    assert (user.role, user.customer.code) == ("qc_engineer", "C001")
    assert await verify_customer_user(db, "c001-qe", "wrong") is None
    assert await verify_customer_user(db, "sales", PASSWORD) is None  # staff is not a customer user
    await db.execute(update(CustomerUser).where(CustomerUser.username == "c001-qe").values(active=False))
    assert await verify_customer_user(db, "c001-qe", PASSWORD) is None
    await db.execute(update(Customer).where(Customer.code == "C002").values(active=False))
    assert await verify_customer_user(db, "c002-buyer", PASSWORD) is None  # the whole company is off
