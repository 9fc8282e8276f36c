"""Demo 催 and 评: a few expedite requests waiting for PMC (one past its answer clock, one with an
alternative offered) and ratings on delivered orders, two of them low enough to open care tickets.

Goes through the domain commands, so the timeline, outbox and notifications are what the app writes.
Called once by ``load_demo`` on a fresh database.
"""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local, utcnow
from domain.expedite import services as expedite
from domain.expedite.models import ExpediteRequest
from domain.expedite.sla import sla_due
from domain.feedback.models import CareTicket
from domain.feedback.services import RatingInput, close_ticket, rate_order
from domain.orders.models import SalesOrder
from domain.parties.models import CustomerUser

COMMENTS_GOOD = [
    "准时到货，包装完好。",
    "尺寸一致性很好。",
    "",
    "交期比承诺早两天，点赞。",
    "Documents complete, thanks.",
]
COMMENTS_BAD = ["毛刺没有去干净，装配时卡滞。", "晚到三天，影响了我们的排产。"]


async def _buyers(session: AsyncSession) -> dict[int, Actor]:
    rows = await session.scalars(
        select(CustomerUser).where(CustomerUser.role == "buyer").order_by(CustomerUser.id)
    )
    out: dict[int, Actor] = {}
    for u in rows:
        out.setdefault(u.customer_id, Actor(kind="customer", id=u.id, name=u.display_name,
                                            roles=frozenset({"buyer"}), customer_id=u.customer_id))  # fmt: skip
    return out


async def load_service_demo(session: AsyncSession, *, rng: random.Random | None = None) -> None:
    if await session.scalar(select(ExpediteRequest.id).limit(1)) is not None:
        return
    rng = rng or random.Random(20261125)
    buyers = await _buyers(session)
    now = utcnow()
    # 催: two orders being made whose current date is far enough out to ask for an earlier one.
    making = (
        await session.scalars(
            select(SalesOrder)
            .where(
                SalesOrder.status.in_(["in_production", "confirmed"]),
                SalesOrder.customer_id.in_(list(buyers)),
            )
            .order_by(SalesOrder.id.desc())
            .limit(20)
        )
    ).all()
    asked = 0
    for order in making:
        current = order.promised_date or order.requested_date
        if current - today_local() < dt.timedelta(days=6):
            continue
        wanted = today_local() + dt.timedelta(days=max(3, (current - today_local()).days // 2))
        request = await expedite.request_expedite(
            session, order_no=order.order_no, line_no=None, wanted_date=wanted,
            reason=["总装线提前开线，需要提前到货。", "终端客户订单提前，请协调。"][asked % 2],
            actor=buyers[order.customer_id], now=now - dt.timedelta(hours=7 if asked == 0 else 1),
        )  # fmt: skip
        if asked == 0:
            # asked four days ago (always at least two working days): past its answer clock, so PMC's
            # queue shows it overdue
            asked_at = now - dt.timedelta(days=4)
            await session.execute(
                update(ExpediteRequest).where(ExpediteRequest.id == request.id)
                .values(created_at=asked_at, sla_due_at=sla_due(asked_at, 4))
            )  # fmt: skip
        else:
            pmc = Actor(kind="staff", id=None, name="PMC", roles=frozenset({"pmc"}))
            alt = expedite.Alternative("date", wanted + dt.timedelta(days=2), note="整单提前，热处理加开一炉")
            await expedite.answer(
                session, request_id=request.id, expected_version=request.version, outcome="partial", new_date=None,
                alternatives=[alt], explanation="热处理网带炉本周负荷已满，最早可在备选日期交付。",
                compensation="本单运费由我方承担", actor=pmc,
            )  # fmt: skip
        asked += 1
        if asked == 2:
            break

    # 评: about two thirds of delivered orders rated; the two oldest low ratings open care tickets.
    done = (
        await session.scalars(
            select(SalesOrder)
            .where(
                SalesOrder.status.in_(["delivered", "invoiced", "closed"]),
                SalesOrder.customer_id.in_(list(buyers)),
            )
            .order_by(SalesOrder.id)
        )
    ).all()
    low = 0
    for order in done:
        if rng.random() > 0.66:
            continue
        if low < 2 and rng.random() < 0.15:
            scores = RatingInput(rng.choice([1, 2, 3]), 2, rng.choice([2, 3]), COMMENTS_BAD[low])
            low += 1
        else:
            scores = RatingInput(
                rng.choice([4, 5, 5]),
                rng.choice([4, 5, 5, 5]),
                rng.choice([3, 4, 5]),
                rng.choice(COMMENTS_GOOD),
            )
        await rate_order(session, order_no=order.order_no, rating=scores, actor=buyers[order.customer_id])
    first = await session.scalar(select(CareTicket).order_by(CareTicket.id).limit(1))
    if first is not None and low > 1:
        after_sales = Actor(kind="staff", id=None, name="售后 周敏", roles=frozenset({"after_sales"}))
        await close_ticket(session, ticket_id=first.id, expected_version=first.version,
                           resolution="已电话回访并补发 20 件，客户确认问题关闭。", actor=after_sales)  # fmt: skip
    await session.flush()  # callers may count rows with Core statements, which do not autoflush
