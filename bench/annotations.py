"""Photo annotation pages under load: a heavily annotated order and a team lead with a long notification list.

    python -m bench.annotations [--photos 40] [--annotations 120] [--notifications 50000] [--requests 100]

Builds its own scratch SQLite database (the test seed, then one order with ``--photos`` process photos of
1600×1200, ``--annotations`` annotations with two replies each, ``--notifications`` notifications for the
team lead), runs the app in-process and prints p50/p95 latency, SQL statements and bytes per page, plus
the time to make a thumbnail of a 12-megapixel photo the first time.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from bench.pages import measure, sign_in
from config import Settings
from domain.actors import Actor
from domain.annotations.services import create_annotation, reply_to_annotation
from domain.notifications.models import Notification
from domain.production.photos import PhotoStore, clean_image
from domain.production.thumbnails import ThumbnailCache
from migrations.runner import upgrade


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


async def build(
    url: str, upload_dir: Path, photos: int, annotations: int, notifications: int
) -> dict[str, Any]:
    from sqlalchemy import select

    from domain.parties.models import CustomerUser
    from tests.photo_factory import add_photo
    from tests.seed import seed

    engine = create_async_engine(url)
    async with AsyncSession(engine, expire_on_commit=False) as s:
        seeded = await seed(s)
        order_no = seeded.orders["c001_in_production"]
        fixtures = [
            await add_photo(s, order_no, upload_dir, stage=(f"工序{i % 6}", f"Stage {i % 6}"))
            for i in range(photos)
        ]
        qe = await s.scalar(select(CustomerUser).where(CustomerUser.username == "c001-qe"))
        assert qe is not None
        customer = Actor(kind="customer", id=qe.id, name=qe.display_name, roles=frozenset({qe.role}),
                         customer_id=qe.customer_id)  # fmt: skip
        lead = Actor(kind="staff", id=fixtures[0].team_lead_id, name="lead", roles=frozenset())
        for i in range(annotations):
            a = await create_annotation(s, photo_id=fixtures[i % 4].photo_id, text=f"第 {i} 处毛刺",
                                        regions=[f"{i % 80},{i % 70},10,10"], language="zh-CN", actor=customer)  # fmt: skip
            await reply_to_annotation(s, annotation_id=a.id, text="收到", language="zh-CN", actor=lead)
            await reply_to_annotation(s, annotation_id=a.id, text="谢谢", language="zh-CN", actor=customer)
        rows = [
            {
                "staff_user_id": lead.id,
                "kind": "bench",
                "message": "Bench %(n)s",
                "params": {"n": i},
                "link": "",
            }
            for i in range(notifications)
        ]
        for start in range(0, len(rows), 5000):
            await s.execute(insert(Notification), rows[start : start + 5000])
        await s.commit()
    await engine.dispose()
    return {"order_no": order_no, "photo_id": fixtures[0].photo_id}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--annotations", type=int, default=120)
    parser.add_argument("--notifications", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    os.environ.setdefault("ARGON2_TIME_COST", "1")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    from app import create_app
    from domain.parties.auth import configure_hasher

    configure_hasher(1, 1024)
    with tempfile.TemporaryDirectory(prefix="op-bench-anno-") as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        upload_dir = Path(folder) / "uploads"
        await asyncio.to_thread(upgrade, url)
        t0 = time.perf_counter()
        made = await build(url, upload_dir, args.photos, args.annotations, args.notifications)
        print(f"built in {time.perf_counter() - t0:.1f}s: {args.photos} photos, {args.annotations} annotations "
              f"(2 replies each; {args.annotations // 4} on the measured photo), {args.notifications} notifications")  # fmt: skip

        big = PhotoStore(upload_dir).put(clean_image(jpeg(4000, 3000)))
        t0 = time.perf_counter()
        ThumbnailCache(PhotoStore(upload_dir)).get(big)
        print(f"thumbnail of a 4000×3000 JPEG, first request: {(time.perf_counter() - t0) * 1000:.0f} ms")

        app = create_app(Settings(database_url=url, secret_key="bench-" + "x" * 40, upload_dir=upload_dir))
        engine = app.state.alchemy.get_engine()
        counter = {"n": 0}

        def count(*_: Any) -> None:
            counter["n"] += 1

        event.listen(engine.sync_engine, "before_cursor_execute", count)
        order_no, photo_id = made["order_no"], made["photo_id"]
        n = args.requests
        pages = {
            "portal photos of an order (htmx)": (f"/portal/orders/{order_no}/photos", {"HX-Request": "true"}),
            "portal photo page": (f"/portal/orders/{order_no}/photos/{photo_id}", None),
            "portal thumbnail (cached)": (f"/portal/photos/{photo_id}/thumb", None),
            "back-office photo page": (f"/backoffice/photos/{photo_id}", None),
            "back-office bell count": ("/backoffice/notifications/badge", {"HX-Request": "true"}),
            "back-office notifications, page 1": ("/backoffice/notifications", None),
            "back-office notifications, page 100": ("/backoffice/notifications?page=100", None),
            "back-office open annotations": ("/backoffice/annotations", None),
        }
        results = {}
        async with AsyncTestClient(app=app, base_url="http://bench.local") as client:
            await sign_in(client, "portal", "c001-qe")
            await sign_in(client, "backoffice", "lead-cnc")
            for name, (path, headers) in pages.items():
                results[name] = await measure(client, counter, lambda i, p=path: p, n, headers=headers)
        print(f"\nSQLite, {n} requests per page after 5 warm-up")
        print(f"{'page':38} {'p50 ms':>8} {'p95 ms':>8} {'SQL/req':>9} {'KB':>7}")
        for name, r in results.items():
            sql = f"{r['sql_min']}" if r["sql_min"] == r["sql_max"] else f"{r['sql_min']}-{r['sql_max']}"
            print(f"{name:38} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {sql:>9} {r['kb']:7.1f}")


if __name__ == "__main__":
    asyncio.run(main())
