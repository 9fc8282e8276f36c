"""What other contexts do when an order moves: called by ``services._apply`` inside the same transaction,
after the transition, its timeline row and its outbox event are written.

Kept as one explicit function (not a registry of listeners) so that reading this file tells everything
a transition sets off, in order. Imports are local: production and promise depend on orders, not the
other way round.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.orders.lifecycle import Status, Transition
from domain.orders.models import SalesOrder


async def after_transition(
    session: AsyncSession, order: SalesOrder, transition: Transition, before: Status | str, actor: Actor
) -> None:
    """Side effects of ``order`` having moved from ``before`` by ``transition``."""
    del before
    if transition.target == Status.SUBMITTED:
        from domain.promise.service import check_order

        await check_order(session, order, actor)  # the promise at the door, for every channel
    elif transition.action == "confirm":  # not "release" back to confirmed: its jobs exist already
        from domain.production.jobs import plan_jobs
        from domain.promise.service import guard_confirm

        await guard_confirm(session, order)  # an open credit flag blocks the confirmation
        await plan_jobs(session, order, actor)
    elif transition.target == Status.CANCELLED:
        from domain.production.jobs import cancel_jobs

        await cancel_jobs(session, order, actor)
