"""Excel import against the database: lookups, the plan, steps that commit whole orders, the timeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local, utcnow
from domain.catalog.models import Product
from domain.errors import Forbidden, NotFound, ValidationFailed
from domain.intake import services
from domain.intake.models import ExcelImport
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.outbox.models import OutboxMessage
from tests.intake_workbooks import order_rows, workbook_bytes
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP

TAG = "digest-of-the-session-cookie"


def sales(seed: Seed) -> Actor:
    return Actor(kind="staff", id=seed.staff["sales"], name="sales", roles=frozenset({"sales"}))


def soon() -> str:
    return (today_local() + dt.timedelta(days=20)).isoformat()


async def part_nos(db: AsyncSession, seed: Seed) -> list[str]:
    rows = await db.execute(select(Product.id, Product.part_no).where(Product.id.in_(seed.products)))
    by_id = dict(rows.all())
    return [by_id[i] for i in seed.products]


async def count(db: AsyncSession, model: type) -> int:
    return await db.scalar(select(func.count()).select_from(model)) or 0


@MODULE_LOOP
async def test_preview_looks_up_codes_and_existing_pos_and_stores_nothing(
    db: AsyncSession, module_seed: Seed
) -> None:
    parts = await part_nos(db, module_seed)
    rows = (
        order_rows("c001", "PO-NEW-1", soon(), [(parts[0], 5), (parts[1].lower(), 6)])
        + order_rows("C001", "PO-C001-1", soon(), [(parts[0], 1)])  # taken by the seed's order
        + order_rows("C002", "PO-C001-1", soon(), [(parts[0], 1)])  # another customer: free
    )
    before = await count(db, SalesOrder)
    parsed = await services.preview(db, workbook_bytes(rows), today=today_local())
    assert [(o.customer_code, o.customer_po) for o in parsed.orders] == [
        ("C001", "PO-NEW-1"),
        ("C002", "PO-C001-1"),
    ]
    assert [(e.row, e.column, e.message.params) for e in parsed.errors] == [
        (4, "customer_po", {"order_no": module_seed.orders["c001_submitted"]})
    ]
    assert await count(db, SalesOrder) == before


@MODULE_LOOP
async def test_an_inactive_product_is_unknown(db: AsyncSession, module_seed: Seed) -> None:
    parts = await part_nos(db, module_seed)
    await db.execute(update(Product).where(Product.id == module_seed.products[2]).values(active=False))
    parsed = await services.preview(
        db, workbook_bytes(order_rows("C001", "PO-X", soon(), [(parts[2], 1)])), today=today_local()
    )
    assert [(e.column, e.message.params) for e in parsed.errors] == [("product", {"part_no": parts[2]})]


@MODULE_LOOP
async def test_import_in_steps_creates_submitted_excel_orders_with_timeline_and_outbox(
    db: AsyncSession, module_seed: Seed, tmp_path: Path
) -> None:
    parts = await part_nos(db, module_seed)
    rows = []
    for i in range(7):
        rows += order_rows("C001", f"PO-STEP-{i}", soon(), [(parts[0], i + 1), (parts[1], 2)])
    rows += [["C001", "PO-BAD", soon(), "NO-SUCH-PART", 1]]
    data = workbook_bytes(rows)
    store = services.UploadStore(tmp_path)
    actor = sales(module_seed)
    record = await services.register_upload(
        db, store, data=data, filename="orders.xlsx", actor=actor, session_tag=TAG
    )
    assert store.read(record.key) == data
    orders_before, outbox_before = await count(db, SalesOrder), await count(db, OutboxMessage)

    await services.start_import(db, record, data, actor=actor, today=today_local())
    assert (record.status, record.total_orders, record.total_lines, record.refused_orders) == (
        "importing",
        7,
        14,
        1,
    )
    steps = 0
    while record.status == "importing":
        await services.import_step(db, record, actor=actor, max_lines=4)  # two orders per step
        steps += 1
    assert steps == 4
    assert (record.done_orders, record.done_lines, len(record.created), record.failed) == (7, 14, 7, [])
    assert record.plan is None
    orders = (await db.scalars(select(SalesOrder).where(SalesOrder.order_no.in_(record.created)))).all()
    assert {(o.channel, o.status, o.line_count) for o in orders} == {("excel", "submitted", 2)}
    assert sorted(o.customer_po or "" for o in orders) == [f"PO-STEP-{i}" for i in range(7)]
    assert await count(db, SalesOrder) == orders_before + 7
    kinds = (
        await db.execute(
            select(OrderEvent.kind, func.count())
            .where(OrderEvent.order_id.in_([o.id for o in orders]))
            .group_by(OrderEvent.kind)
        )
    ).all()
    assert dict(kinds) == {
        "created": 7,
        "transition": 7,
        "promise": 7,
    }  # every channel meets the promise check
    assert await count(db, OutboxMessage) >= outbox_before + 14  # created + submitted, at least
    # A finished import does nothing more.
    await services.import_step(db, record, actor=actor)
    assert await count(db, SalesOrder) == orders_before + 7


@MODULE_LOOP
async def test_an_order_refused_at_import_time_leaves_no_row_and_the_rest_goes_on(
    db: AsyncSession, module_seed: Seed, tmp_path: Path
) -> None:
    parts = await part_nos(db, module_seed)
    rows = order_rows("C002", "PO-RACE", soon(), [(parts[0], 1), (parts[1], 1)]) + order_rows(
        "C002", "PO-OK", soon(), [(parts[0], 1)]
    )
    data = workbook_bytes(rows)
    actor = sales(module_seed)
    record = await services.register_upload(
        db, services.UploadStore(tmp_path), data=data, filename="a.xlsx", actor=actor, session_tag=TAG
    )
    await services.start_import(db, record, data, actor=actor, today=today_local())
    # Between preview and import, someone deactivates the first order's second product.
    await db.execute(update(Product).where(Product.id == module_seed.products[1]).values(active=False))
    lines_before = await count(db, SalesOrderLine)
    await services.import_step(db, record, actor=actor)
    assert record.status == "done"
    assert len(record.created) == 1
    assert [(f["customer_po"], f["rows"], f["errors"][0]["msgid"]) for f in record.failed] == [
        ("PO-RACE", [2, 3], "Unknown product.")
    ]
    assert await count(db, SalesOrderLine) == lines_before + 1
    assert (
        await db.scalar(
            select(func.count()).select_from(SalesOrder).where(SalesOrder.customer_po == "PO-RACE")
        )
        == 0
    )


@MODULE_LOOP
async def test_a_file_without_valid_orders_cannot_start(
    db: AsyncSession, module_seed: Seed, tmp_path: Path
) -> None:
    data = workbook_bytes([["C001", "PO-1", soon(), "NOPE", 1]])
    actor = sales(module_seed)
    record = await services.register_upload(
        db, services.UploadStore(tmp_path), data=data, filename="a.xlsx", actor=actor, session_tag=TAG
    )
    with pytest.raises(ValidationFailed):
        await services.start_import(db, record, data, actor=actor, today=today_local())
    assert record.status == "uploaded"


@MODULE_LOOP
async def test_uploads_belong_to_their_uploader_and_need_a_desk_role(
    db: AsyncSession, module_seed: Seed, tmp_path: Path
) -> None:
    store = services.UploadStore(tmp_path)
    actor = sales(module_seed)
    record = await services.register_upload(
        db, store, data=b"PK", filename="a.xlsx", actor=actor, session_tag=TAG
    )
    other = Actor(kind="staff", id=module_seed.staff["cs"], name="cs", roles=frozenset({"customer_service"}))
    with pytest.raises(NotFound):
        await services.get_import(db, record.key, other, session_tag=TAG)
    pmc = Actor(kind="staff", id=module_seed.staff["pmc"], name="pmc", roles=frozenset({"pmc"}))
    with pytest.raises(Forbidden):
        await services.register_upload(db, store, data=b"PK", filename="a.xlsx", actor=pmc, session_tag=TAG)
    with pytest.raises(ValidationFailed):
        await services.register_upload(db, store, data=b"", filename="a.xlsx", actor=actor, session_tag=TAG)
    assert (await services.get_import(db, record.key, actor, session_tag=TAG)).id == record.id
    with pytest.raises(NotFound):  # the same user, signed in elsewhere
        await services.get_import(db, record.key, actor, session_tag="another-sign-in")
    # Expired uploads are gone.
    key = record.key
    await db.execute(
        update(ExcelImport)
        .where(ExcelImport.id == record.id)
        .values(created_at=utcnow() - dt.timedelta(days=1))
    )
    db.expire_all()
    with pytest.raises(NotFound):
        await services.get_import(db, key, actor, session_tag=TAG)


def test_store_keys_cannot_walk_out_of_the_folder(tmp_path: Path) -> None:
    store = services.UploadStore(tmp_path)
    for key in ("../../etc/passwd", "a" * 31, "x/" + "a" * 30):
        with pytest.raises(NotFound):
            store.read(key)
    key = store.put(b"data")
    assert store.read(key) == b"data"
    store.delete(key)
    with pytest.raises(NotFound):
        store.read(key)


@MODULE_LOOP
async def test_a_step_that_rolls_back_leaves_no_order_behind(
    db: AsyncSession, module_seed: Seed, tmp_path: Path
) -> None:
    """Each order runs in a savepoint; the step as a whole must still be one transaction (on SQLite a
    savepoint opened before any write would commit by itself at RELEASE)."""
    parts = await part_nos(db, module_seed)
    data = workbook_bytes(
        order_rows("C001", "PO-ROLLBACK-1", soon(), [(parts[0], 1)])
        + order_rows("C001", "PO-ROLLBACK-2", soon(), [(parts[1], 1)])
    )
    actor = sales(module_seed)
    record = await services.register_upload(
        db, services.UploadStore(tmp_path), data=data, filename="a.xlsx", actor=actor, session_tag=TAG
    )
    await services.start_import(db, record, data, actor=actor, today=today_local())
    await db.commit()  # the plan is stored; the step below starts a fresh transaction, as a request does
    key = record.key
    try:
        await services.import_step(db, record, actor=actor)
        assert record.status == "done"
        await db.rollback()  # e.g. the request failed after the step
        stored = await db.scalar(
            select(func.count()).select_from(SalesOrder).where(SalesOrder.customer_po.like("PO-ROLLBACK-%"))
        )
        assert stored == 0
    finally:
        await db.execute(delete(ExcelImport).where(ExcelImport.key == key))
        await db.commit()
