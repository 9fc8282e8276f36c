"""Reads for after-sales and sales: the care queue, one ticket with the customer's history, ratings per customer."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from domain.errors import NotFound
from domain.feedback.models import CareTicket, DeliveryRating
from domain.orders.models import SalesOrder
from domain.parties.models import Customer

__all__ = ["CustomerFeedback", "customer_feedback", "get_ticket", "list_tickets", "ratings_by_customer"]


@dataclass(frozen=True)
class CustomerFeedback:
    """What after-sales should know before calling: earlier ratings and complaints of this customer."""

    ratings: int
    avg_delivery: Decimal | None
    avg_quality: Decimal | None
    avg_service: Decimal | None
    tickets: int
    open_tickets: int
    recent: list[DeliveryRating]
    earlier_tickets: list[CareTicket]


def _avg(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.1"))


async def list_tickets(session: AsyncSession, *, status: str = "open", limit: int = 200) -> list[CareTicket]:
    stmt = (
        select(CareTicket)
        .options(joinedload(CareTicket.rating), joinedload(CareTicket.order).joinedload(SalesOrder.customer))
        .order_by(CareTicket.id.desc())
        .limit(limit)
    )
    if status in ("open", "closed"):
        stmt = stmt.where(CareTicket.status == status)
    return list((await session.scalars(stmt)).unique())


async def get_ticket(session: AsyncSession, ticket_id: int) -> CareTicket:
    ticket = await session.scalar(
        select(CareTicket)
        .options(joinedload(CareTicket.rating), joinedload(CareTicket.order).joinedload(SalesOrder.customer))
        .where(CareTicket.id == ticket_id)
    )
    if ticket is None:
        raise NotFound(str(ticket_id))
    return ticket


async def customer_feedback(
    session: AsyncSession, customer_id: int, *, exclude_ticket_id: int | None = None
) -> CustomerFeedback:
    """Three statements whatever the history's length: aggregates, the last ratings, the earlier tickets."""
    agg = (
        await session.execute(
            select(
                func.count(DeliveryRating.id),
                func.avg(DeliveryRating.delivery_score),
                func.avg(DeliveryRating.quality_score),
                func.avg(DeliveryRating.service_score),
            ).where(DeliveryRating.customer_id == customer_id)
        )
    ).one()
    recent = list(
        (
            await session.scalars(
                select(DeliveryRating)
                .options(joinedload(DeliveryRating.order))
                .where(DeliveryRating.customer_id == customer_id)
                .order_by(DeliveryRating.id.desc())
                .limit(10)
            )
        ).unique()
    )
    ticket_stmt = (
        select(CareTicket)
        .options(joinedload(CareTicket.order), joinedload(CareTicket.rating))
        .where(CareTicket.customer_id == customer_id)
        .order_by(CareTicket.id.desc())
        .limit(50)
    )
    if exclude_ticket_id is not None:
        ticket_stmt = ticket_stmt.where(CareTicket.id != exclude_ticket_id)
    tickets = list((await session.scalars(ticket_stmt)).unique())
    return CustomerFeedback(
        ratings=int(agg[0] or 0),
        avg_delivery=_avg(agg[1]),
        avg_quality=_avg(agg[2]),
        avg_service=_avg(agg[3]),
        tickets=len(tickets),
        open_tickets=sum(1 for t in tickets if t.status == "open"),
        recent=recent,
        earlier_tickets=tickets,
    )


async def ratings_by_customer(session: AsyncSession) -> list[Row[Any]]:
    """One row per customer with ratings: count, averages, last rating and open care tickets."""
    open_tickets = (
        select(CareTicket.customer_id, func.count().label("open_tickets"))
        .where(CareTicket.status == "open")
        .group_by(CareTicket.customer_id)
        .subquery()
    )
    stmt = (
        select(
            Customer.id,
            Customer.code,
            Customer.name,
            func.count(DeliveryRating.id).label("ratings"),
            func.avg(DeliveryRating.delivery_score).label("avg_delivery"),
            func.avg(DeliveryRating.quality_score).label("avg_quality"),
            func.avg(DeliveryRating.service_score).label("avg_service"),
            func.max(DeliveryRating.created_at).label("last_rated_at"),
            func.coalesce(func.max(open_tickets.c.open_tickets), 0).label("open_tickets"),
        )
        .join(DeliveryRating, DeliveryRating.customer_id == Customer.id)
        .outerjoin(open_tickets, open_tickets.c.customer_id == Customer.id)
        .group_by(Customer.id, Customer.code, Customer.name)
        .order_by(Customer.code)
    )
    return list((await session.execute(stmt)).all())
