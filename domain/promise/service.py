"""The promise at the door: the three checks in one call, the verdict, and what is kept of it.

``evaluate`` is the read-only core (the quick-entry preview calls it directly and stores nothing);
``check_order`` runs it for a submitted order and records the outcome with the order, its timeline and
the outbox; ``override_credit`` lets a sales manager accept a credit flag with a reason.

Every check reads its inputs in a fixed number of statements, so the evaluation costs the same number
of round trips for one line or two hundred.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import flag_modified, set_committed_value

from domain.actors import Actor
from domain.base import SHANGHAI, utcnow
from domain.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from domain.i18n import N_, Msg
from domain.notifications.services import notify_staff, staff_with_roles
from domain.orders.lifecycle import Status
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.outbox.services import record_event
from domain.parties.models import Customer
from domain.parties.roles import StaffRole
from domain.production import planning
from domain.production.master_data import load_routings
from domain.production.scheduler import JobSpec
from domain.promise.capacity import CapacityResult, capacity_to_promise, material_lead_days
from domain.promise.credit import CreditResult, assess_credit, load_credit_position
from domain.promise.kitting import KitLine, KittingResult, check_kitting, load_kitting_inputs
from domain.promise.models import PromiseCheck

__all__ = [
    "REVIEWERS",
    "Evaluation",
    "PromiseLine",
    "PromiseRequest",
    "check_order",
    "evaluate",
    "latest_check",
    "override_credit",
    "recheck_order",
]

# Who hears about a red flag at once: the sales manager decides on credit, the PMC planner on material
# and capacity.
REVIEWERS = (StaffRole.SALES_MANAGER, StaffRole.PMC)
# How far past the requested date (or the last material arrival) capacity-to-promise looks for a slot.
# Beyond it the answer is "not by then", which is a red flag either way, and the read stays bounded.
HORIZON_DAYS = 60
MAX_REASON = 2000

MSG_CREDIT = N_(
    "Credit limit exceeded: %(exposure)s owed and ordered against a limit of %(limit)s (over by %(over)s)."
)
MSG_SHORT = N_(
    "Line %(line)s is short of %(code)s %(name)s: needs %(required)s, %(available)s available by %(need_by)s."
)
MSG_LATE_MATERIAL = N_(
    "The earliest finish, %(promised)s, is after the requested date %(requested)s: the lines wait for components."
)
MSG_LATE_CAPACITY = N_(
    "The earliest finish, %(promised)s, is after the requested date %(requested)s: the floor is fully booked until then."
)
MSG_NO_ROUTING = N_("Line %(lines)s cannot be planned: the product has no routing yet.")
MSG_BEYOND = N_("Line %(lines)s cannot be finished by %(date)s with the current load on the floor.")
MSG_NO_DATE = N_("No date can be promised: confirmed receipts do not cover the components of line %(lines)s.")
SUG_EXPEDITE = N_(
    "Get %(short)s %(unit)s of %(code)s by %(need_by)s (confirmed supply covers it on %(covered_on)s) "
    "and the requested date holds."
)
SUG_PURCHASE = N_(
    "Order %(short)s %(unit)s of %(code)s now: with its usual lead time of %(days)s days it arrives about %(date)s."
)
SUG_CAPACITY_ONLY = N_("With every component on hand, today's load lets the order finish on %(date)s.")
SUG_SPLIT = N_("Lines %(lines)s can ship by the requested date; the rest could follow on %(date)s.")
SUG_OFFER = N_("Offer the customer %(date)s, the earliest date that can be promised now.")
MSG_ALERT = N_("Order %(order_no)s waits in review: red flags on the promise check.")
MSG_OVERRIDE_NOTHING = N_("There is no open credit flag on this order.")
MSG_REASON = N_("Please give a reason.")
MSG_REASON_LONG = N_("At most %(max)s characters.")
MSG_RECHECK_STATUS = N_("Only a submitted order is checked again.")
MSG_CONFIRM_BLOCKED = N_(
    "The credit flag is still open: a sales manager overrides it on the review screen first."
)


@dataclass(frozen=True)
class PromiseLine:
    key: str
    product_id: int
    quantity: Decimal
    requested_date: dt.date
    amount_gross: Decimal


@dataclass(frozen=True)
class PromiseRequest:
    customer_id: int | None  # None in the preview before a customer is chosen: no credit check
    requested_date: dt.date | None  # None in the preview before a date is chosen: no comparison
    lines: Sequence[PromiseLine]
    exclude_order_id: int | None = None


@dataclass(frozen=True)
class Evaluation:
    credit: CreditResult | None
    kitting: KittingResult
    capacity: CapacityResult
    flags: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)
    elapsed_ms: int = 0

    @property
    def status(self) -> str:
        return "red" if self.flags else "green"

    @property
    def promised_date(self) -> dt.date | None:
        return self.capacity.promised

    def flag_checks(self) -> list[str]:
        return list(dict.fromkeys(f["check"] for f in self.flags))


def _flag(check: str, message: str, **params: Any) -> dict[str, Any]:
    return {"check": check, "message": message, "params": params}


def _n(value: Decimal) -> str:
    """A quantity or amount for a message: no trailing zeros, no exponent ("20", "12.5", "1000")."""
    return f"{value.normalize():f}"


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,}"


async def evaluate(
    session: AsyncSession, request: PromiseRequest, *, now: dt.datetime | None = None
) -> Evaluation:
    """Run credit, kitting and capacity-to-promise for ``request``. Reads only."""
    started = time.perf_counter()
    now = now or utcnow()
    today = now.astimezone(SHANGHAI).date()
    lines = list(request.lines)

    credit = None
    if request.customer_id is not None:
        position = await load_credit_position(
            session, request.customer_id, exclude_order_id=request.exclude_order_id
        )
        credit = assess_credit(position, sum((x.amount_gross for x in lines), Decimal("0")))

    scheduler = await planning.load_scheduler(session)
    exclude = (request.exclude_order_id,) if request.exclude_order_id is not None else ()
    # The routings are read here rather than through ``planning.job_specs_for`` because a product without
    # a routing is a finding of this check (a red flag), not an error that stops it.
    routings = await load_routings(session, sorted({x.product_id for x in lines}))
    specs = {
        x.key: JobSpec(
            key=x.key,
            operations=tuple(planning.operation_spec(r, float(x.quantity)) for r in routings[x.product_id]),
            release_at=now,
            due=x.requested_date,
        )
        for x in lines
        if routings.get(x.product_id)
    }
    unrouted = [x.key for x in lines if not routings.get(x.product_id)]

    boms, supply, components = await load_kitting_inputs(session, [x.product_id for x in lines])
    kit_lines = [
        KitLine(
            x.key,
            x.product_id,
            x.quantity,
            max(today, x.requested_date - dt.timedelta(days=material_lead_days(specs.get(x.key)))),
        )
        for x in lines
    ]
    kitting = check_kitting(kit_lines, boms, supply, components, today=today)
    # The what-if reads only the load that can matter: the work centers these jobs visit, in a window
    # that runs HORIZON_DAYS past the latest of the requested dates and the material arrivals.
    latest = max(
        [today, *(x.requested_date for x in lines), *(k.ready_on for k in kitting.lines if k.ready_on)]
    )
    horizon = latest + dt.timedelta(days=HORIZON_DAYS)
    centers = {int(op.work_center_id) for spec in specs.values() for op in spec.operations}
    bookings = await planning.current_bookings(
        session, now=now, exclude_order_ids=exclude, work_center_ids=centers,
        starting_before=dt.datetime.combine(horizon + dt.timedelta(days=1), dt.time(0), SHANGHAI),
    ) if centers else []  # fmt: skip
    order_requested = request.requested_date or dt.date.max
    capacity = capacity_to_promise(
        scheduler,
        bookings,
        specs,
        requested={x.key: (x.requested_date if request.requested_date else dt.date.max) for x in lines},
        material_ready={x.key: kitting.by_key[x.key].ready_on for x in lines},
        order_requested=order_requested,
        now=now,
        horizon=horizon,
    )
    flags, suggestions = _verdict(credit, kitting, capacity, request.requested_date, today, unrouted)
    elapsed = int((time.perf_counter() - started) * 1000)
    return Evaluation(credit, kitting, capacity, flags, suggestions, elapsed)


def _verdict(
    credit: CreditResult | None,
    kitting: KittingResult,
    capacity: CapacityResult,
    requested: dt.date | None,
    today: dt.date,
    unrouted: Sequence[str] = (),
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    flags: list[dict[str, Any]] = []
    suggestions: list[dict[str, Any]] = []
    if credit is not None and not credit.ok:
        flags.append(_flag("credit", MSG_CREDIT, exposure=_money(credit.exposure), limit=_money(credit.limit),
                           over=_money(-credit.headroom)))  # fmt: skip
    for line in kitting.lines:
        for s in line.shortages:
            flags.append(_flag("kitting", MSG_SHORT, line=line.key, code=s.component.code, name=s.component.name,
                               required=_n(s.required), available=_n(s.available),
                               need_by=line.need_by.isoformat()))  # fmt: skip
            if s.covered_on is not None:
                suggestions.append(_flag("kitting", SUG_EXPEDITE, short=_n(s.short), unit=s.component.unit,
                                         code=s.component.code, need_by=line.need_by.isoformat(),
                                         covered_on=s.covered_on.isoformat()))  # fmt: skip
            else:
                arrives = today + dt.timedelta(days=s.component.lead_time_days)
                suggestions.append(_flag("kitting", SUG_PURCHASE, short=_n(s.short), unit=s.component.unit,
                                         code=s.component.code, days=s.component.lead_time_days,
                                         date=arrives.isoformat()))  # fmt: skip
    if unrouted:
        flags.append(_flag("capacity", MSG_NO_ROUTING, lines=", ".join(unrouted)))
    if requested is not None:
        beyond = [x.key for x in capacity.lines if x.beyond_horizon]
        undated = [
            x.key
            for x in capacity.lines
            if x.promised is None and x.key not in unrouted and not x.beyond_horizon
        ]
        if beyond and capacity.horizon is not None:
            flags.append(
                _flag("capacity", MSG_BEYOND, lines=", ".join(beyond), date=capacity.horizon.isoformat())
            )
        if undated:
            flags.append(_flag("capacity", MSG_NO_DATE, lines=", ".join(undated)))
        elif not capacity.ok and capacity.promised is not None:
            message = MSG_LATE_MATERIAL if capacity.bottleneck == "material" else MSG_LATE_CAPACITY
            flags.append(_flag("capacity", message, promised=capacity.promised.isoformat(),
                               requested=requested.isoformat()))  # fmt: skip
        if not capacity.ok:
            if capacity.bottleneck == "capacity" and capacity.capacity_only is not None:
                suggestions.append(
                    _flag("capacity", SUG_CAPACITY_ONLY, date=capacity.capacity_only.isoformat())
                )
            on_time = [x.key for x in capacity.lines if not x.late]
            if on_time and capacity.promised is not None:
                suggestions.append(_flag("capacity", SUG_SPLIT, lines=", ".join(on_time),
                                         date=capacity.promised.isoformat()))  # fmt: skip
            if capacity.promised is not None:
                suggestions.append(_flag("capacity", SUG_OFFER, date=capacity.promised.isoformat()))
    return flags, suggestions


# -- with an order ----------------------------------------------------------------------------------


async def _order_lines(session: AsyncSession, order: SalesOrder) -> list[SalesOrderLine]:
    return list(
        await session.scalars(
            select(SalesOrderLine).where(SalesOrderLine.order_id == order.id).order_by(SalesOrderLine.line_no)
        )
    )


def request_for(order: SalesOrder, lines: Sequence[SalesOrderLine]) -> PromiseRequest:
    return PromiseRequest(
        customer_id=order.customer_id,
        requested_date=order.requested_date,
        lines=[
            PromiseLine(
                key=str(x.line_no),
                product_id=x.product_id,
                quantity=x.quantity,
                requested_date=x.requested_date,
                amount_gross=x.amount_net + (x.amount_net * x.tax_rate).quantize(Decimal("0.01")),
            )
            for x in lines
        ],
        exclude_order_id=order.id,
    )


async def check_order(
    session: AsyncSession, order: SalesOrder, actor: Actor, *, trigger: str = "submit"
) -> PromiseCheck:
    """Run the checks for a submitted order and keep the result. Green: the promised date is set on the
    order and its lines. Red: the order waits in review and the reviewers hear of it at once."""
    # Two orders of one customer checked at the same moment would each see the other's value missing from
    # the open orders: the customer row is the lock that makes credit checks of one customer take turns
    # (PostgreSQL; SQLite lets one writer in at a time anyway).
    await session.execute(select(Customer.id).where(Customer.id == order.customer_id).with_for_update())
    lines = await _order_lines(session, order)
    result = await evaluate(session, request_for(order, lines))
    await session.execute(
        update(PromiseCheck)
        .where(PromiseCheck.order_id == order.id, PromiseCheck.needs_review.is_(True))
        .values(needs_review=False)
    )
    check = PromiseCheck(
        order_id=order.id,
        order_version=order.version,
        trigger=trigger,
        status=result.status,
        requested_date=order.requested_date,
        promised_date=result.promised_date,
        credit=result.credit.as_json() if result.credit else {},
        kitting=result.kitting.as_json(),
        capacity=result.capacity.as_json(),
        flags=result.flags,
        suggestions=result.suggestions,
        needs_review=bool(result.flags),
        elapsed_ms=result.elapsed_ms,
    )
    session.add(check)
    if not result.flags:
        await _set_promised(
            session, order, lines, result.promised_date,
            {x.key: x.promised for x in result.capacity.lines},
        )  # fmt: skip
    await session.flush()
    _timeline(session, order, actor, "promise_check", "", {
        "status": result.status, "promised_date": _iso(result.promised_date), "flags": result.flag_checks(),
        "check_id": check.id,
    })  # fmt: skip
    payload = {
        "order_no": order.order_no,
        "status": result.status,
        "promised_date": _iso(result.promised_date),
        "requested_date": order.requested_date.isoformat(),
        "flags": result.flag_checks(),
        "check_id": check.id,
    }
    if result.flags:
        record_event(session, "order.promise_flagged", aggregate_type="order", aggregate_id=order.order_no,
                     payload=payload)  # fmt: skip
        recipients = await staff_with_roles(session, REVIEWERS)
        notify_staff(
            session, recipients, kind="order.red_flag", message=MSG_ALERT, params={"order_no": order.order_no},
            link=f"/backoffice/orders/{order.order_no}", order_id=order.id,
        )  # fmt: skip
    else:
        record_event(session, "order.promised", aggregate_type="order", aggregate_id=order.order_no,
                     payload=payload)  # fmt: skip
    return check


async def _set_promised(
    session: AsyncSession,
    order: SalesOrder,
    lines: Sequence[SalesOrderLine],
    promised: dt.date | None,
    by_line: dict[str, dt.date | None],
) -> None:
    """Write the promise onto the order and its lines as part of the change already under way (the
    submit, the confirm, the override), so the order's version moves once for it, not twice."""
    await session.execute(
        update(SalesOrder).where(SalesOrder.id == order.id).values(promised_date=promised)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    set_committed_value(order, "promised_date", promised)
    for line in lines:
        if (day := by_line.get(str(line.line_no))) is not None:
            line.promised_date = day


def _line_dates(check: PromiseCheck) -> dict[str, dt.date | None]:
    return {
        x["key"]: dt.date.fromisoformat(x["promised"]) if x.get("promised") else None
        for x in check.capacity.get("lines", [])
    }


async def latest_check(session: AsyncSession, order_id: int) -> PromiseCheck | None:
    return await session.scalar(
        select(PromiseCheck)
        .where(PromiseCheck.order_id == order_id)
        .order_by(PromiseCheck.id.desc())
        .limit(1)
    )


def credit_flag_open(check: PromiseCheck | None) -> bool:
    return (
        check is not None
        and any(f["check"] == "credit" for f in check.flags)
        and check.credit_override_at is None
    )


async def override_credit(
    session: AsyncSession, *, order_no: str, expected_version: int, reason: str, actor: Actor
) -> PromiseCheck:
    """A sales manager accepts the credit risk of a submitted order, with a reason. When credit was the
    only red flag, the order is accepted: its promised date is set."""
    if not may_override_credit(actor.roles):
        raise Forbidden("overriding a credit flag needs sales_manager")
    order = await session.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no).with_for_update())
    if order is None:
        raise NotFound(order_no)
    if order.version != expected_version:
        raise StaleVersion(order.changed_by, order.updated_at, order.version)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": Msg(MSG_REASON)})
    if len(reason) > MAX_REASON:
        raise ValidationFailed({"reason": Msg(MSG_REASON_LONG, max=MAX_REASON)})
    check = await latest_check(session, order.id)
    if order.status != Status.SUBMITTED or check is None or not credit_flag_open(check):
        raise ValidationFailed({"reason": Msg(MSG_OVERRIDE_NOTHING)})
    assert check is not None
    check.credit_override_by = actor.name
    check.credit_override_reason = reason
    check.credit_override_at = utcnow()
    remaining = [f for f in check.flags if f["check"] != "credit"]
    if not remaining:
        check.needs_review = False
        if check.promised_date is not None:
            lines = await _order_lines(session, order)
            await _set_promised(session, order, lines, check.promised_date, _line_dates(check))
    # The override is a change of the order: its version moves, so a form loaded before it is stale.
    order.changed_by = actor.name
    flag_modified(order, "changed_by")
    await session.flush()
    _timeline(
        session, order, actor, "credit_override", reason, {"check_id": check.id, "credit": check.credit}
    )
    record_event(
        session, "order.credit_overridden", aggregate_type="order", aggregate_id=order.order_no,
        payload={"order_no": order.order_no, "check_id": check.id, "reason": reason, "credit": check.credit,
                 "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name},
                 "still_in_review": bool(remaining)},
    )  # fmt: skip
    return check


async def guard_confirm(session: AsyncSession, order: SalesOrder) -> None:
    """Confirming accepts the order: not while its credit flag is open. Material and capacity flags do not
    block (the sales manager may accept the later date); the computed date becomes the promise."""
    check = await latest_check(session, order.id)
    if credit_flag_open(check):
        raise ValidationFailed({"comment": Msg(MSG_CONFIRM_BLOCKED)})
    if check is not None:
        check.needs_review = False
        if order.promised_date is None and check.promised_date is not None:
            lines = await _order_lines(session, order)
            await _set_promised(session, order, lines, check.promised_date, _line_dates(check))
            await session.flush()


def _timeline(
    session: AsyncSession, order: SalesOrder, actor: Actor, action: str, comment: str, data: dict[str, Any]
) -> None:
    session.add(
        OrderEvent(
            order_id=order.id, kind="promise", action=action, actor_kind=actor.kind, actor_id=actor.id,
            actor_name=actor.name, comment=comment, version=order.version, data=data,
        )
    )  # fmt: skip


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


RECHECKERS = frozenset({StaffRole.SALES_MANAGER, StaffRole.PMC, StaffRole.ADMIN})


async def recheck_order(
    session: AsyncSession, *, order_no: str, expected_version: int, actor: Actor
) -> PromiseCheck:
    """Run the checks again for an order in review (stock arrived, load moved): a new run, kept in the
    history; the old one leaves the queue."""
    if RECHECKERS.isdisjoint(actor.roles):
        raise Forbidden("re-checking needs sales_manager or pmc")
    order = await session.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no).with_for_update())
    if order is None:
        raise NotFound(order_no)
    if order.version != expected_version:
        raise StaleVersion(order.changed_by, order.updated_at, order.version)
    if order.status != Status.SUBMITTED:
        raise ValidationFailed({"recheck": Msg(MSG_RECHECK_STATUS)})
    order.changed_by = actor.name
    flag_modified(order, "changed_by")
    await session.flush()
    return await check_order(session, order, actor, trigger="recheck")


# Who reads the review queue and the checks' reasons: the people who sell, decide and plan. Warehouse,
# QC, logistics and billing see the order, not its credit position.
REVIEW_READERS = frozenset(
    {StaffRole.SALES, StaffRole.SALES_MANAGER, StaffRole.CUSTOMER_SERVICE, StaffRole.PMC, StaffRole.ADMIN}
)


def may_read_review(roles: frozenset[str] | set[str]) -> bool:
    return not REVIEW_READERS.isdisjoint(roles)


def authorize_review(actor: Actor) -> None:
    if not may_read_review(actor.roles):
        raise Forbidden("the promise review is for sales, sales managers, customer service and PMC")


def may_override_credit(roles: frozenset[str] | set[str]) -> bool:
    return StaffRole.SALES_MANAGER in roles or StaffRole.ADMIN in roles


def may_recheck(roles: frozenset[str] | set[str]) -> bool:
    return not RECHECKERS.isdisjoint(roles)
