"""A tiny shop floor for expedite tests: one round-the-clock work center, jobs placed by hand, so every
expected date can be worked out on paper."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import SHANGHAI
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.production.models import Job, JobOperation, WorkCenter

# A Monday, 08:00 factory time.
NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=SHANGHAI)
ROUND_THE_CLOCK = {
    "shifts": [["00:00", "00:00"]],
    "workdays": [0, 1, 2, 3, 4, 5, 6],
    "holidays": [],
    "extra_workdays": [],
}


def at(hour: int, day: int = 0) -> dt.datetime:
    return NOW.replace(hour=0) + dt.timedelta(days=day, hours=hour)


async def work_center(session: AsyncSession, code: str = "W1", machines: int = 1) -> WorkCenter:
    wc = WorkCenter(code=code, name=f"{code} 车床", machines=machines, calendar=ROUND_THE_CLOCK)
    session.add(wc)
    await session.flush()
    return wc


async def job(
    session: AsyncSession,
    order_no: str,
    wc: WorkCenter,
    *,
    start: dt.datetime,
    minutes: int,
    status: str = "pending",
) -> Job:
    """One job for the order's first line with one operation of ``minutes`` (run 1 min/unit)."""
    order = await session.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no))
    assert order is not None
    line = await session.scalar(
        select(SalesOrderLine).where(SalesOrderLine.order_id == order.id).order_by(SalesOrderLine.line_no)
    )
    assert line is not None
    end = start + dt.timedelta(minutes=minutes)
    j = Job(order_id=order.id, order_line_id=line.id, product_id=line.product_id, quantity=Decimal(minutes),
            release_at=NOW, planned_start=start, planned_end=end)  # fmt: skip
    session.add(j)
    await session.flush()
    session.add(
        JobOperation(
            job_id=j.id, order_id=order.id, seq=10, work_center_id=wc.id, stage_name_zh="车加工", stage_name_en="Turning",
            setup_min=Decimal(0), run_min_per_unit=Decimal(1), quantity=Decimal(minutes), status=status,
            planned_start=start, planned_end=end, actual_start=start if status == "running" else None,
        )
    )  # fmt: skip
    await session.flush()
    return j
