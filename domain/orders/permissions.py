"""Who may enter orders. (Who may move them along is the state table's business: lifecycle.py.)"""

from __future__ import annotations

from collections.abc import Iterable

from domain.actors import Actor
from domain.errors import Forbidden
from domain.parties.roles import StaffRole as R

# The desk roles that take orders from customers; admin may do everything.
ENTRY_ROLES = frozenset({R.SALES, R.SALES_MANAGER, R.CUSTOMER_SERVICE, R.ADMIN})


def may_enter_orders(roles: Iterable[str]) -> bool:
    return not ENTRY_ROLES.isdisjoint(roles)


def authorize_entry(actor: Actor) -> None:
    """Staff need a desk role; system channels (API, DingTalk) act for the factory and may."""
    if actor.kind == "system":
        return
    if actor.kind == "staff" and may_enter_orders(actor.roles):
        return
    raise Forbidden("order entry")
