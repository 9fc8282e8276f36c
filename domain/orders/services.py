"""Order commands. Each one checks the rules, writes the change, the timeline entry and the outbox
event in the caller's transaction, and never commits (the request or the CLI does)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local, utcnow
from domain.catalog.services import products_by_id
from domain.errors import NotFound, StaleVersion, ValidationFailed
from domain.i18n import N_, Msg
from domain.orders import reactions
from domain.orders.drafts import OrderDraft
from domain.orders.lifecycle import Status, authorize, find_transition, resolve_target
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.orders.numbering import next_order_no
from domain.orders.permissions import authorize_entry
from domain.outbox.services import record_event
from domain.parties.models import Customer

CENT = Decimal("0.01")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


async def po_in_use(session: AsyncSession, customer_id: int, customer_po: str) -> str | None:
    """The order that already carries this customer's PO number, if any."""
    return await session.scalar(
        select(SalesOrder.order_no).where(
            SalesOrder.customer_id == customer_id, SalesOrder.customer_po == customer_po
        )
    )


async def create_order(
    session: AsyncSession, draft: OrderDraft, actor: Actor, *, submit: bool = False
) -> SalesOrder:
    """Create an order from a shape-checked draft; ``submit`` also makes the draft → submitted move."""
    authorize_entry(actor, customer_id=draft.customer_id)
    errors: dict[str, Msg] = {}
    customer = await session.get(Customer, draft.customer_id)
    if customer is None or not customer.active:
        errors["customer"] = Msg(N_("Choose a customer."))
    products = await products_by_id(session, {line.product_id for line in draft.lines})
    for i, line in enumerate(draft.lines):
        product = products.get(line.product_id)
        if product is None or not product.active:
            errors[f"lines-{i}-product"] = Msg(N_("Unknown product."))
    if (
        customer is not None
        and draft.customer_po
        and (existing := await po_in_use(session, customer.id, draft.customer_po))
    ):
        errors["customer_po"] = Msg(N_("PO number already used by order %(order_no)s."), order_no=existing)
    if errors:
        raise ValidationFailed(errors)
    assert customer is not None

    today = today_local()
    order = SalesOrder(
        order_no=await next_order_no(session, today.year),
        customer_id=customer.id,
        customer_po=draft.customer_po,
        channel=draft.channel,
        status=Status.DRAFT,
        order_date=today,
        requested_date=draft.requested_date,
        special_requirements=draft.special_requirements,
        changed_by=actor.name,
        status_changed_at=utcnow(),
        lines=[],
        events=[],
    )
    total_net = total_tax = Decimal("0")
    for no, line in enumerate(draft.lines, start=1):
        product = products[line.product_id]
        amount = money(line.quantity * product.unit_price)
        total_net += amount
        total_tax += money(amount * customer.contract_tax_rate)
        order.lines.append(
            SalesOrderLine(
                line_no=no,
                product_id=product.id,
                quantity=line.quantity,
                unit_price=product.unit_price,
                # The contract's rate applies, not the catalogue's: that is what gets invoiced.
                tax_rate=customer.contract_tax_rate,
                amount_net=amount,
                requested_date=draft.requested_date,
            )
        )
    order.total_net, order.total_tax, order.line_count = total_net, total_tax, len(order.lines)
    order.events.append(
        OrderEvent(
            kind="created", actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name,
            to_status=Status.DRAFT, version=1, data={"channel": draft.channel},
        )
    )  # fmt: skip
    try:
        # The savepoint must exist before the order joins the session (begin_nested flushes first).
        async with session.begin_nested():
            session.add(order)
            await session.flush()
    except IntegrityError:
        # Two entries of the same PO at the same moment: both passed the check above, the unique
        # constraint lets one win, and the other gets the same field error instead of a 500.
        if draft.customer_po and (existing := await po_in_use(session, customer.id, draft.customer_po)):
            raise ValidationFailed(
                {"customer_po": Msg(N_("PO number already used by order %(order_no)s."), order_no=existing)}
            ) from None
        raise
    record_event(
        session, "order.created", aggregate_type="order", aggregate_id=order.order_no,
        payload=_payload(order, actor),
    )  # fmt: skip
    if submit:
        await _apply(session, order, "submit", actor, comment="")
    return order


async def transition_order(
    session: AsyncSession,
    *,
    order_no: str,
    action: str,
    expected_version: int,
    actor: Actor,
    comment: str = "",
) -> SalesOrder:
    """Move an order along the state machine on behalf of a staff member."""
    order = await session.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no).with_for_update())
    if order is None:
        raise NotFound(order_no)
    if order.version != expected_version:
        raise StaleVersion(order.changed_by, order.updated_at, order.version)
    await _apply(session, order, action, actor, comment=comment)
    return order


async def _apply(
    session: AsyncSession, order: SalesOrder, action: str, actor: Actor, *, comment: str
) -> None:
    transition = find_transition(action, order.status)
    authorize(transition, actor.roles)
    comment = comment.strip()
    if transition.needs_comment and not comment:
        raise ValidationFailed({"comment": Msg(N_("Please give a reason."))})
    if len(comment) > 2000:
        raise ValidationFailed({"comment": Msg(N_("At most %(max)s characters."), max=2000)})
    before = order.status
    target = resolve_target(transition, order.held_from)
    order.held_from = before if target == Status.ON_HOLD else None
    order.status = target
    order.changed_by = actor.name
    order.status_changed_at = utcnow()
    if target == Status.SUBMITTED and order.submitted_at is None:
        order.submitted_at = order.status_changed_at
    await session.flush()  # bumps the version (and fails with StaleDataError if a racer got there first)
    session.add(
        OrderEvent(
            order_id=order.id, kind="transition", action=action, actor_kind=actor.kind, actor_id=actor.id,
            actor_name=actor.name, from_status=before, to_status=target, comment=comment, version=order.version,
        )
    )  # fmt: skip
    record_event(
        session, transition.event, aggregate_type="order", aggregate_id=order.order_no,
        payload={**_payload(order, actor), "action": action, "from": before, "to": str(target), "comment": comment},
    )  # fmt: skip
    await reactions.after_transition(session, order, transition, before, actor)


def _payload(order: SalesOrder, actor: Actor) -> dict[str, object]:
    return {
        "order_no": order.order_no,
        "customer_id": order.customer_id,
        "status": str(order.status),
        "version": order.version,
        "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name},
    }
