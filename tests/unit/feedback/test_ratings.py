"""评: one rating per delivered order by a buyer; a score of 2 or less opens a care ticket for after-sales."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from domain.feedback import queries
from domain.feedback.models import CareTicket, DeliveryRating
from domain.feedback.services import RatingInput, close_ticket, parse_rating, rate_order
from domain.notifications.models import Notification
from domain.orders.models import OrderEvent
from domain.outbox.models import OutboxMessage
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP, put_in_status

AFTER_SALES = Actor(kind="staff", id=None, name="Zhou AS", roles=frozenset({"after_sales"}))


def buyer(seed: Seed, code: str = "C001", role: str = "buyer") -> Actor:
    return Actor(
        kind="customer", id=1, name=f"{code} buyer", roles=frozenset({role}), customer_id=seed.customers[code]
    )


def test_parse_rating_accepts_full_width_digits_and_refuses_the_rest() -> None:
    rating, errors = parse_rating(
        {"delivery_score": "５", "quality_score": "1", "service_score": "3", "comment": " ok "}
    )
    assert errors == {}
    assert rating == RatingInput(5, 1, 3, "ok")
    _, errors = parse_rating(
        {"delivery_score": "0", "quality_score": "6", "service_score": "3.5", "comment": "x" * 2001}
    )
    assert set(errors) == {"delivery_score", "quality_score", "service_score", "comment"}
    _, errors = parse_rating(
        {"delivery_score": "1; DROP TABLE orders", "quality_score": "", "service_score": "55"}
    )
    assert set(errors) == {"delivery_score", "quality_score", "service_score"}


@MODULE_LOOP
async def test_a_good_rating_opens_no_ticket(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders["c001_in_production"]
    await put_in_status(db, order_no, "delivered")
    rating = await rate_order(
        db, order_no=order_no, rating=RatingInput(5, 4, 3, "准时"), actor=buyer(module_seed)
    )
    assert rating.lowest == 3
    assert await db.scalar(select(func.count()).select_from(CareTicket)) == 0
    event = await db.scalar(select(OrderEvent).where(OrderEvent.kind == "rating"))
    assert event is not None
    assert event.data == {"delivery_score": 5, "quality_score": 4, "service_score": 3}
    assert (
        await db.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.event == "order.rated")
        )
        == 1
    )


@MODULE_LOOP
async def test_a_two_star_score_opens_a_care_ticket_and_tells_after_sales(
    db: AsyncSession, module_seed: Seed
) -> None:
    order_no = module_seed.orders["c001_in_production"]
    await put_in_status(db, order_no, "invoiced")
    await rate_order(db, order_no=order_no, rating=RatingInput(4, 2, 5, "毛刺多"), actor=buyer(module_seed))
    ticket = await db.scalar(select(CareTicket))
    assert ticket is not None
    assert ticket.status == "open"
    note = await db.scalar(select(Notification).where(Notification.kind == "care.opened"))
    assert note is not None
    assert note.staff_user_id == module_seed.staff["aftersales"]
    assert note.link == f"/backoffice/care/{ticket.id}"
    summary = await queries.customer_feedback(db, module_seed.customers["C001"])
    assert (summary.ratings, summary.avg_quality, summary.open_tickets) == (1, 2, 1)

    with pytest.raises(Forbidden):
        await close_ticket(db, ticket_id=ticket.id, expected_version=ticket.version, resolution="x",
                           actor=Actor(kind="staff", id=None, name="s", roles=frozenset({"sales"})))  # fmt: skip
    with pytest.raises(ValidationFailed):
        await close_ticket(
            db, ticket_id=ticket.id, expected_version=ticket.version, resolution="  ", actor=AFTER_SALES
        )
    with pytest.raises(StaleVersion):
        await close_ticket(
            db, ticket_id=ticket.id, expected_version=ticket.version + 7, resolution="x", actor=AFTER_SALES
        )
    closed = await close_ticket(
        db,
        ticket_id=ticket.id,
        expected_version=ticket.version,
        resolution="已电话回访，补发 10 件",
        actor=AFTER_SALES,
    )
    assert closed.status == "closed"
    with pytest.raises(InvalidTransition):
        await close_ticket(
            db, ticket_id=ticket.id, expected_version=closed.version, resolution="again", actor=AFTER_SALES
        )


@MODULE_LOOP
async def test_rating_rules(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders["c001_in_production"]
    good = RatingInput(5, 5, 5, "")
    with pytest.raises(ValidationFailed):  # not delivered yet
        await rate_order(db, order_no=order_no, rating=good, actor=buyer(module_seed))
    await put_in_status(db, order_no, "closed")
    with pytest.raises(Forbidden):
        await rate_order(db, order_no=order_no, rating=good, actor=buyer(module_seed, role="qc_engineer"))
    with pytest.raises(NotFound):
        await rate_order(db, order_no=order_no, rating=good, actor=buyer(module_seed, "C002"))
    await rate_order(db, order_no=order_no, rating=good, actor=buyer(module_seed))
    with pytest.raises(ValidationFailed) as err:
        await rate_order(db, order_no=order_no, rating=RatingInput(1, 1, 1, ""), actor=buyer(module_seed))
    assert "already rated" in err.value.errors["rating"]
    assert await db.scalar(select(func.count()).select_from(DeliveryRating)) == 1
    rows = await queries.ratings_by_customer(db)
    assert [(r.code, r.ratings, r.open_tickets) for r in rows] == [("C001", 1, 0)]
