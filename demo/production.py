"""Production for the demo (and bench) factory: a job per line of every order at or past confirmed,
with realistic progress, and a few process photos.

- Work still open (confirmed orders, the unfinished part of in-production orders) is placed by the real
  scheduler, in one ``place`` call around the operations running now, so the Gantt and the heat map
  show the load the app itself would have planned.
- Work that happened before the scheduler existed (orders already past production, the finished
  operations of in-production orders) is laid out as history: operations back to back on their work
  center's calendar from the day production started, squeezed to end before the order went to QC.
  Capacity is not re-checked for the past; actual = planned there.
- In-production orders have some operations done and one running (partly reported) where a machine
  is free (one running operation per machine; the other jobs wait in the queue); one running
  operation is late (it should have ended three hours ago).
- Photos are drawn with Pillow (a part outline with its part number and stage) and stored through
  ``PhotoStore`` like an upload.

Rows go in with Core ``executemany`` (explicit ids) like the rest of the demo. Idempotent: orders that
already have jobs are skipped, and photos are added only when there are none.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.factory import _bulk_insert, _next_id, _sync_id_sequence
from domain.base import SHANGHAI, utcnow
from domain.catalog.models import Product
from domain.orders.lifecycle import Status
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.production.master_data import load_routings
from domain.production.models import Job, JobOperation, OperationPhoto, RoutingOperation
from domain.production.photos import PhotoStore, clean_image
from domain.production.planning import LineDemand, job_spec, load_scheduler, wc_key
from domain.production.scheduler import Booking, Scheduler
from domain.production.status import JobStatus, OperationStatus

__all__ = ["ProductionStats", "load_production"]

S = Status
PAST_PRODUCTION = frozenset({S.QC, S.READY_TO_SHIP, S.PICKING, S.SHIPPED, S.DELIVERED, S.INVOICED, S.CLOSED})
OPEN = frozenset({S.CONFIRMED, S.IN_PRODUCTION})
PHOTOS = 8
PLACE_CHUNK = 300
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@dataclass
class ProductionStats:
    jobs: int = 0
    operations: int = 0
    photos: int = 0
    late: int = 0


def _phase(status: str, held_from: str | None) -> str | None:
    s = held_from if status == S.ON_HOLD else status
    if s in PAST_PRODUCTION:
        return "history"
    if s == S.IN_PRODUCTION:
        return "running"
    if s == S.CONFIRMED:
        return "open"
    return None


def _minutes(step: RoutingOperation, qty: Decimal) -> float:
    return float(step.setup_min) + float(step.run_min_per_unit) * float(qty)


async def load_production(
    session: AsyncSession,
    *,
    now: dt.datetime | None = None,
    upload_dir: Path | None = None,
    photos: bool = True,
    history_since: dt.datetime | None = None,
    seed: int = 3,
) -> ProductionStats:
    """Jobs for the orders at or past confirmed that have none yet. ``history_since`` skips orders whose
    production ended before it (the bench's year of orders needs the recent past, not all of it).
    Photos go to ``upload_dir`` (default: the app's settings)."""
    now = now or utcnow()
    rng = random.Random(seed)
    stats = ProductionStats()
    scheduler = await load_scheduler(session)
    if not scheduler.work_centers:
        return stats

    has_job = select(Job.id).where(Job.order_id == SalesOrder.id).exists()
    candidates = (
        select(SalesOrder.id, SalesOrder.status, SalesOrder.held_from)
        .where(~has_job, SalesOrder.status.in_([*PAST_PRODUCTION, *OPEN, S.ON_HOLD]))
        .subquery()
    )
    orders = {
        r.id: phase
        for r in await session.execute(select(candidates))
        if (phase := _phase(r.status, r.held_from)) is not None
    }
    if not orders:
        return stats
    # When production started and when it went to QC, from the timeline (one query).
    times: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    for r in await session.execute(
        select(OrderEvent.order_id, OrderEvent.action, func.min(OrderEvent.created_at))
        .join(candidates, candidates.c.id == OrderEvent.order_id)
        .where(OrderEvent.action.in_(["confirm", "start_production", "send_to_qc"]))
        .group_by(OrderEvent.order_id, OrderEvent.action)
    ):
        times[r[0]][r[1]] = r[2]
    if history_since is not None:
        orders = {
            oid: ph for oid, ph in orders.items()
            if ph != "history" or times[oid].get("send_to_qc", now) >= history_since
        }  # fmt: skip
    lines = [
        ln
        for ln in (
            await session.execute(
                select(
                    SalesOrderLine.id,
                    SalesOrderLine.order_id,
                    SalesOrderLine.product_id,
                    SalesOrderLine.quantity,
                    SalesOrderLine.requested_date,
                    SalesOrderLine.promised_date,
                )
                .join(candidates, candidates.c.id == SalesOrderLine.order_id)
                .order_by(SalesOrderLine.order_id, SalesOrderLine.line_no)
            )
        ).all()
        if ln.order_id in orders
    ]
    routings = await load_routings(session, sorted({ln.product_id for ln in lines}))
    centers = scheduler.work_centers

    jobs_t, ops_t = Job.__table__, JobOperation.__table__
    job_id, op_id = await _next_id(session, jobs_t), await _next_id(session, ops_t)
    job_rows: list[dict[str, Any]] = []
    op_rows: list[dict[str, Any]] = []
    fixed: list[Booking] = []
    to_place: list[tuple[Any, list[RoutingOperation], dict[str, Any], dict[int, dict[str, Any]]]] = []
    machine_cursor: dict[str, int] = defaultdict(int)
    late_done = False

    def lay(
        steps: list[RoutingOperation], qty: Decimal, start: dt.datetime, limit: dt.datetime | None
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Back to back from ``start``; squeezed into [start, limit] when it would run past it."""
        spans, t = [], start
        for step in steps:
            cal = centers[wc_key(step.work_center_id)].calendar
            s = cal.next_working_instant(t)
            e = cal.add_working_time(s, _minutes(step, qty))
            spans.append((s, e))
            t = e
        if limit is not None and spans and spans[-1][1] > limit and limit > start:
            k = (limit - start) / (spans[-1][1] - start)
            spans = [(start + (s - start) * k, start + (e - start) * k) for s, e in spans]
        return spans

    for ln in lines:
        steps = [s for s in routings.get(ln.product_id, []) if wc_key(s.work_center_id) in centers]
        if not steps or len(steps) != len(routings[ln.product_id]):
            continue
        phase = orders[ln.order_id]
        t = times[ln.order_id]
        started = t.get("start_production") or t.get("confirm") or now
        job = {
            "id": job_id, "order_id": ln.order_id, "order_line_id": ln.id, "product_id": ln.product_id,
            "quantity": ln.quantity, "status": JobStatus.PLANNED, "priority": 0,
            "release_at": t.get("confirm") or started, "due_date": ln.promised_date or ln.requested_date,
            "planned_start": None, "planned_end": None, "version": 1, "created_at": t.get("confirm") or now,
            "updated_at": now,
        }  # fmt: skip
        ops: dict[int, dict[str, Any]] = {}
        for step in steps:
            wck = wc_key(step.work_center_id)
            ops[step.seq] = {
                "id": op_id, "job_id": job_id, "order_id": ln.order_id, "seq": step.seq,
                "routing_operation_id": step.id, "work_center_id": step.work_center_id,
                "stage_name_zh": step.stage_name_zh, "stage_name_en": step.stage_name_en, "is_key": step.is_key,
                "setup_min": step.setup_min, "run_min_per_unit": step.run_min_per_unit, "quantity": ln.quantity,
                "quantity_done": Decimal(0), "status": OperationStatus.PENDING,
                "machine": rng.randrange(centers[wck].parallel_machines), "planned_start": None,
                "planned_end": None, "actual_start": None, "actual_end": None, "version": 1,
                "created_at": job["created_at"], "updated_at": now,
            }  # fmt: skip
            op_id += 1
        job_id += 1
        rows = list(ops.values())

        if phase == "history":
            spans = lay(steps, ln.quantity, started, t.get("send_to_qc") or now)
            for row, (s, e) in zip(rows, spans, strict=True):
                row.update(planned_start=s, planned_end=e, actual_start=s, actual_end=e,
                           status=OperationStatus.DONE, quantity_done=ln.quantity)  # fmt: skip
            job["status"] = JobStatus.DONE
        elif phase == "running":
            k = rng.randrange(len(steps))  # where the job is; the operations before it are done
            running, step = rows[k], steps[k]
            wck = wc_key(step.work_center_id)
            if machine_cursor[wck] >= centers[wck].parallel_machines:
                # Every machine there is taken: the job waits in that work center's queue.
                spans = lay(steps[:k], ln.quantity, min(started, now), now)
                for row, (s, e) in zip(rows[:k], spans, strict=True):
                    row.update(planned_start=s, planned_end=e, actual_start=s, actual_end=e,
                               status=OperationStatus.DONE, quantity_done=ln.quantity)  # fmt: skip
                job["status"] = JobStatus.IN_PROGRESS if k else JobStatus.PLANNED
                to_place.append((ln, steps[k:], job, ops))
                job_rows.append(job)
                op_rows.extend(rows)
                continue
            cal = centers[wck].calendar
            minutes = _minutes(step, ln.quantity)
            if not late_done:  # one operation that should have ended three hours ago
                end = now - dt.timedelta(hours=3)
                begin = end - dt.timedelta(minutes=max(minutes, 120))
                actual_start, planned = begin + dt.timedelta(minutes=30), (begin, end)
                fraction, late_done = 0.6, True
                stats.late += 1
            else:
                fraction = rng.uniform(0.15, 0.7)
                actual_start = now - dt.timedelta(minutes=minutes * fraction * 1.6)
                planned = (actual_start, cal.add_working_time(now, minutes * (1 - fraction)))
            spans = lay(steps[:k], ln.quantity, min(started, actual_start), actual_start)
            for row, (s, e) in zip(rows[:k], spans, strict=True):
                row.update(planned_start=s, planned_end=e, actual_start=s, actual_end=e,
                           status=OperationStatus.DONE, quantity_done=ln.quantity)  # fmt: skip
            machine = machine_cursor[wck]  # one running operation per machine
            machine_cursor[wck] += 1
            running.update(status=OperationStatus.RUNNING, actual_start=actual_start, planned_start=planned[0],
                           planned_end=planned[1], machine=machine,
                           quantity_done=(ln.quantity * Decimal(str(round(fraction, 2)))).quantize(Decimal(1)))  # fmt: skip
            fixed.append(Booking(wck, planned[0], max(planned[1], now), "", machine))
            job["status"] = JobStatus.IN_PROGRESS
            if k + 1 < len(steps):
                to_place.append((ln, steps[k + 1 :], job, ops))
        else:
            to_place.append((ln, steps, job, ops))
        job_rows.append(job)
        op_rows.extend(rows)

    if to_place:
        # In chunks, earliest due first: each chunk goes around the load of the chunks before it, merged
        # into one booking per busy stretch of a machine. One ``place`` over tens of thousands of jobs
        # (the bench's year) would walk every booking of a machine for every operation: quadratic.
        to_place.sort(key=lambda item: (item[2]["due_date"], item[2]["id"]))
        scheduler_all = Scheduler(centers.values())
        for start in range(0, len(to_place), PLACE_CHUNK):
            chunk = to_place[start : start + PLACE_CHUNK]
            specs = [
                job_spec(
                    LineDemand(str(job["id"]), ln.product_id, ln.quantity, job["due_date"]),
                    steps,
                    release_at=max(
                        [now, *(o["planned_end"] for o in ops.values() if o["planned_end"] is not None)]
                    ),
                )
                for ln, steps, job, ops in chunk
            ]
            plan = scheduler_all.place(specs, fixed, now)
            for _, _, job, ops in chunk:
                for p in plan.for_job(str(job["id"])):
                    ops[int(p.op_key.removeprefix("op"))].update(
                        planned_start=p.start, planned_end=p.end, machine=p.machine
                    )
            fixed = _merged([*fixed, *plan.as_bookings()])
    by_job: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for o in op_rows:
        by_job[o["job_id"]].append(o)
    for job in job_rows:
        mine = by_job[job["id"]]
        job["planned_start"] = min(o["planned_start"] for o in mine)
        job["planned_end"] = max(o["planned_end"] for o in mine)

    await _bulk_insert(session, jobs_t, job_rows)
    await _bulk_insert(session, ops_t, op_rows)
    await _sync_id_sequence(session, jobs_t, job_id - 1)
    await _sync_id_sequence(session, ops_t, op_id - 1)
    stats.jobs, stats.operations = len(job_rows), len(op_rows)
    if photos:
        if upload_dir is None:
            from config import Settings

            upload_dir = Settings().upload_dir
        stats.photos = await _photos(session, op_rows, upload_dir, now, rng)
    return stats


def _merged(bookings: list[Booking]) -> list[Booking]:
    """Touching or overlapping bookings of one machine as one: the same load, far fewer intervals."""
    lanes: dict[tuple[str, int | None], list[Booking]] = defaultdict(list)
    for b in bookings:
        lanes[(b.work_center_id, b.machine)].append(b)
    out: list[Booking] = []
    for (wc, machine), lane in lanes.items():
        lane.sort(key=lambda b: b.start)
        cur_s, cur_e = lane[0].start, lane[0].end
        for b in lane[1:]:
            if b.start <= cur_e:
                cur_e = max(cur_e, b.end)
            else:
                out.append(Booking(wc, cur_s, cur_e, "", machine))
                cur_s, cur_e = b.start, b.end
        out.append(Booking(wc, cur_s, cur_e, "", machine))
    return out


def _draw(part_no: str, stage: str, when: dt.datetime, rng: random.Random) -> bytes:
    """A process photo stand-in: a machined part (flange with bolt holes) on a bench, labelled."""
    w, h = 960, 720
    img = Image.new("RGB", (w, h), (92 + rng.randrange(20), 96, 104))
    d = ImageDraw.Draw(img)
    for x in range(0, w, 48):  # the bench's grain
        d.line([(x, 0), (x + 120, h)], fill=(84, 88, 96), width=2)
    cx, cy, r = w // 2 + rng.randrange(-60, 60), h // 2 + rng.randrange(-30, 30), 220
    d.ellipse([cx - r - 8, cy - r + 12, cx + r + 8, cy + r + 28], fill=(50, 52, 58))  # shadow
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(188, 192, 198), outline=(120, 124, 130), width=6)
    d.ellipse([cx - 80, cy - 80, cx + 80, cy + 80], fill=(70, 72, 78), outline=(150, 154, 160), width=5)
    for i in range(6):
        a = i * math.pi / 3
        hx, hy = cx + 150 * math.cos(a), cy + 150 * math.sin(a)
        d.ellipse([hx - 18, hy - 18, hx + 18, hy + 18], fill=(90, 92, 98))
    try:
        font = ImageFont.truetype(str(FONT), 30, index=0)
        small = ImageFont.truetype(str(FONT), 22, index=0)
    except OSError:  # no CJK font on this machine: Pillow's own (Latin only)
        font = small = ImageFont.load_default()
    d.rectangle([0, h - 70, w, h], fill=(20, 24, 32))
    d.text((24, h - 60), f"{part_no}  ·  {stage}", font=font, fill=(255, 255, 255))
    d.text(
        (w - 300, h - 52),
        when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        font=small,
        fill=(200, 200, 200),
    )
    out = io.BytesIO()
    img.save(out, "JPEG", quality=82)
    return out.getvalue()


async def _photos(
    session: AsyncSession,
    op_rows: list[dict[str, Any]],
    upload_dir: Path,
    now: dt.datetime,
    rng: random.Random,
) -> int:
    if await session.scalar(select(func.count()).select_from(OperationPhoto)):
        return 0
    # Key operations that ran lately (running ones first): where a customer would look for photos.
    candidates = sorted(
        (o for o in op_rows if o["is_key"] and o["actual_start"] is not None),
        key=lambda o: (o["status"] != OperationStatus.RUNNING, -(o["actual_start"].timestamp())),
    )[:PHOTOS]
    if not candidates:
        return 0
    parts = dict(
        (await session.execute(
            select(Job.id, Product.part_no).join(Product, Product.id == Job.product_id)
            .where(Job.id.in_({o["job_id"] for o in candidates}))
        )).all()
    )  # fmt: skip
    store = PhotoStore(upload_dir)
    table = OperationPhoto.__table__
    next_id = await _next_id(session, table)
    rows = []
    for o in candidates:
        taken = o["actual_end"] or now
        image = clean_image(_draw(parts.get(o["job_id"], ""), o["stage_name_zh"], taken, rng))
        rows.append({
            "id": next_id, "operation_id": o["id"], "order_id": o["order_id"], "storage_key": store.put(image),
            "content_type": image.content_type, "width": image.width, "height": image.height,
            "size_bytes": len(image.data), "caption": f"{o['stage_name_zh']} 过程照片",
            "uploaded_by_id": None, "uploaded_by_name": "车间", "created_at": taken, "updated_at": taken,
        })  # fmt: skip
        next_id += 1
    await _bulk_insert(session, table, rows)
    await _sync_id_sequence(session, table, next_id - 1)
    return len(rows)
