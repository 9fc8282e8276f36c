"""Excel import of N order lines: parse, preview and import times, SQL statements, on a generated factory.

    python -m bench.excel_import --database-url sqlite+aiosqlite:////tmp/bench-1x.db --lines 10000
    python -m bench.excel_import --database-url postgresql://postgres@127.0.0.1:5432/bench --lines 10000

Makes a workbook of ``--lines`` lines (``--lines-per-order`` lines per PO, active customers and parts of
the factory, new PO numbers each run), then measures what the web flow does with it:
- parse: read_sheet (the file: zip, XML, cells, formulas, merged cells) — no database;
- preview: services.preview (parse + the three lookups + grouping + parse_draft per order);
- import: start_import (parse again, plan) and then import_step until done, each step in its own
  transaction committed as the request would (create_order + submit per order, timeline, outbox).
It WRITES the orders: run it on a copy of a bench database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app import build_engine
from config import Settings, normalise_db_url
from domain.actors import Actor
from domain.base import today_local
from domain.catalog.models import Product
from domain.intake import excel, services
from domain.parties.models import Customer, StaffUser
from tests.intake_workbooks import workbook_bytes


async def make_workbook(session: AsyncSession, lines: int, per_order: int) -> bytes:
    customers = list(
        (await session.scalars(select(Customer.code).where(Customer.active).order_by(Customer.code))).all()
    )
    parts = list(
        (await session.scalars(select(Product.part_no).where(Product.active).order_by(Product.part_no))).all()
    )
    run = int(time.time())
    when = (today_local() + dt.timedelta(days=40)).isoformat()
    rows: list[list[Any]] = []
    for i in range(lines):
        order = i // per_order
        rows.append([customers[order % len(customers)], f"XLB-{run}-{order:06d}", when,
                     parts[(i * 7) % len(parts)], 1 + i % 50, ""])  # fmt: skip
    return workbook_bytes(rows)


async def run(url: str, lines: int, per_order: int) -> None:
    engine = build_engine(Settings(database_url=url, secret_key="bench-excel"))
    statements = {"n": 0}

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(*_: Any) -> None:
        statements["n"] += 1

    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            data = await make_workbook(session, lines, per_order)
            sales = await session.scalar(select(StaffUser).where(StaffUser.username == "sales"))
            assert sales is not None, "no 'sales' user: generate the factory with bench/generate.py"
            actor = Actor(kind="staff", id=sales.id, name=sales.display_name, roles=frozenset(sales.roles))
        print(f"workbook: {lines:,} lines, {lines // per_order:,} orders, {len(data) / 1024:.0f} KiB")

        t = time.perf_counter()
        sheet = excel.read_sheet(data)
        print(
            f"parse:   {time.perf_counter() - t:6.2f} s  ({len(sheet.rows):,} rows, {len(sheet.errors)} errors)"
        )

        async with AsyncSession(engine, expire_on_commit=False) as session:
            statements["n"] = 0
            t = time.perf_counter()
            parsed = await services.preview(session, data, today=today_local())
            took = time.perf_counter() - t
        print(f"preview: {took:6.2f} s  ({len(parsed.orders):,} orders, {parsed.error_count} errors, "
              f"{statements['n']} SQL statements)")  # fmt: skip
        assert parsed.error_count == 0, parsed.errors[:5]

        store = services.UploadStore(
            Settings(database_url=url, secret_key="x").upload_dir.parent / "bench-uploads"
        )
        async with AsyncSession(engine, expire_on_commit=False) as session:
            record = await services.register_upload(session, store, data=data, filename="bench.xlsx", actor=actor,
                                                    session_tag="bench")  # fmt: skip
            await session.commit()
            key = record.key
        statements["n"] = 0
        t = time.perf_counter()
        steps, step_times = 0, []
        async with AsyncSession(engine, expire_on_commit=False) as session:
            record = await services.get_import(session, key, actor, session_tag="bench", for_update=True)
            await services.start_import(session, record, data, actor=actor, today=today_local())
            await session.commit()
        while True:
            s0 = time.perf_counter()
            async with AsyncSession(engine, expire_on_commit=False) as session:
                record = await services.get_import(session, key, actor, session_tag="bench", for_update=True)
                await services.import_step(session, record, actor=actor)
                await session.commit()
                steps += 1
                step_times.append(time.perf_counter() - s0)
                if record.status == "done":
                    break
        took = time.perf_counter() - t
        store.delete(key)
        print(f"import:  {took:6.2f} s  ({len(record.created):,} orders created, {len(record.failed)} refused, "
              f"{steps} steps of ≤{services.STEP_LINES} lines, slowest step {max(step_times):.2f} s, "
              f"{statements['n'] / max(1, len(record.created)):.1f} SQL statements per order)")  # fmt: skip
        async with AsyncSession(engine) as session:
            total = await session.scalar(select(func.count()).select_from(Customer))
        print(f"({total} customers in the factory)")
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--lines-per-order", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(normalise_db_url(args.database_url), args.lines, args.lines_per_order))


if __name__ == "__main__":
    main()
