"""Portal order pages with N users at once, through a real server on 127.0.0.1.

    python -m bench.load --database-url sqlite+aiosqlite:///var/bench-1x.db [--users 10] [--seconds 20] [--workers 2]

Starts uvicorn on a free loopback port, signs in N customer sessions (c001-buyer), and lets each
fetch order pages back to back for a bounded time. Prints pages/s, p50 and p95. Traffic never
leaves the machine, and the loop stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import time

import httpx

from bench.pages import percentile, sample_orders
from config import ROOT, normalise_db_url

_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def user(base: str, orders: list[str], deadline: float, times: list[float], offset: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        page = await client.get("/portal/login")
        token = _TOKEN.search(page.text).group(1)  # type: ignore[union-attr]
        r = await client.post(
            "/portal/login", data={"username": "c001-buyer", "password": "orderpulse", "_csrf_token": token}
        )
        assert r.status_code in (200, 303), r.status_code
        i = offset
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            r = await client.get(f"/portal/orders/{orders[i % len(orders)]}")
            assert r.status_code == 200, r.status_code
            times.append((time.perf_counter() - t0) * 1000)
            i += 1


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="sqlite+aiosqlite:///var/orderpulse.db")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    url = normalise_db_url(args.database_url)
    orders, _ = await sample_orders(url, "C001", 500)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench-" + "y" * 40, "ARGON2_TIME_COST": "1"}
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measured part
        [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(args.workers), "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=1) as probe:
            for _ in range(100):
                with contextlib.suppress(httpx.HTTPError):  # not listening yet
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.2)
        times: list[float] = []
        start = time.perf_counter()
        deadline = start + args.seconds
        await asyncio.gather(*(user(base, orders, deadline, times, k * 37) for k in range(args.users)))
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=10)
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"{dialect}: {args.users} users, {args.workers} workers, {elapsed:.0f} s: {len(times)} portal order pages, "
        f"{len(times) / elapsed:.1f} pages/s, p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
