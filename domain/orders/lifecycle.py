"""The order state machine: the one place that says which move is allowed, from where, and for whom."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.errors import Forbidden, InvalidTransition
from domain.parties.roles import CustomerRole as C
from domain.parties.roles import StaffRole as R


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    CONFIRMED = "confirmed"
    IN_PRODUCTION = "in_production"
    QC = "qc"
    READY_TO_SHIP = "ready_to_ship"
    PICKING = "picking"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    INVOICED = "invoiced"
    CLOSED = "closed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


S = Status
# The normal path, in order; used for progress displays and for generating realistic demo data.
MAIN_PATH: tuple[Status, ...] = (
    S.DRAFT, S.SUBMITTED, S.CONFIRMED, S.IN_PRODUCTION, S.QC, S.READY_TO_SHIP,
    S.PICKING, S.SHIPPED, S.DELIVERED, S.INVOICED, S.CLOSED,
)  # fmt: skip
# Work can be paused while nothing has left the factory; once goods are picked the hold no longer helps.
HOLDABLE = frozenset({S.SUBMITTED, S.CONFIRMED, S.IN_PRODUCTION, S.QC, S.READY_TO_SHIP})
TERMINAL = frozenset({S.CLOSED, S.CANCELLED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[Status]
    target: Status | None  # None: back to the status the order was held from
    roles: frozenset[str]
    event: str
    needs_comment: bool = False


def _t(action: str, sources: Iterable[Status], target: Status | None, roles: Iterable[str], event: str,
       needs_comment: bool = False) -> Transition:  # fmt: skip
    return Transition(action, frozenset(sources), target, frozenset(roles) | {R.ADMIN}, event, needs_comment)


TRANSITIONS: tuple[Transition, ...] = (
    # A customer's buyer submits their own order from the portal (re-order); entry rights: permissions.py.
    _t("submit", [S.DRAFT], S.SUBMITTED, [R.SALES, R.SALES_MANAGER, R.CUSTOMER_SERVICE, C.BUYER], "order.submitted"),
    _t("confirm", [S.SUBMITTED], S.CONFIRMED, [R.SALES_MANAGER], "order.confirmed"),
    _t("return_to_draft", [S.SUBMITTED], S.DRAFT, [R.SALES_MANAGER], "order.returned", needs_comment=True),
    _t("start_production", [S.CONFIRMED], S.IN_PRODUCTION, [R.PMC], "order.production_started"),
    _t("send_to_qc", [S.IN_PRODUCTION], S.QC, [R.PMC, R.QC], "order.sent_to_qc"),
    _t("pass_qc", [S.QC], S.READY_TO_SHIP, [R.QC], "order.qc_passed"),
    _t("fail_qc", [S.QC], S.IN_PRODUCTION, [R.QC], "order.qc_failed", needs_comment=True),
    _t("start_picking", [S.READY_TO_SHIP], S.PICKING, [R.WAREHOUSE], "order.picking_started"),
    _t("ship", [S.PICKING], S.SHIPPED, [R.LOGISTICS, R.WAREHOUSE], "order.shipped"),
    _t("confirm_delivery", [S.SHIPPED], S.DELIVERED, [R.LOGISTICS, R.CUSTOMER_SERVICE], "order.delivered"),
    _t("invoice", [S.DELIVERED], S.INVOICED, [R.BILLING], "order.invoiced"),
    _t("close", [S.INVOICED], S.CLOSED, [R.BILLING], "order.closed"),
    _t("hold", HOLDABLE, S.ON_HOLD, [R.SALES_MANAGER, R.PMC], "order.held", needs_comment=True),
    _t("release", [S.ON_HOLD], None, [R.SALES_MANAGER, R.PMC], "order.released"),
    # A rep may withdraw what has not been accepted yet; once confirmed, cancelling costs the
    # factory material and capacity, so only the sales manager decides.
    _t("cancel", [S.DRAFT, S.SUBMITTED], S.CANCELLED,
       [R.SALES, R.SALES_MANAGER, R.CUSTOMER_SERVICE], "order.cancelled", needs_comment=True),
    _t("cancel", [S.CONFIRMED, S.IN_PRODUCTION, S.ON_HOLD], S.CANCELLED,
       [R.SALES_MANAGER], "order.cancelled", needs_comment=True),
)  # fmt: skip

ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))


def find_transition(action: str, status: Status | str) -> Transition:
    for t in TRANSITIONS:
        if t.action == action and status in t.sources:
            return t
    raise InvalidTransition(action, str(status))


def authorize(transition: Transition, roles: Iterable[str]) -> None:
    if transition.roles.isdisjoint(roles):
        raise Forbidden(f"{transition.action} needs one of {sorted(transition.roles)}")


def available_transitions(status: Status | str, roles: Iterable[str]) -> list[Transition]:
    """The moves this actor can make now: what the order page shows as buttons."""
    roles = frozenset(roles)
    return [t for t in TRANSITIONS if status in t.sources and not t.roles.isdisjoint(roles)]


def resolve_target(transition: Transition, held_from: str | None) -> Status:
    if transition.target is not None:
        return transition.target
    if held_from is None:
        raise InvalidTransition(transition.action, S.ON_HOLD)
    return Status(held_from)
