"""Build a realistic factory in an empty, migrated database, for the benchmarks.

    python -m bench.generate --database-url sqlite+aiosqlite:///var/bench.db --scale 1
    python -m bench.generate --database-url postgresql://postgres@127.0.0.1:5432/bench --scale 10

Scale 1 is the real manufacturer's year: ~140,000 orders over 365 days, ~60 customers, ~400 parts,
1–6 lines per order and a timeline per order (created + one entry per step it has taken). Scale 10 is
ten times the orders over the same year. The demo sign-ins (``sales``, ``c001-buyer``… password
``orderpulse``) exist here too, so the page benchmarks can sign in as them.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import sys
import time
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app import build_engine as app_engine
from config import Settings, normalise_db_url
from demo.factory import (
    BENCH_EXTRA_STAFF,
    DEMO_PASSWORD,
    GenerationStats,
    create_world,
    customer_specs,
    generate_orders,
    product_specs,
    staff_specs,
)
from demo.production import load_production
from domain.base import utcnow
from domain.models import (
    Customer,
    CustomerUser,
    NumberSequence,
    OrderEvent,
    Product,
    SalesOrder,
    SalesOrderLine,
    StaffUser,
)
from domain.parties.auth import hash_password

ORDERS_PER_SCALE = 140_000
DAYS = 365
# Jobs for open orders (placed by the scheduler) and for orders whose production ended in this many
# days; older history is not needed by any page (the Gantt and heat map look at weeks, not a year).
PRODUCTION_HISTORY_DAYS = 30


def build_engine(url: str) -> AsyncEngine:
    """The app's own engine (WAL, synchronous=FULL, foreign keys): the data is loaded as the app would see it."""
    return app_engine(Settings(database_url=url, secret_key="bench-generator"))


async def row_counts(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for model in (
        Customer,
        CustomerUser,
        StaffUser,
        Product,
        SalesOrder,
        SalesOrderLine,
        OrderEvent,
        NumberSequence,
    ):
        counts[model.__tablename__] = await session.scalar(select(func.count()).select_from(model)) or 0
    return counts


async def generate(
    url: str,
    *,
    orders: int,
    days: int = DAYS,
    customers: int = 60,
    products: int = 400,
    batch_size: int = 5000,
    seed: int = 2026,
    analyze: bool = True,
    production: bool = True,
    echo: Any = print,
) -> GenerationStats:
    engine = build_engine(url)
    started = time.perf_counter()

    def elapsed() -> str:
        return f"{time.perf_counter() - started:7.1f} s"

    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            if await session.scalar(select(SalesOrder.id).limit(1)) is not None:
                raise SystemExit(
                    "bench.generate: sales_orders is not empty in this database; "
                    "point it at a freshly migrated, empty one (alembic upgrade head)."
                )
            rng = random.Random(seed)
            now = utcnow()
            echo(f"Generating {orders:,} orders over {days} days into {engine.url.render_as_string()}")
            world = await create_world(
                session,
                rng=rng,
                customers=customer_specs(rng, customers),
                products=product_specs(rng, products),
                staff=staff_specs(rng, extra_per_role=BENCH_EXTRA_STAFF),
                password_hash=hash_password(DEMO_PASSWORD),
                since=now - dt.timedelta(days=days + 60),
            )
            await session.commit()
            echo(
                f"{elapsed()}  {len(world.customers)} customers, {len(world.products)} products, staff and users"
            )

            async def on_batch(stats: GenerationStats) -> None:
                await session.commit()  # one transaction per batch
                rate = stats.orders / max(time.perf_counter() - started, 1e-9)
                echo(
                    f"{elapsed()}  {stats.orders:>10,} orders  {stats.lines:>10,} lines  "
                    f"{stats.events:>11,} events  ({rate:,.0f} orders/s)"
                )

            stats = await generate_orders(
                session,
                count=orders,
                days=days,
                rng=rng,
                world=world,
                batch_size=batch_size,
                now=now,
                on_batch=on_batch,
            )
            await session.commit()
            echo(f"{elapsed()}  loaded; order numbers up to {stats.last_number}")
            if production:
                made = await load_production(
                    session,
                    now=now,
                    photos=False,
                    history_since=now - dt.timedelta(days=PRODUCTION_HISTORY_DAYS),
                )
                await session.commit()
                echo(f"{elapsed()}  production: {made.jobs:,} jobs, {made.operations:,} operations")
            loaded = time.perf_counter() - started

        if analyze:
            async with engine.connect() as conn:
                await conn.execute(text("ANALYZE"))
                await conn.commit()
            echo(f"{elapsed()}  ANALYZE done")

        async with AsyncSession(engine) as session:
            counts = await row_counts(session)
        echo("")
        echo("Rows:  " + "  ".join(f"{name} {n:,}" for name, n in counts.items()))
        echo("Orders by status:  " + "  ".join(f"{s} {n:,}" for s, n in stats.by_status.most_common()))
        echo(f"Load time {loaded:.1f} s ({stats.orders / loaded:,.0f} orders/s); total {elapsed().strip()}")
        return stats
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="sqlite+aiosqlite:///path or postgresql://…")
    parser.add_argument(
        "--scale", type=int, choices=(1, 10), default=1, help="1: a year (140k orders); 10: 1.4M"
    )
    parser.add_argument("--orders", type=int, help="override the number of orders (for a quick try)")
    parser.add_argument("--days", type=int, default=DAYS, help="spread the orders over this many days")
    parser.add_argument("--customers", type=int, default=60)
    parser.add_argument("--products", type=int, default=400)
    parser.add_argument("--batch-size", type=int, default=5000, help="orders per transaction")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--no-analyze", dest="analyze", action="store_false", help="skip ANALYZE at the end")
    parser.add_argument(
        "--no-production", dest="production", action="store_false", help="no jobs or operations"
    )
    args = parser.parse_args(argv)
    if args.customers < 3:
        parser.error("--customers must be at least 3 (C001..C003 carry the demo sign-ins)")
    asyncio.run(
        generate(
            normalise_db_url(args.database_url),
            orders=args.orders or ORDERS_PER_SCALE * args.scale,
            days=args.days,
            customers=args.customers,
            products=args.products,
            batch_size=args.batch_size,
            seed=args.seed,
            analyze=args.analyze,
            production=args.production,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
