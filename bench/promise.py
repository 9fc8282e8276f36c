"""The promise at the door: all three checks (credit, kitting, capacity-to-promise) for a 1-line and a
20-line order, p50/p95 and SQL statements per evaluation.

    python -m bench.promise --database-url sqlite+aiosqlite:////tmp/bench-1x.db [--runs 100]

Works on a copy of a generated factory (bench/generate.py): it adds the promise's demo data (materials,
BOMs, stock, receivables: demo/promise.py) when the database has none, and commits that; the
evaluations themselves only read. Statements are counted on the engine, so everything one evaluation
sends to the database is in the figure. Lines use products that have a routing and a BOM, spread over
the catalogue so shared components and several work centers are involved.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import time
from decimal import Decimal

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from config import normalise_db_url
from demo.promise import load_promise_demo
from domain.base import today_local
from domain.orders.lifecycle import Status
from domain.orders.models import SalesOrder
from domain.parties.models import Customer
from domain.production.models import JobOperation, RoutingOperation
from domain.promise.models import BomItem
from domain.promise.service import PromiseLine, PromiseRequest, evaluate


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


async def main(url: str, runs: int) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    engine = create_async_engine(normalise_db_url(url))
    statements = 0

    def count(*_: object) -> None:
        nonlocal statements
        statements += 1

    async with AsyncSession(engine, expire_on_commit=False) as s:
        if await load_promise_demo(s, run_checks=False):
            await s.commit()
            print("added the promise's demo data (materials, BOMs, stock, receivables)")
        routed = select(RoutingOperation.product_id).distinct()
        products = list(
            (
                await s.scalars(
                    select(BomItem.product_id).where(BomItem.product_id.in_(routed)).distinct()
                    .order_by(BomItem.product_id)
                )
            ).all()
        )  # fmt: skip
        customer = await s.scalar(select(Customer.id).where(Customer.code == "C001"))
        orders = await s.scalar(select(func.count()).select_from(SalesOrder))
        open_orders = await s.scalar(
            select(func.count()).select_from(SalesOrder).where(SalesOrder.customer_id == customer,
                                                                SalesOrder.status != Status.CLOSED)
        )  # fmt: skip
        booked = await s.scalar(select(func.count()).select_from(JobOperation))
        print(f"factory: {orders:,} orders, C001 non-closed {open_orders:,}, {len(products)} products with "
              f"routing and BOM, {booked:,} job operations booked")  # fmt: skip
        if not products:
            raise SystemExit("no product has both a routing and a BOM: nothing to measure")
        requested = today_local() + dt.timedelta(days=30)
        event.listen(engine.sync_engine, "before_cursor_execute", count)
        for n in (1, 20):
            step = max(1, len(products) // n)
            lines = [
                PromiseLine(str(i + 1), products[(i * step) % len(products)], Decimal(50 + 10 * i), requested,
                            Decimal("1000"))
                for i in range(n)
            ]  # fmt: skip
            request = PromiseRequest(customer, requested, lines)
            for _ in range(5):  # warm-up
                await evaluate(s, request)
            times: list[float] = []
            cpu: list[float] = []
            per_run: list[int] = []
            for _ in range(runs):
                before = statements
                t0, c0 = time.perf_counter(), time.process_time()
                result = await evaluate(s, request)
                times.append((time.perf_counter() - t0) * 1000)
                # CPU time of the whole process (the event loop and aiosqlite's thread): what the figure
                # would be on an idle machine, where wall time is inflated by other processes' load.
                cpu.append((time.process_time() - c0) * 1000)
                per_run.append(statements - before)
            flags = ",".join(result.flag_checks()) or "none"
            print(f"{n:>2}-line order: p50 {statistics.median(times):6.1f} ms  p95 {percentile(times, 95):6.1f} ms"
                  f"  (CPU p50 {statistics.median(cpu):6.1f} ms, p95 {percentile(cpu, 95):6.1f} ms)"
                  f"  SQL statements {min(per_run)}–{max(per_run)}  (status {result.status}, flags {flags},"
                  f" promised {result.promised_date})")  # fmt: skip
        event.remove(engine.sync_engine, "before_cursor_execute", count)
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.database_url, args.runs))
