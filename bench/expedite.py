"""Expedite feasibility check: latency (p50/p95) and SQL statements per check on a loaded floor.

    python -m bench.expedite --database-url sqlite+aiosqlite:////tmp/copy-of-a-planned-factory.db [--checks 40]

Run it on a COPY of a factory that already has production planned (jobs and operations), e.g. one
prepared by ``bench.changes`` (``--load-orders``) or by ``bench.generate`` (which plans production).
It migrates the copy to head, picks orders that have open jobs, and times exactly what PMC's
"Run feasibility check" computes: read the open work (one query for operations, one for the work
centers, one for their names), place the order first with the scheduler (dry run) and the competing
work after it, and list what would slip. Nothing is written.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import time
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from config import normalise_db_url
from domain.base import utcnow
from domain.expedite import feasibility
from domain.production.models import Job, JobOperation
from domain.production.status import OPEN_OPERATION
from migrations.runner import upgrade


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


async def run(url: str, checks: int) -> None:
    engine = create_async_engine(url)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    try:
        async with AsyncSession(engine) as s:
            open_ops = await s.scalar(
                select(func.count()).select_from(JobOperation).where(JobOperation.status.in_(OPEN_OPERATION))
            )
            # Orders spread evenly over the plan, from the next due to the last: the later an order's
            # current finish, the more work stands in its way, so the tail is the expensive case.
            planned = list(
                (
                    await s.scalars(
                        select(Job.order_id)
                        .where(Job.status.in_(["planned", "in_progress"]))
                        .group_by(Job.order_id)
                        .order_by(func.max(Job.planned_end))
                    )
                ).all()
            )
            step = max(1, len(planned) // max(1, checks))
            order_ids = planned[::step][:checks]
        print(f"floor: {open_ops} open operations; checking {len(order_ids)} orders")
        times: list[float] = []
        per_check: list[int] = []
        slips: list[int] = []
        now = utcnow()
        for order_id in order_ids:
            async with AsyncSession(engine) as s:
                before = statements
                t0 = time.perf_counter()
                result = await feasibility.check(
                    s, order_id=order_id, line_id=None, wanted=now.date() + dt.timedelta(days=3), now=now
                )
                times.append((time.perf_counter() - t0) * 1000)
                per_check.append(statements - before)
                slips.append(len(result.slips))
        print(
            f"feasibility check: p50 {statistics.median(times):.0f} ms, p95 {percentile(times, 95):.0f} ms, "
            f"SQL per check {min(per_check)}–{max(per_check)}, orders slipping per check median {statistics.median(slips):.0f}"
        )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--checks", type=int, default=40)
    args = parser.parse_args()
    url = normalise_db_url(args.database_url)
    upgrade(url)
    asyncio.run(run(url, args.checks))


if __name__ == "__main__":
    main()
