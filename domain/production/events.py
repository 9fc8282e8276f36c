"""The order timeline and the outbox for production: every production command writes both, through here.

Timeline rows carry ``kind="production"`` and customer-safe data only (stage names, quantities, dates):
work-center codes, machines and minutes stay out, because the portal may show these rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.orders.models import OrderEvent, SalesOrder
from domain.outbox.services import record_event

KIND = "production"


def iso(moment: dt.datetime | None) -> str | None:
    """Times in event data are UTC ISO strings, whatever zone the caller computed in."""
    return moment.astimezone(dt.UTC).isoformat() if moment is not None else None


def record(
    session: AsyncSession,
    order: SalesOrder,
    action: str,
    actor: Actor,
    *,
    data: dict[str, Any],
    comment: str = "",
    event: str | None = None,
    payload: dict[str, Any] | None = None,
) -> OrderEvent:
    """One timeline row on ``order`` and, unless ``event`` is None, one outbox event in the same transaction."""
    row = OrderEvent(
        order_id=order.id,
        kind=KIND,
        action=action,
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        comment=comment,
        version=order.version,
        data=data,
    )
    session.add(row)
    if event is not None:
        record_event(
            session,
            event,
            aggregate_type="order",
            aggregate_id=order.order_no,
            payload={
                "order_no": order.order_no,
                "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name},
                **(payload if payload is not None else data),
            },
        )
    return row
