"""Orders from other systems (the JSON API, DingTalk approvals): they name customers and products
by their codes, not by our ids. The codes are resolved here; everything else is the same door as the
quick-entry form (parse_draft, then create_order), so the same rules hold in every channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local
from domain.catalog.models import Product
from domain.errors import ValidationFailed
from domain.i18n import N_, Msg
from domain.orders.drafts import RawLine, RawOrder, parse_draft
from domain.orders.models import SalesOrder
from domain.orders.services import create_order
from domain.parties.models import Customer


@dataclass
class CodedLine:
    part_no: str
    quantity: str


@dataclass
class CodedOrder:
    customer_code: str
    requested_date: str
    lines: Sequence[CodedLine]
    customer_po: str = ""
    special_requirements: str = ""
    extra_errors: dict[str, Msg] = field(default_factory=dict)  # what the adapter could not read


async def _ids_by_code(
    session: AsyncSession, customer_code: str, part_nos: set[str]
) -> tuple[int | None, dict[str, int]]:
    customer_id = await session.scalar(
        select(Customer.id).where(func.upper(Customer.code) == customer_code.strip().upper(), Customer.active)
    )
    products: dict[str, int] = {}
    if part_nos:
        rows = await session.execute(
            select(Product.part_no, Product.id).where(
                func.upper(Product.part_no).in_({p.upper() for p in part_nos})
            )
        )
        products = {part_no.upper(): pid for part_no, pid in rows.all()}
    return customer_id, products


async def create_coded_order(
    session: AsyncSession, coded: CodedOrder, actor: Actor, *, channel: str, submit: bool
) -> SalesOrder:
    """Resolve the codes, check the draft and create (and submit) the order; ValidationFailed names
    every field that is wrong, keyed as the quick-entry form's fields (``lines-0-product``)."""
    part_nos = {line.part_no.strip() for line in coded.lines if line.part_no.strip()}
    customer_id, products = await _ids_by_code(session, coded.customer_code, part_nos)
    errors: dict[str, Msg] = dict(coded.extra_errors)
    if customer_id is None:
        errors["customer"] = Msg(N_("Unknown customer code %(code)s."), code=coded.customer_code.strip()[:40])
    raw_lines: list[RawLine] = []
    for i, line in enumerate(coded.lines):
        part = line.part_no.strip()
        product_id = products.get(part.upper())
        if part and product_id is None:
            errors[f"lines-{i}-product"] = Msg(N_("Unknown part number %(part_no)s."), part_no=part[:40])
        raw_lines.append(
            RawLine(product=str(product_id) if product_id else part and "?", quantity=line.quantity)
        )
    raw = RawOrder(
        customer=str(customer_id or ""),
        requested_date=coded.requested_date,
        customer_po=coded.customer_po,
        special_requirements=coded.special_requirements,
        lines=raw_lines,
    )
    draft, shape_errors = parse_draft(raw, today=today_local(), channel=channel)
    # The code errors say more than "choose a customer/product", so they win over the shape errors.
    merged = {**shape_errors, **errors}
    if merged or draft is None:
        raise ValidationFailed(merged)
    return await create_order(session, draft, actor, submit=submit)
