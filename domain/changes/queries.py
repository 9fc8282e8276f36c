"""Read side of change requests: the approver's queue, one request with its route progress, an order's
requests and revisions. Each read is a fixed number of queries whatever the size of the data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.actors import Actor
from domain.approvals import routing
from domain.approvals.models import ApprovalDecision
from domain.changes.models import ChangeRequest, ChangeSignature, OrderRevision
from domain.changes.revisions import DiffRow, diff
from domain.changes.services import decisions_of, requested_by_staff, signatures
from domain.errors import NotFound
from domain.orders.models import SalesOrder

QUEUE_LIMIT = 200


@dataclass
class Step:
    index: int
    participants: list[dict[str, Any]]
    mode: str
    time_limit_hours: int | None
    state: str  # done | current | waiting | rejected | skipped
    decisions: list[ApprovalDecision] = field(default_factory=list)
    due_at: dt.datetime | None = None
    waiting_for: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RequestView:
    request: ChangeRequest
    order_no: str
    steps: list[Step]
    decisions: list[ApprovalDecision]
    signature: ChangeSignature | None
    can_sign: bool = False  # the viewer may approve/reject now


def steps_of(cr: ChangeRequest, decisions: list[ApprovalDecision]) -> list[Step]:
    out: list[Step] = []
    for index, node in enumerate(cr.route):
        on_node = [d for d in decisions if d.node_index == index]
        outcome = routing.node_outcome(node, signatures(on_node))
        if outcome == "rejected":
            state = "rejected"
        elif outcome == "approved":
            state = "done"
        elif cr.status == "pending" and cr.current_node == index:
            state = "current"
        else:
            state = "skipped" if cr.status == "rejected" else "waiting"
        step = Step(index, node["participants"], node.get("mode", "any"), node.get("time_limit_hours"), state,
                    on_node)  # fmt: skip
        if state == "current":
            step.waiting_for = list(routing.node_waits_for(node, signatures(on_node)))
            if step.time_limit_hours and cr.node_since:
                step.due_at = cr.node_since + dt.timedelta(hours=step.time_limit_hours)
        out.append(step)
    return out


async def _view(session: AsyncSession, cr: ChangeRequest, actor: Actor | None) -> RequestView:
    decisions = (await decisions_of(session, [cr.id]))[cr.id]
    signature = await session.scalar(
        select(ChangeSignature).where(ChangeSignature.change_request_id == cr.id)
    )
    view = RequestView(cr, cr.order.order_no, steps_of(cr, decisions), decisions, signature)
    if actor is not None and actor.kind == "staff" and actor.id is not None and cr.status == "pending":
        view.can_sign = routing.may_sign(cr.route, signatures(decisions), routing.Signer(actor.id, actor.roles),
                                         requested_by_staff_id=requested_by_staff(cr))  # fmt: skip
    return view


async def get_request(session: AsyncSession, number: str, actor: Actor) -> RequestView:
    """One request; a customer only sees their own company's (else NotFound, like a missing one)."""
    stmt = (
        select(ChangeRequest).options(joinedload(ChangeRequest.order)).where(ChangeRequest.number == number)
    )
    if actor.kind == "customer":
        stmt = stmt.where(ChangeRequest.customer_id == actor.customer_id)
    cr = await session.scalar(stmt)
    if cr is None:
        raise NotFound(number)
    return await _view(session, cr, actor)


@dataclass(frozen=True)
class QueueRow:
    request: ChangeRequest
    order_no: str
    step: int
    due_at: dt.datetime | None

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at < dt.datetime.now(dt.UTC)


async def queue_for(session: AsyncSession, actor: Actor) -> list[QueueRow]:
    """Pending requests whose current step this staff member may sign, oldest first (two queries)."""
    if actor.kind != "staff" or actor.id is None:
        return []
    pending = list(
        await session.scalars(
            select(ChangeRequest).options(joinedload(ChangeRequest.order))
            .where(ChangeRequest.status == "pending").order_by(ChangeRequest.id).limit(QUEUE_LIMIT)
        )
    )  # fmt: skip
    decisions = await decisions_of(session, [cr.id for cr in pending])
    signer = routing.Signer(actor.id, actor.roles)
    rows = []
    for cr in pending:
        if routing.may_sign(cr.route, signatures(decisions[cr.id]), signer,
                            requested_by_staff_id=requested_by_staff(cr)):  # fmt: skip
            limit = cr.route[cr.current_node or 0].get("time_limit_hours")
            due = cr.node_since + dt.timedelta(hours=limit) if limit and cr.node_since else None
            rows.append(QueueRow(cr, cr.order.order_no, (cr.current_node or 0) + 1, due))
    return rows


async def recent_requests(
    session: AsyncSession, *, status: str = "", order_id: int | None = None, customer_id: int | None = None,
    limit: int = 50,
) -> list[tuple[ChangeRequest, str]]:  # fmt: skip
    stmt = select(ChangeRequest, SalesOrder.order_no).join(
        SalesOrder, SalesOrder.id == ChangeRequest.order_id
    )
    if status in ("pending", "approved", "rejected"):
        stmt = stmt.where(ChangeRequest.status == status)
    if order_id is not None:
        stmt = stmt.where(ChangeRequest.order_id == order_id)
    if customer_id is not None:
        stmt = stmt.where(ChangeRequest.customer_id == customer_id)
    rows = await session.execute(stmt.order_by(ChangeRequest.id.desc()).limit(limit))
    return [(cr, no) for cr, no in rows.tuples().all()]


async def revisions_of(session: AsyncSession, order_id: int) -> list[tuple[OrderRevision, str | None]]:
    rows = await session.execute(
        select(OrderRevision, ChangeRequest.number)
        .outerjoin(ChangeRequest, ChangeRequest.id == OrderRevision.change_request_id)
        .where(OrderRevision.order_id == order_id)
        .order_by(OrderRevision.revision_no)
    )
    return [(rev, number) for rev, number in rows.tuples().all()]


def compare(revisions: list[tuple[OrderRevision, str | None]], a: int, b: int) -> list[DiffRow] | None:
    by_no = {rev.revision_no: rev for rev, _ in revisions}
    if a not in by_no or b not in by_no:
        return None
    return diff(by_no[a].snapshot, by_no[b].snapshot)
