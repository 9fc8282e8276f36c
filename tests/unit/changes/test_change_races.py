"""Races on PostgreSQL (and SQLite): two approvers on the same step, and a customer's change racing a
staff edit of the order. Each side gets a clear answer and exactly one wins. The winners commit, so
this module seeds per test (``seeded``) and uses the app's own engine set-up."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from app import build_engine
from domain.approvals.defaults import ensure_default_chains
from domain.approvals.models import ApprovalDecision
from domain.changes.models import ChangeRequest
from domain.changes.services import decide, request_change
from domain.errors import StaleVersion
from domain.orders.models import SalesOrder
from domain.orders.services import transition_order
from domain.parties.auth import hash_password
from domain.parties.models import StaffUser
from tests.conftest import make_settings
from tests.seed import Seed
from tests.unit.changes.helpers import customer, raw, staff


async def race(engine: Any, first: Callable[[AsyncSession], Awaitable[Any]],
               second: Callable[[AsyncSession], Awaitable[Any]]) -> BaseException | None:  # fmt: skip
    """``first`` writes and holds its transaction open while ``second`` starts; then ``first`` commits.
    Returns what ``second`` raised (None if it succeeded and committed)."""
    async with (
        AsyncSession(engine, expire_on_commit=False) as a,
        AsyncSession(engine, expire_on_commit=False) as b,
    ):
        await first(a)
        await a.flush()
        racer = asyncio.create_task(second(b))
        await asyncio.sleep(0.3)  # the racer is now waiting on the row lock / the write lock
        await a.commit()
        try:
            await asyncio.wait_for(racer, timeout=20)
        except (StaleVersion, StaleDataError) as exc:
            await b.rollback()
            return exc
        await b.commit()
        return None


async def test_two_approvers_on_the_same_step_one_wins(database_url: str, seeded: Seed) -> None:
    engine = build_engine(make_settings(database_url))
    try:
        async with AsyncSession(engine, expire_on_commit=False) as s:
            await ensure_default_chains(s)
            s.add(
                StaffUser(
                    username="pmc2", display_name="pmc2", roles=["pmc"], password_hash=hash_password("x")
                )
            )
            order = await s.scalar(
                select(SalesOrder).where(SalesOrder.order_no == seeded.orders["c001_submitted"])
            )
            assert order is not None
            cr = await request_change(s, order_no=order.order_no, expected_version=order.version,
                                      raw=raw(new_date=(order.requested_date + dt.timedelta(days=5)).isoformat()),
                                      actor=await customer(s, "c001-buyer"))  # fmt: skip
            await s.commit()
            number, version = cr.number, cr.version
            pmc, pmc2 = await staff(s, "pmc"), await staff(s, "pmc")
            pmc2 = type(pmc2)(kind="staff", id=await s.scalar(select(StaffUser.id).where(StaffUser.username == "pmc2")),
                              name="pmc2", roles=frozenset({"pmc"}))  # fmt: skip

        async def approve(actor: Any) -> Callable[[AsyncSession], Awaitable[Any]]:
            async def go(session: AsyncSession) -> Any:
                return await decide(session, number=number, decision="approve", comment="", expected_version=version,
                                    actor=actor)  # fmt: skip

            return go

        lost = await race(engine, await approve(pmc), await approve(pmc2))
        assert isinstance(lost, StaleVersion | StaleDataError)
        async with AsyncSession(engine) as check:
            cr = await check.scalar(select(ChangeRequest).where(ChangeRequest.number == number))
            assert cr is not None
            assert cr.status == "approved"
            assert cr.to_revision == 2
            signers = list(
                await check.scalars(
                    select(ApprovalDecision.staff_name).where(ApprovalDecision.subject_id == cr.id)
                )
            )
            assert signers == ["pmc"]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("customer_first", [True, False])
async def test_customer_change_racing_a_staff_edit_one_wins(
    database_url: str, seeded: Seed, customer_first: bool
) -> None:
    engine = build_engine(make_settings(database_url))
    order_no = seeded.orders["c001_submitted"]
    try:
        async with AsyncSession(engine, expire_on_commit=False) as s:
            await ensure_default_chains(s)
            await s.commit()
            version = await s.scalar(select(SalesOrder.version).where(SalesOrder.order_no == order_no))
            assert version is not None
            buyer, mgr = await customer(s, "c001-buyer"), await staff(s, "salesmgr")

        async def change(session: AsyncSession) -> Any:
            return await request_change(session, order_no=order_no, raw=raw(quantities={1: "77"}),
                                        expected_version=version, actor=buyer)  # fmt: skip

        async def confirm(session: AsyncSession) -> Any:
            return await transition_order(
                session, order_no=order_no, action="confirm", expected_version=version, actor=mgr
            )

        first, second = (change, confirm) if customer_first else (confirm, change)
        lost = await race(engine, first, second)
        async with AsyncSession(engine) as check:
            status, now_version = (await check.execute(
                select(SalesOrder.status, SalesOrder.version).where(SalesOrder.order_no == order_no))).one()  # fmt: skip
            requests = await check.scalar(select(func.count()).select_from(ChangeRequest))
        if customer_first:
            # The request does not bump the order's version: the confirmation still applies after it.
            assert lost is None
            assert (status, requests) == ("confirmed", 1)
        else:
            # The buyer's form was for the unconfirmed order: a clear 409, nothing stored.
            assert isinstance(lost, StaleVersion)
            assert (status, now_version, requests) == (
                "confirmed",
                version + 1,
                0,
            )
    finally:
        await engine.dispose()
