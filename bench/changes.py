"""Change requests: impact-preview latency (p50/p95, SQL statements) and report PDF generation time.

    python -m bench.changes --database-url sqlite+aiosqlite:////tmp/bench-1x-copy.db [--previews 60]

Run it on a COPY of a generated factory (bench/generate.py): it adds planned production load first
(``--load-orders`` open orders become jobs placed by the scheduler, committed once, skipped when jobs
already exist), so the dry-runs go around a realistic booked floor. Then, for a sample of open orders,
it times exactly what ``request_change`` computes before anything is stored: the date impact (two
scheduler dry-runs over the order's work centers, other orders' unstarted work movable) and the value
impact, for a pull-in of 7 days with +20 % on the first line. Finally it renders the 《变更影响评估简报》
PDF of one request repeatedly.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
from decimal import Decimal
from typing import Any

from sqlalchemy import event, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import selectinload

from config import normalise_db_url
from domain.approvals.models import ApprovalDecision
from domain.base import utcnow
from domain.changes.impact import date_impact, value_impact
from domain.changes.models import ChangeRequest
from domain.changes.report import build_report
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.production.models import Job, JobOperation
from domain.production.planning import LineDemand, job_specs_for, load_scheduler
from domain.production.status import OperationStatus

OPEN = ("confirmed", "in_production")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


async def add_load(engine: Any, n_orders: int, now: dt.datetime) -> int:
    """Plan ``n_orders`` open orders (earliest requested first) as jobs on the floor; returns operations."""
    async with AsyncSession(engine, expire_on_commit=False) as s:
        if await s.scalar(select(func.count()).select_from(Job)):
            return 0
        orders = list(
            await s.scalars(
                select(SalesOrder).options(selectinload(SalesOrder.lines))
                .where(SalesOrder.status.in_(OPEN)).order_by(SalesOrder.requested_date, SalesOrder.id).limit(n_orders)
            )
        )  # fmt: skip
        lines = {f"{ln.id}": ln for o in orders for ln in o.lines}
        demands = [LineDemand(k, ln.product_id, ln.quantity, ln.requested_date) for k, ln in lines.items()]
        specs = await job_specs_for(s, demands, release_at=now)
        schedule = (await load_scheduler(s)).place(specs, [], now)
        job_rows = [
            {"order_id": ln.order_id, "order_line_id": ln.id, "product_id": ln.product_id, "quantity": ln.quantity,
             "status": "planned", "priority": 0, "release_at": now, "due_date": ln.requested_date,
             "planned_start": min(op.start for op in schedule.for_job(k)), "planned_end": schedule.finish_by_job[k],
             "version": 1, "created_at": now, "updated_at": now}
            for k, ln in lines.items()
        ]  # fmt: skip
        ids = list(await s.scalars(insert(Job).returning(Job.id, sort_by_parameter_order=True), job_rows))
        job_id = {k: i for k, i in zip(lines, ids, strict=True)}
        spec_of = {(j.key, op.key): op for j in specs for op in j.operations}
        ops = [
            {"job_id": job_id[op.job_key], "order_id": lines[op.job_key].order_id, "seq": int(op.op_key[2:]),
             "work_center_id": int(op.work_center_id), "stage_name_zh": "工序", "stage_name_en": "Operation",
             "is_key": False, "setup_min": Decimal(str(spec_of[op.job_key, op.op_key].setup_min)),
             "run_min_per_unit": Decimal(str(spec_of[op.job_key, op.op_key].run_min_per_unit)),
             "quantity": lines[op.job_key].quantity, "quantity_done": Decimal("0"), "status": OperationStatus.PENDING,
             "machine": op.machine, "planned_start": op.start, "planned_end": op.end, "version": 1,
             "created_at": now, "updated_at": now}
            for op in schedule.operations
        ]  # fmt: skip
        for i in range(0, len(ops), 5000):
            await s.execute(insert(JobOperation), ops[i : i + 5000])
        await s.commit()
        return len(ops)


async def main(args: argparse.Namespace) -> None:
    url = normalise_db_url(args.database_url)
    engine = create_async_engine(url)
    now = utcnow()
    t0 = time.perf_counter()
    planned = await add_load(engine, args.load_orders, now)
    print(
        f"load: {planned} operations planned in {time.perf_counter() - t0:.1f} s"
        if planned
        else "load: jobs already there"
    )
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    async with AsyncSession(engine) as s:
        ids = list(
            await s.scalars(
                select(SalesOrder.id)
                .where(SalesOrder.status.in_(OPEN))
                .order_by(SalesOrder.id.desc())
                .limit(5000)
            )
        )
    sample = random.Random(11).sample(ids, min(len(ids), args.previews + 5))
    times: list[float] = []
    sqls: list[int] = []
    slipping = 0
    for i, order_id in enumerate(sample):
        async with AsyncSession(engine) as s:
            statements = 0
            start = time.perf_counter()
            order = await s.scalar(select(SalesOrder).options(selectinload(SalesOrder.lines).selectinload(SalesOrderLine.product))
                                   .where(SalesOrder.id == order_id))  # fmt: skip
            assert order is not None
            new = order.requested_date - dt.timedelta(days=7)
            first = order.lines[0]
            items = [{"kind": "date", "old": order.requested_date.isoformat(), "new": new.isoformat()},
                     {"kind": "quantity", "line_no": first.line_no, "new": str((first.quantity * Decimal("1.2")).quantize(Decimal("1")))}]  # fmt: skip
            dates = await date_impact(s, order, items, old_date=order.requested_date, new_date=new, now=now)
            value_impact(order, items, {}, Decimal("0.13"))
            elapsed = (time.perf_counter() - start) * 1000
            if i >= 5:  # warm-up
                times.append(elapsed)
                sqls.append(statements)
                slipping += bool(dates["slips"])
            await s.rollback()
    print(f"impact preview: n={len(times)} p50={statistics.median(times):.1f} ms p95={percentile(times, 95):.1f} ms "
          f"SQL/preview={min(sqls)}–{max(sqls)}; previews where other orders slip: {slipping}")  # fmt: skip

    cr = ChangeRequest(number="CR-2026-000001", status="approved", level="L2", scope="date_only", reason="other",
                       reason_text="总装线提前开线，需提前交付 <b>escaped</b>", base_order_version=3, from_revision=1,
                       to_revision=2, requested_by_kind="customer", requested_by_name="李雷", chain_name="L2",
                       items=[{"kind": "quantity", "line_no": n, "part_no": f"HR-{n:04d}", "old": "100", "new": "120"} for n in range(1, 6)],
                       impact={"date": {"old_date": "2026-12-25", "new_date": "2026-12-15", "available": True, "fits": True,
                                        "finish_before": "2026-12-10", "finish_after": "2026-12-12",
                                        "slips": [{"order_no": f"SO-2026-{n:06d}", "delay_hours": 3.5} for n in range(8)]},
                               "value": {"gross_before": "7198.10", "gross_after": "8637.72", "gross_delta": "1439.62", "net_after": "7644.00"}},
                       created_at=now)  # fmt: skip
    decisions = [ApprovalDecision(node_index=i, staff_name=n, decision="approve", comment="同意", decided_at=now)
                 for i, n in enumerate(("王芳", "张敏", "刘洋"))]  # fmt: skip
    build_report(
        cr, order_no="SO-2026-000123", customer_name="宁波拓锐", decisions=decisions
    )  # font registration
    pdf_times = []
    size = 0
    for _ in range(args.pdfs):
        start = time.perf_counter()
        size = len(
            build_report(
                cr, order_no="SO-2026-000123", customer_name="宁波拓锐汽车部件有限公司", decisions=decisions
            )
        )
        pdf_times.append((time.perf_counter() - start) * 1000)
    print(f"report PDF: n={len(pdf_times)} p50={statistics.median(pdf_times):.1f} ms p95={percentile(pdf_times, 95):.1f} ms "
          f"size={size / 1024:.0f} KiB")  # fmt: skip
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.changes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--previews", type=int, default=60)
    parser.add_argument("--pdfs", type=int, default=30)
    parser.add_argument("--load-orders", type=int, default=1500, help="open orders planned as jobs first")
    asyncio.run(main(parser.parse_args()))
