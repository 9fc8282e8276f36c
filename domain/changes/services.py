"""Change request commands: ``request_change``, ``decide`` (approve / reject on the current step).

Each command checks who may act, writes the request, the approval trail, the order's timeline and an
outbox event in the caller's transaction, and never commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.approvals import routing
from domain.approvals.models import ApprovalDecision
from domain.approvals.services import SUBJECT_CHANGE, route_for_level, staff_for_node
from domain.base import today_local, utcnow
from domain.catalog.services import products_by_id
from domain.changes.apply import apply_change, line_terms, load_for_change, refusal
from domain.changes.impact import date_impact, material_impact, value_impact
from domain.changes.models import ChangeRequest
from domain.changes.proposal import LineNow, RawChange, parse_change
from domain.changes.rules import DateCheck, Kind, level_of
from domain.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from domain.i18n import N_, Msg
from domain.notifications.services import notify_staff
from domain.orders.models import OrderEvent, SalesOrder
from domain.orders.numbering import next_number
from domain.outbox.services import record_event
from domain.parties.models import Customer
from domain.parties.roles import CustomerRole, StaffRole

STAFF_REQUESTERS = frozenset(
    {StaffRole.SALES, StaffRole.CUSTOMER_SERVICE, StaffRole.SALES_MANAGER, StaffRole.ADMIN}
)
CUSTOMER_REQUESTERS = frozenset({CustomerRole.BUYER})
MAX_COMMENT = 2000


def may_request(actor: Actor) -> bool:
    allowed = CUSTOMER_REQUESTERS if actor.kind == "customer" else STAFF_REQUESTERS
    return actor.kind in ("staff", "customer") and not allowed.isdisjoint(actor.roles)


async def order_for(session: AsyncSession, order_no: str, actor: Actor) -> SalesOrder:
    """The order by number; for a customer only their own submitted orders (else NotFound, as a missing one)."""
    stmt = select(SalesOrder.id).where(SalesOrder.order_no == order_no)
    if actor.kind == "customer":
        stmt = stmt.where(SalesOrder.customer_id == actor.customer_id, SalesOrder.submitted_at.is_not(None))
    order_id = await session.scalar(stmt)
    if order_id is None:
        raise NotFound(order_no)
    return await load_for_change(session, order_id)


async def open_request(session: AsyncSession, order_id: int) -> str | None:
    return await session.scalar(
        select(ChangeRequest.number).where(
            ChangeRequest.order_id == order_id, ChangeRequest.status == "pending"
        )
    )


async def current_lines(session: AsyncSession, order: SalesOrder) -> list[LineNow]:
    terms = await line_terms(session, [line.id for line in order.lines])
    return [
        LineNow(line.line_no, line.product.part_no, line.quantity, *terms.get(line.id, ("", "")))
        for line in order.lines
    ]


async def request_change(
    session: AsyncSession,
    *,
    order_no: str,
    raw: RawChange,
    expected_version: int,
    actor: Actor,
    now: dt.datetime | None = None,
) -> ChangeRequest:
    if not may_request(actor):
        raise Forbidden("change requests are raised by buyers, sales and customer service")
    order = await order_for(session, order_no, actor)
    if order.version != expected_version:
        raise StaleVersion(order.changed_by, order.updated_at, order.version)
    # Claim the order row at the version the form showed: a staff edit committed in between (seen
    # only now, after waiting for its lock) turns this into a clear 409 instead of a request based on
    # an order that no longer exists in that shape. The version itself is not bumped: a pending
    # request does not change the order.
    claimed = await session.execute(
        update(SalesOrder)
        .where(SalesOrder.id == order.id, SalesOrder.version == expected_version)
        .values(changed_by=SalesOrder.changed_by)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        await session.refresh(order)
        raise StaleVersion(order.changed_by, order.updated_at, order.version)
    if (msg := refusal(order.status)) is not None:
        raise ValidationFailed({"order": msg})
    if (pending := await open_request(session, order.id)) is not None:
        raise ValidationFailed({"order": Msg(N_("Change request %(number)s for this order is still waiting for "
                                                "approval."), number=pending)})  # fmt: skip
    proposal, errors = parse_change(raw, lines=await current_lines(session, order),
                                    requested_date=order.requested_date, today=today_local())  # fmt: skip
    if proposal is None:
        raise ValidationFailed(errors)
    prices: dict[Any, Any] = {}
    if proposal.add_product_id is not None:
        product = (await products_by_id(session, {proposal.add_product_id})).get(proposal.add_product_id)
        if product is None or not product.active:
            raise ValidationFailed({"add_product": Msg(N_("Unknown product."))})
        prices[product.id] = product.unit_price
        for item in proposal.items:
            if item["kind"] == Kind.ADD_LINE:
                item.update(part_no=product.part_no, name=product.name)
    customer = await session.get(Customer, order.customer_id)
    assert customer is not None
    now = now or utcnow()
    new_date = proposal.new_date or order.requested_date
    kinds = {item["kind"] for item in proposal.items}
    dates = await date_impact(session, order, proposal.items, old_date=order.requested_date,
                              new_date=new_date, now=now)  # fmt: skip
    finish = dt.date.fromisoformat(dates["finish_after"]) if dates["finish_after"] else None
    check = DateCheck(order.requested_date, new_date, finish) if Kind.DATE in kinds else None
    level = level_of(proposal.scope, kinds, check)
    chain, route = await route_for_level(session, level)
    impact = {
        "date": {**dates, "old_date": order.requested_date.isoformat(), "new_date": new_date.isoformat()},
        "material": await material_impact(
            session, order, proposal.items, new_date=new_date, today=today_local()
        ),
        "value": value_impact(order, proposal.items, prices, customer.contract_tax_rate),
    }
    year = today_local().year
    cr = ChangeRequest(
        number=f"CR-{year}-{await next_number(session, 'CR', year):06d}",
        order_id=order.id, customer_id=order.customer_id, status="pending", level=level,
        scope=proposal.scope, reason=proposal.reason, reason_text=proposal.reason_text,
        items=proposal.items, impact=impact, requested_by_kind=actor.kind, requested_by_id=actor.id,
        requested_by_name=actor.name, chain_id=chain.id, chain_name=chain.name, route=route,
        current_node=0, node_since=now, base_order_version=order.version,
    )  # fmt: skip
    session.add(cr)
    await session.flush()
    data = {"change_request": cr.number, "level": level}
    session.add(OrderEvent(order_id=order.id, kind="change", action="change_requested", actor_kind=actor.kind,
                           actor_id=actor.id, actor_name=actor.name, comment=proposal.reason_text,
                           version=order.version, data=data))  # fmt: skip
    record_event(session, "change.requested", aggregate_type="change_request", aggregate_id=cr.number,
                 payload={"order_no": order.order_no, **data, "items": proposal.items})  # fmt: skip
    await _notify_node(session, cr, order.order_no)
    return cr


async def _notify_node(session: AsyncSession, cr: ChangeRequest, order_no: str) -> None:
    if cr.current_node is None:
        return
    recipients = await staff_for_node(session, cr.route[cr.current_node])
    if cr.requested_by_kind == "staff":
        recipients = [uid for uid in recipients if uid != cr.requested_by_id]
    notify_staff(
        session, recipients, kind="change.awaiting_approval",
        message=N_("Change request %(number)s for order %(order_no)s waits for your approval."),
        params={"number": cr.number, "order_no": order_no}, link=f"/backoffice/changes/{cr.number}",
        order_id=cr.order_id,
    )  # fmt: skip


def signer_of(actor: Actor) -> routing.Signer:
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("only staff approve")
    return routing.Signer(actor.id, frozenset(actor.roles))


def requested_by_staff(cr: ChangeRequest) -> int | None:
    return cr.requested_by_id if cr.requested_by_kind == "staff" else None


async def decisions_of(session: AsyncSession, ids: list[int]) -> dict[int, list[ApprovalDecision]]:
    out: dict[int, list[ApprovalDecision]] = {i: [] for i in ids}
    if ids:
        rows = await session.scalars(
            select(ApprovalDecision)
            .where(ApprovalDecision.subject == SUBJECT_CHANGE, ApprovalDecision.subject_id.in_(ids))
            .order_by(ApprovalDecision.id)
        )
        for d in rows:
            out[d.subject_id].append(d)
    return out


def signatures(decisions: list[ApprovalDecision]) -> list[routing.Signature]:
    return [routing.Signature(d.node_index, d.staff_user_id, d.acting_as, d.decision) for d in decisions]


async def decide(
    session: AsyncSession,
    *,
    number: str,
    decision: str,
    comment: str,
    expected_version: int,
    actor: Actor,
) -> ChangeRequest:
    """Sign the current step (approve) or refuse the request (reject, with a reason)."""
    if decision not in ("approve", "reject"):
        raise ValidationFailed({"decision": Msg(N_("Choose approve or reject."))})
    comment = comment.strip()
    if decision == "reject" and not comment:
        raise ValidationFailed({"comment": Msg(N_("Please give a reason."))})
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed({"comment": Msg(N_("At most %(max)s characters."), max=MAX_COMMENT)})
    signer = signer_of(actor)
    cr = await session.scalar(select(ChangeRequest).where(ChangeRequest.number == number).with_for_update())
    if cr is None:
        raise NotFound(number)
    if cr.version != expected_version:
        last = await session.scalar(
            select(ApprovalDecision.staff_name)
            .where(ApprovalDecision.subject == SUBJECT_CHANGE, ApprovalDecision.subject_id == cr.id)
            .order_by(ApprovalDecision.id.desc())
            .limit(1)
        )
        raise StaleVersion(last or cr.requested_by_name, cr.updated_at, cr.version)
    if cr.status != "pending":
        raise ValidationFailed({"decision": Msg(N_("This request is already decided."))})
    existing = (await decisions_of(session, [cr.id]))[cr.id]
    node_index, acting_as = routing.slot_for(cr.route, signatures(existing), signer,
                                             requested_by_staff_id=requested_by_staff(cr))  # fmt: skip
    now = utcnow()
    made = ApprovalDecision(subject=SUBJECT_CHANGE, subject_id=cr.id, node_index=node_index,
                            staff_user_id=signer.id, staff_name=actor.name, acting_as=acting_as,
                            decision=decision, comment=comment, decided_at=now)  # fmt: skip
    session.add(made)
    state = routing.route_state(cr.route, [*signatures(existing), *signatures([made])])
    order_no = await session.scalar(select(SalesOrder.order_no).where(SalesOrder.id == cr.order_id))
    assert order_no is not None
    moved = state.current != cr.current_node
    cr.current_node = state.current
    cr.updated_at = now  # every decision bumps the request's version (the racing approver's check)
    if moved:
        cr.node_since = now
    if state.outcome == "rejected":
        cr.status, cr.decided_at = "rejected", now
    elif state.outcome == "approved":
        cr.from_revision, cr.to_revision = await apply_change(session, cr, actor)
        cr.status, cr.decided_at = "approved", now
    await session.flush()
    if state.outcome == "rejected":
        order_version = await session.scalar(select(SalesOrder.version).where(SalesOrder.id == cr.order_id))
        session.add(OrderEvent(order_id=cr.order_id, kind="change", action="change_rejected", actor_kind=actor.kind,
                               actor_id=actor.id, actor_name=actor.name, comment=comment,
                               version=order_version or 0, data={"change_request": cr.number}))  # fmt: skip
    record_event(session, f"change.{decision}d", aggregate_type="change_request", aggregate_id=cr.number,
                 payload={"order_no": order_no, "node": node_index, "status": cr.status, "comment": comment,
                          "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name}})  # fmt: skip
    if state.outcome == "pending" and moved:
        await _notify_node(session, cr, order_no)
    return cr
