"""Reads of the promise for the screens: the review queue, an order's latest check, the customer's view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orders.lifecycle import Status
from domain.orders.models import SalesOrder
from domain.parties.models import Customer
from domain.promise.models import PromiseCheck

__all__ = ["ReviewItem", "checks_for_order", "in_review", "review_queue"]

QUEUE_LIMIT = 200


@dataclass(frozen=True)
class ReviewItem:
    order_no: str
    version: int
    customer_code: str
    customer_name: str
    requested_date: dt.date
    promised_date: dt.date | None  # what the check computed (not yet promised to the customer)
    total_gross: Any
    line_count: int
    checked_at: dt.datetime
    flags: list[dict[str, Any]]
    suggestions: list[dict[str, Any]]
    credit_overridden: bool

    @property
    def checks(self) -> list[str]:
        return list(dict.fromkeys(f["check"] for f in self.flags))


async def review_queue(session: AsyncSession, *, check: str = "") -> list[ReviewItem]:
    """Submitted orders whose latest promise check waits for a decision, oldest first (one query)."""
    stmt = (
        select(PromiseCheck, SalesOrder, Customer.code, Customer.name)
        .join(SalesOrder, SalesOrder.id == PromiseCheck.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(PromiseCheck.needs_review.is_(True), SalesOrder.status == Status.SUBMITTED)
        .order_by(PromiseCheck.id)
        .limit(QUEUE_LIMIT)
    )
    items = []
    for c, o, code, name in await session.execute(stmt):
        item = ReviewItem(
            order_no=o.order_no, version=o.version, customer_code=code, customer_name=name,
            requested_date=o.requested_date, promised_date=c.promised_date, total_gross=o.total_gross,
            line_count=o.line_count, checked_at=c.created_at, flags=list(c.flags), suggestions=list(c.suggestions),
            credit_overridden=c.credit_override_at is not None,
        )  # fmt: skip
        if not check or check in item.checks:
            items.append(item)
    return items


async def checks_for_order(session: AsyncSession, order_id: int, *, limit: int = 20) -> list[PromiseCheck]:
    """The order's promise checks, newest first (the first is the one in force)."""
    return list(
        await session.scalars(
            select(PromiseCheck)
            .where(PromiseCheck.order_id == order_id)
            .order_by(PromiseCheck.id.desc())
            .limit(limit)
        )
    )


async def in_review(session: AsyncSession, order: SalesOrder) -> bool:
    """What the customer may know: the order waits for the supplier's review (no reasons, no numbers)."""
    if order.status != Status.SUBMITTED:
        return False
    latest = await session.scalar(
        select(PromiseCheck.needs_review)
        .where(PromiseCheck.order_id == order.id)
        .order_by(PromiseCheck.id.desc())
        .limit(1)
    )
    return bool(latest)
