"""Who may enter orders. (Who may move them along is the state table's business: lifecycle.py.)"""

from __future__ import annotations

from collections.abc import Iterable

from domain.actors import Actor
from domain.errors import Forbidden
from domain.parties.roles import CustomerRole
from domain.parties.roles import StaffRole as R

# The desk roles that take orders from customers; admin may do everything.
ENTRY_ROLES = frozenset({R.SALES, R.SALES_MANAGER, R.CUSTOMER_SERVICE, R.ADMIN})


def may_enter_orders(roles: Iterable[str]) -> bool:
    return not ENTRY_ROLES.isdisjoint(roles)


def authorize_entry(actor: Actor, customer_id: int | None = None) -> None:
    """Staff need a desk role; system channels (API, DingTalk) act for the factory and may. A customer's
    buyer may order for their own company only (portal re-order); ``customer_id`` is the order's."""
    if actor.kind == "system":
        return
    if actor.kind == "staff" and may_enter_orders(actor.roles):
        return
    if (
        actor.kind == "customer"
        and CustomerRole.BUYER in actor.roles
        and customer_id is not None
        and customer_id == actor.customer_id
    ):
        return
    raise Forbidden("order entry")
