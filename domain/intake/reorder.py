"""Portal re-order: a buyer copies one of their company's past orders, edits it, and submits it.

It enters the same door as every channel: parse_draft, then create_order(…, submit=True) with the
channel "portal". Only the products of the copied order can be ordered this way (a re-order is not a
catalogue); a line left without quantity is dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import ValidationFailed
from domain.i18n import N_, Msg
from domain.orders import queries
from domain.orders.drafts import RawLine, RawOrder, parse_draft
from domain.orders.models import SalesOrder
from domain.orders.permissions import authorize_entry
from domain.orders.services import create_order

DEFAULT_LEAD_DAYS = 30


@dataclass
class ReorderForm:
    requested_date: str
    customer_po: str
    special_requirements: str
    quantities: list[str]  # one per line of the source order, in line order


def prefill(source: SalesOrder, today: dt.date) -> ReorderForm:
    """The form as first shown: same lines and quantities, a new date as far ahead as the source's was."""
    lead = (
        max((source.requested_date - source.order_date).days, 1) if source.order_date else DEFAULT_LEAD_DAYS
    )
    return ReorderForm(
        requested_date=(today + dt.timedelta(days=lead)).isoformat(),
        customer_po="",
        special_requirements=source.special_requirements,
        quantities=[f"{line.quantity.normalize():f}" for line in source.lines],
    )


async def source_order(session: AsyncSession, actor: Actor, order_no: str) -> SalesOrder:
    """The order to copy: the buyer's own company's (another's is NotFound, as everywhere in the portal)."""
    assert actor.customer_id is not None
    order = await queries.get_customer_order(session, actor.customer_id, order_no)
    authorize_entry(actor, customer_id=order.customer_id)
    return order


async def reorder(
    session: AsyncSession, actor: Actor, source: SalesOrder, form: ReorderForm, *, today: dt.date
) -> SalesOrder:
    """Create and submit the new order; ValidationFailed names the form's fields (``quantity-N``)."""
    authorize_entry(actor, customer_id=source.customer_id)
    kept = [
        (i, line, qty)
        for i, (line, qty) in enumerate(zip(source.lines, form.quantities, strict=False))
        if qty.strip()
    ]
    raw = RawOrder(
        customer=str(source.customer_id),
        requested_date=form.requested_date,
        customer_po=form.customer_po,
        special_requirements=form.special_requirements,
        lines=[RawLine(product=str(line.product_id), quantity=qty) for _, line, qty in kept],
    )
    draft, errors = parse_draft(raw, today=today, channel="portal")
    errors = _form_fields(errors, [i for i, _, _ in kept])
    if not kept:
        errors = {**errors, "lines": Msg(N_("Enter a quantity for at least one line."))}
    if draft is None or errors:
        raise ValidationFailed(errors)
    try:
        return await create_order(session, draft, actor, submit=True)
    except ValidationFailed as exc:
        raise ValidationFailed(_form_fields(exc.errors, [i for i, _, _ in kept])) from None


def _form_fields(errors: dict[str, Msg], kept: list[int]) -> dict[str, Msg]:
    """parse_draft/create_order name lines by their index among the kept ones; the form, by source line."""
    out: dict[str, Msg] = {}
    for name, message in errors.items():
        if name.startswith("lines-"):
            _, index, column = name.split("-", 2)
            out[f"{column}-{kept[int(index)]}"] = message
        else:
            out[name] = message
    return out
