"""API order creation throughput: N concurrent clients POST orders through a real server on 127.0.0.1.

    python -m bench.api --database-url sqlite+aiosqlite:///var/bench-api.db [--clients 8] [--seconds 20] [--workers 2]

It WRITES orders: point it at a copy or a scratch database (migrated, with customers and products,
e.g. after `litestar demo load`), never at one you care about. It adds an API client "bench" with a
fresh token, starts uvicorn on a free loopback port, and lets each client create orders back to
back (a new Idempotency-Key and PO number each, 1–3 lines) for a bounded time, every answer a 201.
Prints orders/s, p50 and p95. Traffic never leaves the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from bench.load import free_port
from bench.pages import percentile
from config import ROOT, normalise_db_url
from domain.actors import Actor
from domain.api_access.models import ApiClient
from domain.api_access.services import create_client, revoke_client
from domain.base import today_local
from domain.catalog.models import Product
from domain.parties.models import Customer

ADMIN = Actor(kind="staff", id=None, name="bench", roles=frozenset({"admin"}))


async def prepare(url: str) -> tuple[str, list[str], list[str]]:
    """A fresh client "bench-<time>" (its token), and the codes the orders will name."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as s:
            for old in (await s.scalars(select(ApiClient).where(ApiClient.name.like("bench-%")))).all():
                await revoke_client(s, old.id, ADMIN)
            _, token = await create_client(
                s, name=f"bench-{int(time.time())}", scopes=["orders:write"], actor=ADMIN
            )
            customers = list((await s.scalars(select(Customer.code).where(Customer.active).limit(20))).all())
            parts = list((await s.scalars(select(Product.part_no).where(Product.active).limit(50))).all())
            await s.commit()
        return token, customers, parts
    finally:
        await engine.dispose()


async def client(
    base: str, token: str, customers: list[str], parts: list[str], deadline: float, times: list[float], k: int
) -> None:
    rng = random.Random(k)
    run = uuid.uuid4().hex[:6]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        i = 0
        while time.perf_counter() < deadline:
            body = {
                "customer": rng.choice(customers),
                "requested_date": (today_local() + dt.timedelta(days=rng.randint(20, 90))).isoformat(),
                "customer_po": f"BENCH-{run}-{k}-{i}",
                "lines": [
                    {"part_no": p, "quantity": str(rng.randint(10, 500))}
                    for p in rng.sample(parts, rng.randint(1, 3))
                ],
            }
            t0 = time.perf_counter()
            r = await http.post(
                "/api/v1/orders", json=body, headers={**headers, "Idempotency-Key": str(uuid.uuid4())}
            )
            assert r.status_code == 201, (r.status_code, r.text[:300])
            times.append((time.perf_counter() - t0) * 1000)
            i += 1


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = normalise_db_url(args.database_url)
    token, customers, parts = await prepare(url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-" + "y" * 40}
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measured part
        [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.workers), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=2) as probe:
            for _ in range(300):  # a busy machine may take a while to start two workers
                with contextlib.suppress(httpx.HTTPError):  # not listening yet
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
            else:
                raise SystemExit("the server did not answer /healthz within a minute")
        times: list[float] = []
        start = time.perf_counter()
        deadline = start + args.seconds
        await asyncio.gather(
            *(client(base, token, customers, parts, deadline, times, k) for k in range(args.clients))
        )
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=10)
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"{dialect}: {args.clients} clients, {args.workers} workers, {elapsed:.0f} s: {len(times)} orders created, "
        f"{len(times) / elapsed:.1f} orders/s, p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
