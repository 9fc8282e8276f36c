"""Applying an approved change to its order: revision before (the first time), the change itself, the
revision after, a timeline row and an outbox event — all in the approver's transaction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.actors import Actor
from domain.catalog.models import Product
from domain.changes.models import ChangeRequest, OrderLineTerms, OrderRevision
from domain.changes.revisions import snapshot
from domain.changes.rules import Kind
from domain.errors import NotFound, ValidationFailed
from domain.i18n import N_, Msg
from domain.orders.lifecycle import Status
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.orders.services import money
from domain.outbox.services import record_event
from domain.parties.models import Customer

# A change is possible while the goods have not started to leave the factory.
CHANGEABLE = frozenset({Status.SUBMITTED, Status.CONFIRMED, Status.IN_PRODUCTION, Status.QC,
                        Status.READY_TO_SHIP, Status.ON_HOLD})  # fmt: skip


def refusal(status: str) -> Msg | None:
    """Why an order in ``status`` takes no change request, or None when it does."""
    if status in CHANGEABLE:
        return None
    if status == Status.DRAFT:
        return Msg(N_("A draft is edited directly; change requests start once it is submitted."))
    if status == Status.CANCELLED:
        return Msg(N_("The order is cancelled; it cannot be changed."))
    if status == Status.CLOSED:
        return Msg(N_("The order is closed; it cannot be changed."))
    return Msg(
        N_("The goods have already left production for shipping; the order cannot be changed any more.")
    )


async def load_for_change(session: AsyncSession, order_id: int, *, lock: bool = False) -> SalesOrder:
    stmt = (
        select(SalesOrder)
        .options(selectinload(SalesOrder.lines).selectinload(SalesOrderLine.product))
        .where(SalesOrder.id == order_id)
    )
    if lock:
        stmt = stmt.with_for_update()
    order = await session.scalar(stmt)
    if order is None:
        raise NotFound(str(order_id))
    return order


async def line_terms(session: AsyncSession, line_ids: list[int]) -> dict[int, tuple[str, str]]:
    if not line_ids:
        return {}
    rows = await session.execute(
        select(OrderLineTerms.order_line_id, OrderLineTerms.drawing_revision, OrderLineTerms.packaging).where(
            OrderLineTerms.order_line_id.in_(line_ids)
        )
    )
    return {lid: (rev, pack) for lid, rev, pack in rows.tuples().all()}


async def _snapshot(session: AsyncSession, order: SalesOrder) -> dict[str, object]:
    return snapshot(order, await line_terms(session, [line.id for line in order.lines]))


async def latest_revision(session: AsyncSession, order_id: int) -> int:
    return int(await session.scalar(select(func.max(OrderRevision.revision_no)).where(
        OrderRevision.order_id == order_id)) or 0)  # fmt: skip


async def apply_change(session: AsyncSession, cr: ChangeRequest, actor: Actor) -> tuple[int, int]:
    """Apply ``cr`` to its order; returns (revision before, revision after)."""
    order = await load_for_change(session, cr.order_id, lock=True)
    if (msg := refusal(order.status)) is not None:
        raise ValidationFailed({"decision": msg})
    before_no = await latest_revision(session, order.id)
    if before_no == 0:
        before_no = 1
        session.add(OrderRevision(order_id=order.id, revision_no=1, snapshot=await _snapshot(session, order),
                                  created_by_name=order.changed_by or actor.name, reason=""))  # fmt: skip
    lines = {line.line_no: line for line in order.lines}
    terms = {
        t.order_line_id: t
        for t in await session.scalars(
            select(OrderLineTerms).where(OrderLineTerms.order_line_id.in_([ln.id for ln in order.lines]))
        )
    }

    def line(no: int) -> SalesOrderLine:
        if no not in lines:  # only one request is open per order, so this means a hand edit in between
            raise ValidationFailed({"decision": Msg(N_("Line %(line)s is not on this order."), line=no)})
        return lines[no]

    def terms_of(ln: SalesOrderLine) -> OrderLineTerms:
        if ln.id not in terms:
            terms[ln.id] = OrderLineTerms(order_line_id=ln.id)
            session.add(terms[ln.id])
        return terms[ln.id]

    added = [i for i in cr.items if i["kind"] == Kind.ADD_LINE]
    products = {p.id: p for p in await session.scalars(select(Product).where(
        Product.id.in_([int(i["product_id"]) for i in added])))} if added else {}  # fmt: skip
    customer = await session.get(Customer, order.customer_id)
    assert customer is not None
    for item in cr.items:
        kind = item["kind"]
        if kind == Kind.DATE:
            new = dt.date.fromisoformat(item["new"])
            order.requested_date = new
            if order.promised_date is not None:
                order.promised_date = new  # approving the date is the factory's commitment to it
            for ln in order.lines:
                ln.requested_date = new
                if ln.promised_date is not None:
                    ln.promised_date = new
        elif kind == Kind.QUANTITY:
            ln = line(item["line_no"])
            ln.quantity = Decimal(item["new"])
            ln.amount_net = money(ln.quantity * ln.unit_price)
        elif kind == Kind.REMOVE_LINE:
            order.lines.remove(line(item["line_no"]))
        elif kind == Kind.SPEC:
            terms_of(line(item["line_no"])).drawing_revision = item["new"]
        elif kind == Kind.PACKAGING:
            terms_of(line(item["line_no"])).packaging = item["new"]
    next_no = max(lines, default=0) + 1
    for item in added:
        product = products.get(int(item["product_id"]))
        if product is None or not product.active:
            raise ValidationFailed({"decision": Msg(N_("Unknown product."))})
        qty = Decimal(item["new"])
        new_line = SalesOrderLine(
            line_no=next_no, product_id=product.id, quantity=qty, unit_price=product.unit_price,
            tax_rate=customer.contract_tax_rate, amount_net=money(qty * product.unit_price),
            requested_date=order.requested_date, product=product,
        )  # fmt: skip
        order.lines.append(new_line)
        next_no += 1
    order.total_net = sum((ln.amount_net for ln in order.lines), Decimal("0"))
    order.total_tax = sum((money(ln.amount_net * ln.tax_rate) for ln in order.lines), Decimal("0"))
    order.line_count = len(order.lines)
    order.changed_by = actor.name
    await session.flush()  # bumps the order's version; a racing writer gets StaleDataError
    after_no = before_no + 1
    session.add(OrderRevision(order_id=order.id, revision_no=after_no, snapshot=await _snapshot(session, order),
                              change_request_id=cr.id, created_by_name=cr.requested_by_name,
                              reason=cr.reason_text or cr.reason))  # fmt: skip
    data = {
        "change_request": cr.number,
        "from_revision": before_no,
        "to_revision": after_no,
        "level": cr.level,
    }
    session.add(OrderEvent(order_id=order.id, kind="change", action="change_applied", actor_kind=actor.kind,
                           actor_id=actor.id, actor_name=actor.name, comment=cr.reason_text,
                           version=order.version, data=data))  # fmt: skip
    record_event(session, "order.changed", aggregate_type="order", aggregate_id=order.order_no,
                 payload={"order_no": order.order_no, "version": order.version, **data,
                          "items": cr.items, "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name}})  # fmt: skip
    return before_no, after_no
