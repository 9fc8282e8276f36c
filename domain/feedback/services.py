"""Rating a delivery and caring for the customer afterwards. Commands never commit."""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import utcnow
from domain.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from domain.feedback.models import CareTicket, DeliveryRating
from domain.i18n import N_, Msg
from domain.notifications.services import notify_staff, staff_with_roles
from domain.orders.lifecycle import Status
from domain.orders.models import OrderEvent, SalesOrder
from domain.outbox.services import record_event
from domain.parties.models import Customer
from domain.parties.roles import CustomerRole, StaffRole

__all__ = [
    "CARE_ROLES",
    "CARE_THRESHOLD",
    "RATEABLE",
    "SCORES",
    "RatingInput",
    "close_ticket",
    "parse_rating",
    "rate_order",
]

SCORES = ("delivery_score", "quality_score", "service_score")
# Only what has reached the customer can be rated: delivered, then invoiced and closed.
RATEABLE = frozenset({Status.DELIVERED, Status.INVOICED, Status.CLOSED})
CARE_THRESHOLD = 2  # any score at or below this opens a care ticket
CARE_ROLES = frozenset({StaffRole.AFTER_SALES, StaffRole.ADMIN})
MAX_COMMENT = 2000

MSG_SCORE = N_("Choose 1 to 5 stars.")
MSG_COMMENT_LONG = N_("At most %(max)s characters.")
MSG_NOT_DELIVERED = N_("This order can be rated once it has been delivered.")
MSG_ALREADY_RATED = N_("This order was already rated on %(date)s.")
MSG_RESOLUTION = N_("Please write what was done for the customer.")
MSG_CARE_OPENED = N_("Low rating on %(order_no)s from %(customer)s: care ticket opened.")


@dataclass(frozen=True)
class RatingInput:
    delivery_score: int
    quality_score: int
    service_score: int
    comment: str


def parse_rating(form: Mapping[str, str]) -> tuple[RatingInput | None, dict[str, Msg]]:
    """Scores are whole numbers 1–5 (full-width digits typed on a Chinese keyboard are accepted)."""
    errors: dict[str, Msg] = {}
    scores: dict[str, int] = {}
    for name in SCORES:
        raw = unicodedata.normalize("NFKC", str(form.get(name, ""))).strip()
        if raw.isdigit() and len(raw) == 1 and 1 <= int(raw) <= 5:
            scores[name] = int(raw)
        else:
            errors[name] = Msg(MSG_SCORE)
    comment = str(form.get("comment", "")).strip()
    if len(comment) > MAX_COMMENT:
        errors["comment"] = Msg(MSG_COMMENT_LONG, max=MAX_COMMENT)
    if errors:
        return None, errors
    return RatingInput(comment=comment, **scores), {}


async def _customer_order_for_update(session: AsyncSession, customer_id: int, order_no: str) -> SalesOrder:
    order = await session.scalar(
        select(SalesOrder)
        .where(
            SalesOrder.order_no == order_no,
            SalesOrder.customer_id == customer_id,
            SalesOrder.submitted_at.is_not(None),
        )
        .with_for_update()
    )
    if order is None:
        raise NotFound(order_no)
    return order


async def rate_order(
    session: AsyncSession, *, order_no: str, rating: RatingInput, actor: Actor
) -> DeliveryRating:
    """A buyer rates one of their company's delivered orders, once. A score ≤ 2 opens a care ticket and
    tells after-sales at once."""
    if actor.kind != "customer" or actor.customer_id is None:
        raise Forbidden("only the customer rates a delivery")
    if CustomerRole.BUYER not in actor.roles:
        raise Forbidden("only buyers rate deliveries")
    order = await _customer_order_for_update(session, actor.customer_id, order_no)
    if order.status not in RATEABLE:
        raise ValidationFailed({"rating": Msg(MSG_NOT_DELIVERED)})
    existing = await session.scalar(select(DeliveryRating).where(DeliveryRating.order_id == order.id))
    if existing is not None:
        raise ValidationFailed(
            {"rating": Msg(MSG_ALREADY_RATED, date=existing.created_at.date().isoformat())}
        )
    row = DeliveryRating(
        order_id=order.id, customer_id=order.customer_id, customer_user_id=actor.id, rated_by=actor.name,
        delivery_score=rating.delivery_score, quality_score=rating.quality_score,
        service_score=rating.service_score, comment=rating.comment,
    )  # fmt: skip
    try:
        async with session.begin_nested():  # two tabs rating at once: the unique key lets one win
            session.add(row)
            await session.flush()
    except IntegrityError:
        raise ValidationFailed({"rating": Msg(MSG_ALREADY_RATED, date=utcnow().date().isoformat())}) from None
    scores = {name: getattr(row, name) for name in SCORES}
    session.add(
        OrderEvent(
            order_id=order.id, kind="rating", actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name,
            comment=rating.comment, version=order.version, data=scores,
        )
    )  # fmt: skip
    record_event(
        session, "order.rated", aggregate_type="order", aggregate_id=order.order_no,
        payload={"order_no": order.order_no, "customer_id": order.customer_id, **scores},
    )  # fmt: skip
    if row.lowest <= CARE_THRESHOLD:
        await _open_care_ticket(session, order, row)
    return row


async def _open_care_ticket(session: AsyncSession, order: SalesOrder, rating: DeliveryRating) -> CareTicket:
    ticket = CareTicket(rating_id=rating.id, order_id=order.id, customer_id=order.customer_id)
    session.add(ticket)
    await session.flush()
    name = await session.scalar(select(Customer.name).where(Customer.id == order.customer_id))
    notify_staff(
        session, await staff_with_roles(session, [StaffRole.AFTER_SALES]),
        kind="care.opened", message=MSG_CARE_OPENED, params={"order_no": order.order_no, "customer": name or ""},
        link=f"/backoffice/care/{ticket.id}", order_id=order.id,
    )  # fmt: skip
    record_event(
        session, "care_ticket.opened", aggregate_type="care_ticket", aggregate_id=str(ticket.id),
        payload={"order_no": order.order_no, "customer_id": order.customer_id, "lowest_score": rating.lowest},
    )  # fmt: skip
    return ticket


async def close_ticket(
    session: AsyncSession, *, ticket_id: int, expected_version: int, resolution: str, actor: Actor
) -> CareTicket:
    if CARE_ROLES.isdisjoint(actor.roles):
        raise Forbidden("closing a care ticket needs after_sales")
    ticket = await session.scalar(select(CareTicket).where(CareTicket.id == ticket_id).with_for_update())
    if ticket is None:
        raise NotFound(str(ticket_id))
    if ticket.version != expected_version:
        raise StaleVersion(ticket.closed_by or "", ticket.updated_at, ticket.version)
    if ticket.status != "open":
        raise InvalidTransition("close", ticket.status)
    resolution = resolution.strip()
    if not resolution:
        raise ValidationFailed({"resolution": Msg(MSG_RESOLUTION)})
    if len(resolution) > MAX_COMMENT:
        raise ValidationFailed({"resolution": Msg(MSG_COMMENT_LONG, max=MAX_COMMENT)})
    ticket.status = "closed"
    ticket.resolution = resolution
    ticket.closed_by = actor.name
    ticket.closed_at = utcnow()
    await session.flush()
    record_event(
        session, "care_ticket.closed", aggregate_type="care_ticket", aggregate_id=str(ticket.id),
        payload={"order_id": ticket.order_id, "by": actor.name},
    )  # fmt: skip
    return ticket
