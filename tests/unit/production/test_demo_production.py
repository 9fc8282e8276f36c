"""The demo factory's production: jobs for every order at or past confirmed, progress that looks like a
working floor (history done, some running, one late), photos, open work placed without overlaps, and a
second load that adds nothing."""

from __future__ import annotations

import datetime as dt
import itertools
import os
from collections import defaultdict
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import metadata, utcnow
from domain.orders.models import SalesOrder
from domain.production.models import Job, JobOperation, OperationPhoto, WorkCenter
from domain.production.photos import PhotoStore


async def test_demo_production(session: AsyncSession, tmp_path: Path) -> None:
    from demo.factory import load_demo
    from demo.production import load_production

    for table in reversed(metadata.sorted_tables):  # the demo refuses the seed's accounts; rolled back
        await session.execute(text(f'DELETE FROM "{table.name}"'))
    now = utcnow()
    assert await load_demo(session, orders=60)
    # load_demo planned already; a second pass (here with photos to tmp_path) adds nothing.
    again = await load_production(session, now=now, upload_dir=tmp_path)
    assert (again.jobs, again.photos) == (0, 0)
    assert list(tmp_path.iterdir()) == []  # noqa: ASYNC240 — the test's own temp folder

    orders = dict((await session.execute(select(SalesOrder.id, SalesOrder.status))).all())
    with_jobs = set(await session.scalars(select(Job.order_id).distinct()))
    past_confirmed = {
        oid for oid, st in orders.items()
        if st in ("confirmed", "in_production", "qc", "ready_to_ship", "picking", "shipped", "delivered", "invoiced", "closed")
    }  # fmt: skip
    assert past_confirmed <= with_jobs
    assert not {oid for oid, st in orders.items() if st in ("draft", "submitted")} & with_jobs

    ops = list(await session.scalars(select(JobOperation)))
    status = defaultdict(int)
    for o in ops:
        status[o.status] += 1
        assert o.planned_start is not None
        assert o.planned_end is not None
        assert o.planned_start <= o.planned_end
        if o.status == "done":
            assert o.actual_end is not None
            assert o.actual_end <= now + dt.timedelta(seconds=1)
            assert o.quantity_done == o.quantity
    assert status["done"]
    assert status["running"]
    assert status["pending"]
    running = [o for o in ops if o.status == "running"]
    assert sum(o.planned_end < now for o in running) == 1  # exactly one late running operation
    assert all(0 < o.quantity_done < o.quantity for o in running)

    # Pending work was placed by the scheduler: no two pending operations share a machine at once.
    machines = dict((await session.execute(select(WorkCenter.id, WorkCenter.machines))).all())
    lanes: dict[tuple[int, int], list[JobOperation]] = defaultdict(list)
    for o in ops:
        if o.status == "pending":
            assert o.machine < machines[o.work_center_id]
            lanes[(o.work_center_id, o.machine)].append(o)
    for lane in lanes.values():
        lane.sort(key=lambda o: o.planned_start)
        assert all(a.planned_end <= b.planned_start for a, b in itertools.pairwise(lane))
    # Routing order inside every job.
    by_job: dict[int, list[JobOperation]] = defaultdict(list)
    for o in ops:
        by_job[o.job_id].append(o)
    for mine in by_job.values():
        mine.sort(key=lambda o: o.seq)
        assert all(
            a.planned_end <= b.planned_start + dt.timedelta(seconds=1) for a, b in itertools.pairwise(mine)
        )

    photos = list(await session.scalars(select(OperationPhoto)))
    assert photos
    store = PhotoStore(Path(os.environ["UPLOAD_DIR"]))
    assert all(store.path(p.storage_key).exists() for p in photos)
    assert await session.scalar(select(func.count()).select_from(JobOperation).where(JobOperation.is_key)) > 0
