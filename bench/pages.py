"""Page latency, SQL statements and bytes per request for the portal and the back office.

    python -m bench.pages --database-url sqlite+aiosqlite:///var/bench-1x.db [--requests 200]

Runs the real app in-process (ASGI, no network) against an already generated factory
(bench/generate.py), signs in as `c001-buyer` and `sales`, and requests each page many times.
Statements are counted on the app's own engine, so the session read, the queries and anything
else the request does are all included. Prints median and p95 per page.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from config import Settings, normalise_db_url
from domain.orders.lifecycle import Status
from domain.orders.models import SalesOrder
from domain.parties.models import Customer

_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


async def sample_orders(url: str, customer_code: str, n: int) -> tuple[list[str], list[str]]:
    engine = create_async_engine(url)
    async with AsyncSession(engine) as s:
        customer_id = await s.scalar(select(Customer.id).where(Customer.code == customer_code))
        own = list(
            (
                await s.scalars(
                    select(SalesOrder.order_no)
                    .where(SalesOrder.customer_id == customer_id, SalesOrder.status != Status.DRAFT)
                    .order_by(SalesOrder.id.desc())
                    .limit(5000)
                )
            ).all()
        )
        any_orders = list(
            (await s.scalars(select(SalesOrder.order_no).order_by(SalesOrder.id.desc()).limit(5000))).all()
        )
    await engine.dispose()
    rng = random.Random(7)
    return rng.sample(own, min(n, len(own))), rng.sample(any_orders, min(n, len(any_orders)))


async def sign_in(client: AsyncTestClient[Any], face: str, username: str) -> None:
    page = await client.get(f"/{face}/login")
    token = _TOKEN.search(page.text).group(1)  # type: ignore[union-attr]
    r = await client.post(
        f"/{face}/login",
        data={"username": username, "password": "orderpulse", "_csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303, (r.status_code, r.text[:300])


async def measure(
    client: AsyncTestClient[Any],
    counter: dict[str, int],
    paths: Callable[[int], str],
    n: int,
    headers: dict[str, str] | None = None,
) -> dict[str, float]:
    times, stmts, sizes = [], [], []
    for i in range(n + 5):
        path = paths(i)
        counter["n"] = 0
        t0 = time.perf_counter()
        r = await client.get(path, headers=headers or {})
        dt = (time.perf_counter() - t0) * 1000
        assert r.status_code == 200, (path, r.status_code)
        if i >= 5:  # warm-up excluded
            times.append(dt)
            stmts.append(counter["n"])
            sizes.append(len(r.content))
    return {
        "p50_ms": statistics.median(times),
        "p95_ms": percentile(times, 95),
        "sql_min": min(stmts),
        "sql_max": max(stmts),
        "kb": statistics.median(sizes) / 1024,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///var/orderpulse.db")
    )
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    url = normalise_db_url(args.database_url)
    os.environ.setdefault("ARGON2_TIME_COST", "1")
    logging.getLogger("httpx").setLevel(logging.WARNING)

    from app import create_app

    settings = Settings(database_url=url, secret_key="bench-" + "x" * 40)
    app = create_app(settings)
    engine = app.state.alchemy.get_engine()
    counter = {"n": 0}

    def count(*_: Any) -> None:
        counter["n"] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    own, anyone = await sample_orders(url, "C001", args.requests + 5)
    n = args.requests
    results: dict[str, dict[str, float]] = {}
    # One client for both faces: their session cookies are scoped to /portal and /backoffice.
    async with AsyncTestClient(app=app, base_url="http://bench.local") as client:
        await sign_in(client, "portal", "c001-buyer")
        await sign_in(client, "backoffice", "sales")
        pages: dict[str, tuple[Callable[[int], str], dict[str, str] | None]] = {
            "portal order list": (lambda i: "/portal/orders", None),
            "portal order list, page 5": (lambda i: "/portal/orders?page=5", None),
            "portal order list, PO search": (lambda i: "/portal/orders?po=PO-", None),
            "portal order detail": (lambda i: f"/portal/orders/{own[i % len(own)]}", None),
            "back office list": (lambda i: "/backoffice/orders", None),
            "back office list, htmx fragment": (
                lambda i: "/backoffice/orders?status=in_production&sort=requested_date&dir=asc",
                {"HX-Request": "true"},
            ),
            "back office list, search": (
                lambda i: f"/backoffice/orders?q={anyone[i % len(anyone)][-6:]}",
                None,
            ),
            "back office order detail": (lambda i: f"/backoffice/orders/{anyone[i % len(anyone)]}", None),
        }
        for name, (path, headers) in pages.items():
            results[name] = await measure(client, counter, path, n, headers=headers)

    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{dialect}  {url.split('@')[-1]}  ({n} requests per page after 5 warm-up)")
    print(f"{'page':38} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>9} {'KB':>7}")
    for name, r in results.items():
        sql = f"{r['sql_min']}" if r["sql_min"] == r["sql_max"] else f"{r['sql_min']}-{r['sql_max']}"
        print(f"{name:38} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {sql:>9} {r['kb']:7.1f}")


if __name__ == "__main__":
    asyncio.run(main())
