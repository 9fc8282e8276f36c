"""The quick-entry preview: the promise for an order still being typed. Tolerant where submit is strict —
half a form still gets an answer for the lines that are complete — and it stores nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import SHANGHAI, utcnow
from domain.catalog.services import products_by_id
from domain.orders.drafts import (
    MAX_LINES,
    RawOrder,
    check_requested_date,
    parse_date,
    parse_int,
    parse_quantity,
)
from domain.orders.services import money
from domain.parties.models import Customer
from domain.promise.service import Evaluation, PromiseLine, PromiseRequest, evaluate

__all__ = ["Preview", "preview_order"]


@dataclass(frozen=True)
class Preview:
    evaluation: Evaluation
    requested_date: dt.date | None
    has_customer: bool
    line_count: int  # complete lines that were checked (key = the row's position, 1-based)


async def preview_order(
    session: AsyncSession, raw: RawOrder, *, now: dt.datetime | None = None
) -> Preview | None:
    """The promise for the complete lines of ``raw`` (None when no line is complete yet)."""
    now = now or utcnow()
    today = now.astimezone(SHANGHAI).date()
    requested = parse_date(raw.requested_date)
    if requested is not None and check_requested_date(requested, today) is not None:
        requested = None  # a date the form will refuse: preview the promise without comparing
    picked: list[tuple[int, int, Decimal]] = []
    for i, line in enumerate(raw.lines[:MAX_LINES]):
        pid, qty = parse_int(line.product), parse_quantity(line.quantity)
        if pid is not None and isinstance(qty, Decimal):
            picked.append((i + 1, pid, qty))
    if not picked:
        return None
    products = await products_by_id(session, {pid for _, pid, _ in picked})
    customer_id = parse_int(raw.customer)
    customer = await session.get(Customer, customer_id) if customer_id is not None else None
    if customer is not None and not customer.active:
        customer = None
    tax = customer.contract_tax_rate if customer is not None else Decimal("0")
    lines = []
    for no, pid, qty in picked:
        product = products.get(pid)
        if product is None or not product.active:
            continue
        net = money(qty * product.unit_price)
        lines.append(PromiseLine(str(no), pid, qty, requested or today, net + money(net * tax)))
    if not lines:
        return None
    request = PromiseRequest(customer.id if customer is not None else None, requested, lines)
    return Preview(await evaluate(session, request, now=now), requested, customer is not None, len(lines))
