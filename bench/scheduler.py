"""Scheduler time: place a new 20-line order into the loaded factory.

    python -m bench.scheduler --database-url sqlite+aiosqlite:////tmp/bench-1x.db [--runs 30] [--lines 20]

Works on a copy of a generated factory (bench/generate.py, which builds jobs for the open orders).
If the database has no jobs yet, ``--fill`` plans them first with the demo's production loader
(``demo.production.load_production``; it writes, hence the copy). Each run picks ``--lines`` parts that
have a routing, and times what order confirmation does before it writes: the load step (the active
work centers, the bookings still open, the new jobs' routings: ``domain.production.planning``) and
``Scheduler.place``. Nothing is written. Prints median and p95 over ``--runs`` runs, the bookings
placed around, and the SQL statements of the load step.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import sys
import time
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bench.generate import PRODUCTION_HISTORY_DAYS, build_engine
from bench.pages import percentile
from config import normalise_db_url
from domain.base import today_local, utcnow
from domain.production.models import Job, RoutingOperation
from domain.production.planning import LineDemand, current_bookings, job_specs_for, load_scheduler


async def run(url: str, *, runs: int, lines: int, fill: bool, seed: int) -> None:
    engine = build_engine(url)
    statements: list[str] = []
    recording = False

    def on_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if recording:
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
    rng = random.Random(seed)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as s:
            jobs = await s.scalar(select(func.count()).select_from(Job)) or 0
            if not jobs and fill:
                from demo.production import load_production

                t0 = time.perf_counter()
                now = utcnow()
                made = await load_production(
                    s, now=now, photos=False, history_since=now - dt.timedelta(days=PRODUCTION_HISTORY_DAYS)
                )
                await s.commit()
                print(
                    f"filled: {made.jobs:,} jobs, {made.operations:,} operations in {time.perf_counter() - t0:.1f} s"
                )
            elif not jobs:
                raise SystemExit("no jobs in this database: pass --fill (on a copy) to plan them first")
            products = list(await s.scalars(select(RoutingOperation.product_id).distinct()))
            load_ms, place_ms, total_ms, booked = [], [], [], []
            for i in range(runs + 3):  # three warm-ups
                demands = [
                    LineDemand(f"new-{n}", rng.choice(products), Decimal(rng.choice((50, 100, 200, 500, 1000))),
                               today_local() + dt.timedelta(days=30))
                    for n in range(lines)
                ]  # fmt: skip
                now = utcnow()
                recording = i == 0
                t0 = time.perf_counter()
                scheduler = await load_scheduler(s)
                specs = await job_specs_for(s, demands, release_at=now)
                # as plan_jobs does: only the load on the work centers the new jobs visit
                centers = sorted({int(op.work_center_id) for spec in specs for op in spec.operations})
                bookings = await current_bookings(s, now=now, work_center_ids=centers)
                t1 = time.perf_counter()
                recording = False
                plan = scheduler.dry_run(specs, bookings, now)
                t2 = time.perf_counter()
                s.expunge_all()  # each run loads afresh, as a request would
                if i >= 3:
                    load_ms.append((t1 - t0) * 1000)
                    place_ms.append((t2 - t1) * 1000)
                    total_ms.append((t2 - t0) * 1000)
                    booked.append(len(bookings))
                assert len(plan.finish_by_job) == lines
    finally:
        await engine.dispose()

    def fmt(values: list[float]) -> str:
        return f"median {statistics.median(values):8.1f} ms   p95 {percentile(values, 95):8.1f} ms"

    print(f"{engine.url.render_as_string()}: a new {lines}-line order, {runs} runs")
    print(f"  bookings around it: {min(booked):,}–{max(booked):,} open operations")
    print(f"  load (3 queries)  {fmt(load_ms)}")
    print(f"  place             {fmt(place_ms)}")
    print(f"  total             {fmt(total_ms)}")
    print(f"  SQL statements of the load step ({len(statements)}):")
    for st in statements:
        print("    " + " ".join(st.split()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scheduler", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--fill", action="store_true", help="plan jobs first when there are none (writes!)")
    args = parser.parse_args(argv)
    asyncio.run(run(normalise_db_url(args.database_url), runs=args.runs, lines=args.lines, fill=args.fill,
                    seed=args.seed))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
