"""Commands on expedite requests. Each checks the state table, the actor and the version, and writes the
order timeline and the outbox in the caller's transaction (never commits)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local, utcnow
from domain.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from domain.expedite import feasibility
from domain.expedite.lifecycle import ACTIVE, Outcome, State, target
from domain.expedite.models import ExpediteRequest
from domain.expedite.sla import sla_due
from domain.i18n import N_, Msg
from domain.notifications.services import notify_staff, staff_with_roles
from domain.orders.lifecycle import Status
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.outbox.services import record_event
from domain.parties.roles import CustomerRole, StaffRole
from domain.production.models import Job

__all__ = [
    "ANSWER_ROLES",
    "EXPEDITABLE",
    "Alternative",
    "answer",
    "choose",
    "parse_alternatives",
    "reject",
    "request_expedite",
    "run_check",
    "withdraw",
]

# Asking makes sense while the date can still move: from submission until the goods are ready.
EXPEDITABLE = frozenset(
    {Status.SUBMITTED, Status.CONFIRMED, Status.IN_PRODUCTION, Status.QC, Status.READY_TO_SHIP}
)
ANSWER_ROLES = frozenset({StaffRole.PMC, StaffRole.ADMIN})
MAX_TEXT = 2000
MAX_ALTERNATIVES = 3

MSG_NOT_EXPEDITABLE = N_("An earlier date can be asked for while the order is being planned or made.")
MSG_WANTED_PAST = N_("The wanted date cannot be in the past.")
MSG_WANTED_NOT_EARLIER = N_("The wanted date must be earlier than the current date %(date)s.")
MSG_REASON = N_("Please tell us why you need it earlier.")
MSG_TOO_LONG = N_("At most %(max)s characters.")
MSG_DUPLICATE = N_("An expedite request for this is already open (since %(date)s).")
MSG_LINE = N_("Choose a line of this order, or the whole order.")
MSG_NEW_DATE = N_("Give the new promised date (today or later).")
MSG_EXPLANATION = N_("Please explain the answer to the customer.")
MSG_ALTERNATIVES = N_("Offer at least one alternative (date, and quantity for a split delivery).")
MSG_ALT_ROW = N_(
    "Alternative %(n)s: give a date from today on, and for a split a quantity above 0 and below the line's quantity."
)
MSG_CHOICE = N_("Choose one of the alternatives offered.")
MSG_NEW_REQUEST = N_("Expedite request on %(order_no)s: wanted by %(date)s.")


@dataclass(frozen=True)
class Alternative:
    kind: str  # "date": all by this date | "split": this quantity by this date, the rest as promised
    date: dt.date
    quantity: str = ""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": self.date.isoformat(),
            "quantity": self.quantity,
            "note": self.note,
        }


def _text(value: str, field: str, errors: dict[str, Msg], *, required_msg: str | None = None) -> str:
    value = (value or "").strip()
    if required_msg and not value:
        errors[field] = Msg(required_msg)
    elif len(value) > MAX_TEXT:
        errors[field] = Msg(MSG_TOO_LONG, max=MAX_TEXT)
    return value


def _event(session: AsyncSession, order: SalesOrder, request: ExpediteRequest, action: str, actor: Actor,
           comment: str, **data: Any) -> None:  # fmt: skip
    session.add(
        OrderEvent(
            order_id=order.id, kind="expedite", action=action, actor_kind=actor.kind, actor_id=actor.id,
            actor_name=actor.name, comment=comment, version=order.version,
            data={"request_id": request.id, "status": request.status, **data},
        )
    )  # fmt: skip
    record_event(
        session, f"expedite.{action}", aggregate_type="expedite_request", aggregate_id=str(request.id),
        payload={"order_no": order.order_no, "request_id": request.id, "status": request.status,
                 "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name}, **data},
    )  # fmt: skip


async def _load(session: AsyncSession, request_id: int, expected_version: int | None) -> ExpediteRequest:
    request = await session.scalar(
        select(ExpediteRequest).where(ExpediteRequest.id == request_id).with_for_update()
    )
    if request is None:
        raise NotFound(str(request_id))
    if expected_version is not None and request.version != expected_version:
        raise StaleVersion(request.answered_by or request.requested_by, request.updated_at, request.version)
    return request


def _current_date(order: SalesOrder, line: SalesOrderLine | None) -> dt.date:
    if line is not None:
        return line.promised_date or line.requested_date
    return order.promised_date or order.requested_date


async def request_expedite(
    session: AsyncSession,
    *,
    order_no: str,
    line_no: int | None,
    wanted_date: dt.date | None,
    reason: str,
    actor: Actor,
    now: dt.datetime,
    sla_hours: float = 4,
) -> ExpediteRequest:
    if actor.kind != "customer" or actor.customer_id is None or CustomerRole.BUYER not in actor.roles:
        raise Forbidden("only the customer's buyers ask for an earlier date")
    order = await session.scalar(
        select(SalesOrder).where(
            SalesOrder.order_no == order_no, SalesOrder.customer_id == actor.customer_id,
            SalesOrder.submitted_at.is_not(None),
        ).with_for_update()
    )  # fmt: skip
    if order is None:
        raise NotFound(order_no)
    errors: dict[str, Msg] = {}
    if order.status not in EXPEDITABLE:
        raise ValidationFailed({"order": Msg(MSG_NOT_EXPEDITABLE)})
    line = None
    if line_no is not None:
        line = await session.scalar(
            select(SalesOrderLine).where(
                SalesOrderLine.order_id == order.id, SalesOrderLine.line_no == line_no
            )
        )
        if line is None:
            errors["line"] = Msg(MSG_LINE)
    current = _current_date(order, line)
    if wanted_date is None or wanted_date < today_local():
        errors["wanted_date"] = Msg(MSG_WANTED_PAST)
    elif wanted_date >= current:
        errors["wanted_date"] = Msg(MSG_WANTED_NOT_EARLIER, date=current.isoformat())
    reason = _text(reason, "reason", errors, required_msg=MSG_REASON)
    if errors:
        raise ValidationFailed(errors)
    assert wanted_date is not None
    # One open request per order (and per line): a second tap is a duplicate, not a second request.
    same = await session.scalar(
        select(ExpediteRequest).where(
            ExpediteRequest.order_id == order.id,
            ExpediteRequest.status.in_([str(s) for s in ACTIVE]),
            (ExpediteRequest.line_id.is_(None) if line is None else ExpediteRequest.line_id == line.id),
        )
    )
    if same is not None:
        raise ValidationFailed({"wanted_date": Msg(MSG_DUPLICATE, date=same.created_at.date().isoformat())})
    request = ExpediteRequest(
        order_id=order.id, customer_id=order.customer_id, line_id=line.id if line else None, wanted_date=wanted_date,
        current_date=current, reason=reason, status=State.OPEN, requested_by_id=actor.id, requested_by=actor.name,
        sla_due_at=sla_due(now, sla_hours),
    )  # fmt: skip
    session.add(request)
    await session.flush()
    _event(session, order, request, "requested", actor, reason, wanted_date=wanted_date.isoformat(),
           line_no=line_no)  # fmt: skip
    notify_staff(
        session, await staff_with_roles(session, [StaffRole.PMC]), kind="expedite.requested",
        message=MSG_NEW_REQUEST, params={"order_no": order.order_no, "date": wanted_date.isoformat()},
        link=f"/backoffice/expedite/{request.id}", order_id=order.id,
    )  # fmt: skip
    return request


async def run_check(
    session: AsyncSession, *, request_id: int, actor: Actor, now: dt.datetime
) -> ExpediteRequest:
    """PMC's feasibility check: stored on the request so the answer can be read against it."""
    if ANSWER_ROLES.isdisjoint(actor.roles):
        raise Forbidden("feasibility checks are PMC's")
    request = await _load(session, request_id, None)
    if request.status not in ACTIVE:
        raise InvalidTransition("check", request.status)
    result = await feasibility.check(
        session, order_id=request.order_id, line_id=request.line_id, wanted=request.wanted_date, now=now
    )
    request.feasibility = result.to_json()
    await session.flush()
    return request


def parse_alternatives(
    rows: list[dict[str, str]], errors: dict[str, Msg], line_qty: Decimal | None = None
) -> list[Alternative]:
    from domain.orders.drafts import parse_date, parse_quantity

    out: list[Alternative] = []
    for n, row in enumerate(rows, start=1):
        if not any((row.get(k) or "").strip() for k in ("date", "quantity", "note")):
            continue
        kind = "split" if (row.get("quantity") or "").strip() else "date"
        day = parse_date(row.get("date", ""))
        parsed = parse_quantity(row.get("quantity", "")) if kind == "split" else None
        qty = parsed if isinstance(parsed, Decimal) else None
        note = (row.get("note") or "").strip()[:300]
        bad = day is None or day < today_local()
        if kind == "split":
            bad = bad or qty is None or qty <= 0 or (line_qty is not None and qty >= line_qty)
        if bad:
            errors[f"alt_{n}"] = Msg(MSG_ALT_ROW, n=n)
            continue
        assert day is not None
        out.append(Alternative(kind, day, str(qty) if qty is not None else "", note))
    if len(out) > MAX_ALTERNATIVES:
        out = out[:MAX_ALTERNATIVES]
    return out


async def answer(
    session: AsyncSession,
    *,
    request_id: int,
    expected_version: int,
    outcome: str,
    new_date: dt.date | None,
    alternatives: list[Alternative],
    explanation: str,
    compensation: str,
    actor: Actor,
) -> ExpediteRequest:
    if ANSWER_ROLES.isdisjoint(actor.roles):
        raise Forbidden("answering expedite requests is PMC's")
    request = await _load(session, request_id, expected_version)
    try:
        result = Outcome(outcome)
    except ValueError:
        raise ValidationFailed({"outcome": Msg(N_("Choose an answer."))}) from None
    to = target("answer", request.status, result)  # a withdrawn request: InvalidTransition → 409
    errors: dict[str, Msg] = {}
    explanation = _text(explanation, "explanation", errors, required_msg=MSG_EXPLANATION)
    compensation = _text(compensation, "compensation", errors)
    if result == Outcome.ACCEPTED and (new_date is None or new_date < today_local()):
        errors["new_date"] = Msg(MSG_NEW_DATE)
    if result == Outcome.PARTIAL and not alternatives:
        errors.setdefault("alternatives", Msg(MSG_ALTERNATIVES))
    if errors:
        raise ValidationFailed(errors)
    order = await session.scalar(
        select(SalesOrder).where(SalesOrder.id == request.order_id).with_for_update()
    )
    assert order is not None
    request.status = to
    request.outcome = result
    request.new_date = new_date if result == Outcome.ACCEPTED else None
    request.alternatives = [a.to_json() for a in alternatives] if result == Outcome.PARTIAL else []
    request.explanation = explanation
    request.compensation = compensation
    request.answered_by = actor.name
    request.answered_at = utcnow()
    if result == Outcome.ACCEPTED:
        assert new_date is not None
        await _promise(session, order, request, new_date, actor)
    await session.flush()
    _event(session, order, request, "answered", actor, explanation, outcome=str(result),
           new_date=new_date.isoformat() if new_date and result == Outcome.ACCEPTED else None,
           alternatives=request.alternatives, compensation=compensation)  # fmt: skip
    return request


async def _promise(session: AsyncSession, order: SalesOrder, request: ExpediteRequest, day: dt.date,
                   actor: Actor) -> None:  # fmt: skip
    """The new date becomes the promise, and the jobs go first from now on (the next re-plan honours it)."""
    lines = list(await session.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id)))
    for line in lines:
        if request.line_id is None or line.id == request.line_id:
            line.promised_date = day
    dates = [line.promised_date or line.requested_date for line in lines]
    order.promised_date = max(dates) if dates else day
    order.changed_by = actor.name
    job_filter = Job.order_id == order.id
    if request.line_id is not None:
        job_filter = job_filter & (Job.order_line_id == request.line_id)
    await session.execute(
        update(Job).where(job_filter).values(priority=feasibility.EXPEDITE_PRIORITY, version=Job.version + 1)
    )


async def _customer_request(
    session: AsyncSession, request_id: int, expected_version: int, actor: Actor
) -> ExpediteRequest:
    if actor.kind != "customer" or actor.customer_id is None or CustomerRole.BUYER not in actor.roles:
        raise Forbidden("only the customer's buyers decide on their requests")
    request = await _load(session, request_id, None)
    if request.customer_id != actor.customer_id:
        raise NotFound(str(request_id))
    if request.version != expected_version:
        raise StaleVersion(request.answered_by or request.requested_by, request.updated_at, request.version)
    return request


async def choose(session: AsyncSession, *, request_id: int, expected_version: int, index: int | None,
                 actor: Actor) -> ExpediteRequest:  # fmt: skip
    request = await _customer_request(session, request_id, expected_version, actor)
    to = target("choose", request.status)
    if index is None or not 0 <= index < len(request.alternatives):
        raise ValidationFailed({"choice": Msg(MSG_CHOICE)})
    order = await session.scalar(
        select(SalesOrder).where(SalesOrder.id == request.order_id).with_for_update()
    )
    assert order is not None
    alternative = request.alternatives[index]
    request.status = to
    request.chosen = index
    request.decided_at = utcnow()
    if alternative["kind"] == "date":
        await _promise(session, order, request, dt.date.fromisoformat(alternative["date"]), actor)
    await session.flush()
    _event(session, order, request, "agreed", actor, "", alternative=alternative)
    return request


async def reject(session: AsyncSession, *, request_id: int, expected_version: int, note: str,
                 actor: Actor) -> ExpediteRequest:  # fmt: skip
    request = await _customer_request(session, request_id, expected_version, actor)
    request.status = target("reject", request.status)
    request.closed_note = note.strip()[:MAX_TEXT]
    request.decided_at = utcnow()
    order = await session.get_one(SalesOrder, request.order_id)
    await session.flush()
    _event(session, order, request, "closed", actor, request.closed_note)
    return request


async def withdraw(session: AsyncSession, *, request_id: int, expected_version: int, note: str,
                   actor: Actor) -> ExpediteRequest:  # fmt: skip
    request = await _customer_request(session, request_id, expected_version, actor)
    request.status = target("withdraw", request.status)
    request.closed_note = note.strip()[:MAX_TEXT]
    request.decided_at = utcnow()
    order = await session.get_one(SalesOrder, request.order_id)
    await session.flush()
    _event(session, order, request, "withdrawn", actor, request.closed_note)
    return request
