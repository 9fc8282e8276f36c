"""Reads: PMC's queue (oldest first, with the answer clock) and the requests of one order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.errors import NotFound
from domain.expedite.lifecycle import ACTIVE, State
from domain.expedite.models import ExpediteRequest
from domain.expedite.sla import working_minutes_left
from domain.orders.models import SalesOrder
from domain.parties.roles import StaffRole

__all__ = ["VIEW_ROLES", "QueueItem", "get_request", "queue", "requests_for_order"]

VIEW_ROLES = frozenset(
    {StaffRole.PMC, StaffRole.ADMIN, StaffRole.SALES, StaffRole.SALES_MANAGER, StaffRole.CUSTOMER_SERVICE}
)


@dataclass(frozen=True)
class QueueItem:
    request: ExpediteRequest
    minutes_left: float  # office minutes until the answer is due; negative once overdue

    @property
    def overdue(self) -> bool:
        return self.request.status == State.OPEN and self.minutes_left < 0


def _with_order():
    return (
        joinedload(ExpediteRequest.order).joinedload(SalesOrder.customer),
        joinedload(ExpediteRequest.line),
    )


async def queue(
    session: AsyncSession, *, now: dt.datetime, waiting_only: bool = True, limit: int = 200
) -> list[QueueItem]:
    stmt = (
        select(ExpediteRequest)
        .options(*_with_order())
        .order_by(ExpediteRequest.created_at, ExpediteRequest.id)
        .limit(limit)
    )
    if waiting_only:
        stmt = stmt.where(ExpediteRequest.status.in_([str(s) for s in ACTIVE]))
    rows = (await session.scalars(stmt)).unique()
    return [QueueItem(r, working_minutes_left(r.sla_due_at, now)) for r in rows]


async def get_request(session: AsyncSession, request_id: int) -> ExpediteRequest:
    request = await session.scalar(
        select(ExpediteRequest).options(*_with_order()).where(ExpediteRequest.id == request_id)
    )
    if request is None:
        raise NotFound(str(request_id))
    return request


async def requests_for_order(session: AsyncSession, order_id: int) -> list[ExpediteRequest]:
    stmt = (
        select(ExpediteRequest)
        .options(joinedload(ExpediteRequest.line))
        .where(ExpediteRequest.order_id == order_id)
        .order_by(ExpediteRequest.id.desc())
    )
    return list((await session.scalars(stmt)).unique())
