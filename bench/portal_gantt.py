"""The portal order page with its production Gantt: latency, SQL statements, and bytes for a first visit.

    python -m bench.portal_gantt --database-url sqlite+aiosqlite:///var/bench-1x.db [--requests 200]

Works on a factory from bench/generate.py. Orders there have no jobs yet (planning lands with the
shop-floor work), so it first writes sequential plans (demo/gantt_jobs.plan_orders) for every order
of the sample customer that is confirmed, in production or in QC, and for up to --background other
such orders so the heat map and the work-center Gantt see a loaded floor: THIS WRITES TO THE DATABASE
(jobs only, once; a second run finds them planned). Then, in-process like bench/pages.py, it measures
the order page, its Gantt JSON, and the back office's work-center Gantt and load heat map, and prints
what a phone downloads on a first visit (page + CSS + JS + Plotly + JSON) and on a later one
(the static files are cached for good: versioned URLs, ``immutable``), raw and gzip-compressed.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gzip
import logging
import os
import re
import statistics
import time
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bench.pages import measure, sign_in
from config import Settings, normalise_db_url
from demo.gantt_jobs import plan_orders
from domain.base import utcnow
from domain.orders.models import SalesOrder
from domain.parties.models import Customer
from domain.production.models import Job

PLANNED = ("confirmed", "in_production", "qc")
_ASSET = re.compile(r'(?:src|href)="(/static/[^"]+)"')
_PLOTLY = re.compile(r'data-plotly-src="(/static/[^"]+)"')


async def prepare(url: str, customer_code: str, background: int) -> tuple[list[str], float]:
    """Plan the sample customer's orders in production (and some others); answer their numbers."""
    engine = create_async_engine(url)
    t0 = time.perf_counter()
    async with AsyncSession(engine, expire_on_commit=False) as s:
        customer_id = await s.scalar(select(Customer.id).where(Customer.code == customer_code))
        own = (
            await s.execute(
                select(SalesOrder.id, SalesOrder.order_no)
                .where(SalesOrder.customer_id == customer_id, SalesOrder.status.in_(PLANNED))
                .order_by(SalesOrder.id.desc())
            )
        ).all()
        others = (
            await s.scalars(
                select(SalesOrder.id)
                .where(SalesOrder.customer_id != customer_id, SalesOrder.status.in_(PLANNED))
                .order_by(SalesOrder.id.desc())
                .limit(background)
            )
        ).all()
        already = await s.scalar(select(Job.id).limit(1))
        if already is None:
            now = utcnow()
            ids = [o.id for o in own] + list(others)
            # Placed by the finite-capacity scheduler as if released ten days ago; in batches, each
            # one around the bookings of those before it.
            start = now - dt.timedelta(days=10)
            for i in range(0, len(ids), 500):
                await plan_orders(s, ids[i : i + 500], start=start, now=now, seed=i)
                await s.commit()
    await engine.dispose()
    return [o.order_no for o in own], time.perf_counter() - t0


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 6))


async def first_visit(client: AsyncTestClient[Any], order_no: str) -> dict[str, tuple[int, int, str]]:
    """Everything a first visit fetches (name → (raw bytes, gzip bytes, cache-control))."""
    out: dict[str, tuple[int, int, str]] = {}
    page = await client.get(f"/portal/orders/{order_no}")
    out["HTML page"] = (len(page.content), gz(page.content), page.headers.get("cache-control", ""))
    assets = _ASSET.findall(page.text) + _PLOTLY.findall(page.text)
    for path in dict.fromkeys(assets):
        r = await client.get(path.replace("&amp;", "&"))
        assert r.status_code == 200, (path, r.status_code)
        out[path.split("?")[0]] = (len(r.content), gz(r.content), r.headers.get("cache-control", ""))
    data = await client.get(f"/portal/orders/{order_no}/gantt.json")
    out["Gantt JSON"] = (len(data.content), gz(data.content), data.headers.get("cache-control", ""))
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///var/bench-1x.db")
    )
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--customer", default="C001")
    parser.add_argument("--background", type=int, default=1000, help="other customers' orders to plan too")
    args = parser.parse_args()
    url = normalise_db_url(args.database_url)
    os.environ.setdefault("ARGON2_TIME_COST", "1")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    orders, prep_s = await prepare(url, args.customer, args.background)
    if not orders:
        raise SystemExit(f"{args.customer} has no order in {PLANNED}: nothing to chart")

    from app import create_app

    app = create_app(Settings(database_url=url, secret_key="bench-" + "x" * 40))
    engine = app.state.alchemy.get_engine()
    counter = {"n": 0}

    def count(*_: Any) -> None:
        counter["n"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    n = args.requests
    results: dict[str, dict[str, float]] = {}
    async with AsyncTestClient(app=app, base_url="http://bench.local") as client:
        await sign_in(client, "portal", f"{args.customer.lower()}-buyer")
        await sign_in(client, "backoffice", "pmc")
        sizes = await first_visit(client, orders[0])
        stages = [
            len(line["stages"])
            for o in orders[: min(50, len(orders))]
            for line in (await client.get(f"/portal/orders/{o}/gantt.json")).json()["lines"]
        ]
        pages = {
            "portal order page": lambda i: f"/portal/orders/{orders[i % len(orders)]}",
            "portal Gantt JSON": lambda i: f"/portal/orders/{orders[i % len(orders)]}/gantt.json",
            "back office work-center Gantt": lambda i: "/backoffice/production/gantt",
            "back office load heat map": lambda i: "/backoffice/production/load",
        }
        for name, path in pages.items():
            results[name] = await measure(client, counter, path, n if "portal" in name else max(10, n // 10))

    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{dialect}  {url.split('@')[-1]}  ({len(orders)} planned orders of {args.customer}; "
          f"plans written in {prep_s:.1f} s; stages per line p50 {statistics.median(stages):.0f}, max {max(stages)})")  # fmt: skip
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>9} {'KB':>7}")
    for name, r in results.items():
        sql = f"{r['sql_min']}" if r["sql_min"] == r["sql_max"] else f"{r['sql_min']}-{r['sql_max']}"
        print(f"{name:34} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {sql:>9} {r['kb']:7.1f}")
    print(f"\nFirst visit to an order page with its Gantt ({orders[0]}):")
    print(f"{'file':44} {'bytes':>9} {'gzip':>8}  cache-control")
    for name, (raw, packed, cache) in sizes.items():
        print(f"{name:44} {raw:9d} {packed:8d}  {cache}")
    total = sum(r for r, _, _ in sizes.values()), sum(g for _, g, _ in sizes.values())
    fresh = [k for k, (_, _, c) in sizes.items() if "immutable" not in c]
    again = sum(sizes[k][0] for k in fresh), sum(sizes[k][1] for k in fresh)
    print(f"{'first visit, empty cache':44} {total[0]:9d} {total[1]:8d}")
    print(f"{'later visit (cached: ' + ', '.join(fresh) + ')':44} {again[0]:9d} {again[1]:8d}")


if __name__ == "__main__":
    asyncio.run(main())
