"""The changed-since feed for other systems: orders in (updated_at, id) order, paged by a cursor.

A cursor (rather than page numbers) keeps the pages stable while orders keep changing: each page
starts strictly after the last row of the previous one, so nothing is skipped or repeated.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orders.models import SalesOrder
from domain.parties.models import Customer


class BadCursor(ValueError):
    """A ``cursor`` that this feed did not hand out (tampered or truncated)."""


@dataclass(frozen=True)
class FeedRow:
    id: int
    order_no: str
    customer_code: str
    customer_po: str | None
    channel: str
    status: str
    requested_date: dt.date
    promised_date: dt.date | None
    total_net: Decimal
    total_tax: Decimal
    line_count: int
    version: int
    updated_at: dt.datetime


@dataclass(frozen=True)
class FeedPage:
    rows: list[FeedRow]
    next_cursor: str | None


def encode_cursor(updated_at: dt.datetime, order_id: int) -> str:
    raw = json.dumps([updated_at.astimezone(dt.UTC).isoformat(), order_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        stamp, order_id = json.loads(raw)
        when = dt.datetime.fromisoformat(stamp)
        if when.tzinfo is None or not isinstance(order_id, int):
            raise BadCursor(cursor)
        return when, order_id
    except (ValueError, TypeError) as exc:
        raise BadCursor(cursor) from exc


async def changed_orders(
    session: AsyncSession, *, since: dt.datetime | None, cursor: str | None, limit: int
) -> FeedPage:
    """Orders changed at or after ``since`` (or after the cursor's position), oldest change first."""
    stmt = select(
        SalesOrder.id, SalesOrder.order_no, Customer.code, SalesOrder.customer_po, SalesOrder.channel,
        SalesOrder.status, SalesOrder.requested_date, SalesOrder.promised_date, SalesOrder.total_net,
        SalesOrder.total_tax, SalesOrder.line_count, SalesOrder.version, SalesOrder.updated_at,
    ).join(Customer, Customer.id == SalesOrder.customer_id)  # fmt: skip
    if cursor:
        after, after_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(SalesOrder.updated_at > after, and_(SalesOrder.updated_at == after, SalesOrder.id > after_id))
        )
    elif since is not None:
        stmt = stmt.where(SalesOrder.updated_at >= since)
    rows = [
        FeedRow(*r)
        for r in (
            await session.execute(stmt.order_by(SalesOrder.updated_at, SalesOrder.id).limit(limit + 1))
        ).all()
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1].updated_at, rows[-1].id) if more and rows else None
    return FeedPage(rows=rows, next_cursor=next_cursor)
