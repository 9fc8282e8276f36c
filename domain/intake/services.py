"""Excel import commands: keep the upload, preview it, and import it in steps that each commit whole orders.

Choice where the issue leaves one: the valid orders are imported and the invalid ones reported (an
order is all its rows or nothing). Every order goes through ``create_order(…, submit=True)``, so it
gets the same checks, timeline and outbox as an order typed in by hand.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import utcnow
from domain.catalog.models import Product
from domain.errors import NotFound, ValidationFailed
from domain.i18n import N_, Msg
from domain.intake import excel
from domain.intake.models import ExcelImport
from domain.orders.models import SalesOrder
from domain.orders.permissions import authorize_entry
from domain.orders.services import create_order
from domain.parties.models import Customer

# An upload not imported within this time is gone (its file is swept at the next upload).
UPLOAD_TTL = dt.timedelta(hours=6)
# Lines created per import step: one step is one request and one transaction, a few seconds at most.
STEP_LINES = 400
STEP_SECONDS = 5.0
_KEY = re.compile(r"^[A-Za-z0-9_-]{32}$")


class UploadStore:
    """Uploaded workbooks under one folder, named by a random key (never by the user's file name)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root) / "imports"

    def path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise NotFound(key)
        return self.root / f"{key}.xlsx"

    def put(self, data: bytes) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(24)
        with self.path(key).open("xb") as fh:
            fh.write(data)
        return key

    def read(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise NotFound(key) from None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def sweep(self, older_than: dt.timedelta = UPLOAD_TTL) -> None:
        if not self.root.is_dir():
            return
        limit = time.time() - older_than.total_seconds()
        for path in self.root.glob("*.xlsx"):
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)


async def register_upload(
    session: AsyncSession, store: UploadStore, *, data: bytes, filename: str, actor: Actor, session_tag: str
) -> ExcelImport:
    """Keep an uploaded file for preview and import. Only the size is refused here; the preview says
    everything else that is wrong with it, row by row."""
    authorize_entry(actor)
    if not data:
        raise ValidationFailed({"file": Msg(N_("Choose an .xlsx file to upload."))})
    if len(data) > excel.MAX_BYTES:
        raise ValidationFailed(
            {"file": Msg(N_("The file is larger than %(max)s MB."), max=excel.MAX_BYTES // (1024 * 1024))}
        )
    store.sweep()
    key = store.put(data)
    record = ExcelImport(
        key=key, staff_user_id=actor.id, session_tag=session_tag, filename=(filename or "upload.xlsx")[-200:],
        size_bytes=len(data), created=[], failed=[],
    )  # fmt: skip
    session.add(record)
    await session.flush()
    return record


async def get_import(
    session: AsyncSession, key: str, actor: Actor, *, session_tag: str, for_update: bool = False
) -> ExcelImport:
    """The actor's own import, from the session that uploaded it; someone else's, one from another
    sign-in, or an expired upload, is not found. ``for_update`` makes
    two import steps of one file queue up on PostgreSQL (on SQLite the version column refuses the
    second with a stale-version answer)."""
    authorize_entry(actor)
    stmt = select(ExcelImport).where(ExcelImport.key == key)
    record = await session.scalar(stmt.with_for_update() if for_update else stmt)
    if (
        record is None
        or record.staff_user_id != actor.id
        or not secrets.compare_digest(record.session_tag, session_tag)
    ):
        raise NotFound(key)
    if record.status == "uploaded" and record.created_at < utcnow() - UPLOAD_TTL:
        raise NotFound(key)
    return record


async def lookups_for(session: AsyncSession, sheet: excel.Sheet) -> excel.Lookups:
    """The active customers and products the sheet names, and the POs of theirs already used: three
    queries whatever the size of the file (the PO query in slices, to stay under parameter limits)."""
    customer_codes, part_nos = excel.referenced_codes(sheet)
    customers: dict[str, int] = {}
    if customer_codes:
        rows = await session.execute(
            select(func.upper(Customer.code), Customer.id).where(
                func.upper(Customer.code).in_(customer_codes), Customer.active
            )
        )
        customers = {code: cid for code, cid in rows.all()}
    products: dict[str, int] = {}
    for chunk in _chunks(sorted(part_nos), 1000):
        rows = await session.execute(
            select(func.upper(Product.part_no), Product.id).where(
                func.upper(Product.part_no).in_(chunk), Product.active
            )
        )
        products.update({part: pid for part, pid in rows.all()})
    wanted = {(customers[code], po) for (code, po), _ in excel.group_rows(sheet) if code in customers and po}
    existing: dict[tuple[int, str], str] = {}
    for chunk in _chunks(sorted(wanted), 500):
        rows = await session.execute(
            select(SalesOrder.customer_id, SalesOrder.customer_po, SalesOrder.order_no).where(
                tuple_(SalesOrder.customer_id, SalesOrder.customer_po).in_(chunk)
            )
        )
        existing.update({(cid, po): no for cid, po, no in rows.all()})
    return excel.Lookups(customers=customers, products=products, existing_pos=existing)


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


async def preview(session: AsyncSession, data: bytes, *, today: dt.date) -> excel.ParsedFile:
    """What an import of ``data`` would create, and every row error; stores nothing."""
    sheet = excel.read_sheet(data)
    if any(e.row is None for e in sheet.errors):
        return excel.build_orders(sheet, excel.Lookups({}, {}, {}), today=today)
    return excel.build_orders(sheet, await lookups_for(session, sheet), today=today)


async def start_import(
    session: AsyncSession, record: ExcelImport, data: bytes, *, actor: Actor, today: dt.date
) -> ExcelImport:
    """Parse the kept file again (exactly what was previewed) and fix the plan the steps work through.
    Starting twice is harmless: the second call finds the plan already made."""
    authorize_entry(actor)
    if record.status != "uploaded":
        return record
    parsed = await preview(session, data, today=today)
    if not parsed.orders:
        raise ValidationFailed({"file": Msg(N_("The file holds no valid order to import."))})
    record.plan = [excel.plan_of(order) for order in parsed.orders]
    record.total_orders = len(parsed.orders)
    record.total_lines = parsed.lines
    record.refused_orders = parsed.orders_refused
    record.status = "importing"
    await session.flush()
    return record


async def import_step(
    session: AsyncSession,
    record: ExcelImport,
    *,
    actor: Actor,
    max_lines: int | None = None,
    max_seconds: float | None = None,
) -> ExcelImport:
    """Create the next orders of the plan. Each order runs in a savepoint: one refused at this point
    (its PO taken meanwhile, a product just deactivated) leaves no row behind, and the rest go on."""
    authorize_entry(actor)
    if record.status != "importing" or record.plan is None:
        return record
    max_lines = max_lines or STEP_LINES
    max_seconds = max_seconds or STEP_SECONDS
    # Write first, before the savepoints: SQLite's driver opens its transaction (BEGIN) only before a
    # write, and a SAVEPOINT outside a transaction is a transaction of its own, whose RELEASE commits.
    # Without this each order would be committed on its own, apart from the step's progress count.
    # (On SQLite the write also queues a second step of the same import behind this one.)
    await session.execute(update(ExcelImport).where(ExcelImport.id == record.id).values(updated_at=utcnow()))
    started = time.monotonic()
    lines = 0
    created, failed = list(record.created), list(record.failed)
    done, done_lines = record.done_orders, record.done_lines
    for item in record.plan[done:]:
        draft = excel.draft_from_plan(item)
        try:
            async with session.begin_nested():
                order = await create_order(session, draft, actor, submit=True)
            created.append(order.order_no)
        except ValidationFailed as exc:
            failed.append(
                {
                    "rows": item["rows"],
                    "customer_code": item["customer_code"],
                    "customer_po": item["customer_po"],
                    "errors": [
                        {"field": k, "msgid": str(v), "params": getattr(v, "params", {})}
                        for k, v in exc.errors.items()
                    ],
                }
            )
        done += 1
        done_lines += len(draft.lines)
        lines += len(draft.lines)
        if lines >= max_lines or time.monotonic() - started > max_seconds:
            break
    record.created, record.failed = created, failed
    record.done_orders, record.done_lines = done, done_lines
    if done >= record.total_orders:
        record.status = "done"
        record.plan = None  # the orders are the record now
    await session.flush()
    return record
