"""Inspection commands against the database: each step writes the timeline and the outbox, submit needs
measurements, approval needs a second person, a failed inspection raises a nonconformance and tells PMC
and sales, publishing stores the PDF once with its hash, stale versions are refused."""

from __future__ import annotations

import hashlib
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import Forbidden, InvalidTransition, StaleVersion, ValidationFailed
from domain.notifications.models import Notification
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.outbox.models import OutboxMessage
from domain.quality import queries
from domain.quality.inputs import CharacteristicInput, HeaderInput
from domain.quality.models import Characteristic, Nonconformance, QcReport
from domain.quality.services import create_inspection, transition_inspection, update_inspection
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP, put_in_status

pytestmark = MODULE_LOOP


def actor(seed: Seed, username: str, roles: set[str]) -> Actor:
    return Actor(kind="staff", id=seed.staff[username], name=username, roles=frozenset(roles))


def row(name: str, *values: str) -> CharacteristicInput:
    return CharacteristicInput(name, D("20"), D("-0.05"), D("0.05"), "mm", tuple(D(v) for v in values))


async def header(db: AsyncSession, order_no: str) -> HeaderInput:
    line_id = await db.scalar(
        select(SalesOrderLine.id).join(SalesOrder).where(SalesOrder.order_no == order_no)
    )
    assert line_id is not None
    return HeaderInput(line_id, "L-01", "GB/T 1804-m", "2000", "卡尺", "")


async def count(db: AsyncSession, model: type, *where: object) -> int:
    return int(await db.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_pass_path_writes_timeline_outbox_and_stores_the_pdf(
    db: AsyncSession, module_seed: Seed
) -> None:
    order_no = module_seed.orders["c001_in_production"]
    qc, admin = actor(module_seed, "qc", {"qc"}), actor(module_seed, "admin", {"admin"})
    events_before = await count(db, OrderEvent)
    inspection = await create_inspection(db, order_no=order_no, header=await header(db, order_no),
                                         rows=[row("外径", "19.95", "20.05"), row("孔径", "20")], actor=qc)  # fmt: skip
    assert inspection.status == "draft"
    assert inspection.job_id is None
    inspection = await transition_inspection(db, inspection_id=inspection.id, action="submit",
                                             expected_version=inspection.version, actor=qc)  # fmt: skip
    assert inspection.verdict == "pass"
    inspection = await transition_inspection(db, inspection_id=inspection.id, action="approve",
                                             expected_version=inspection.version, actor=admin)  # fmt: skip
    assert inspection.approver_name == "admin"
    inspection = await transition_inspection(db, inspection_id=inspection.id, action="publish",
                                             expected_version=inspection.version, actor=qc)  # fmt: skip
    assert inspection.status == "published"
    report = await db.scalar(select(QcReport).where(QcReport.inspection_id == inspection.id))
    assert report is not None
    assert report.pdf.startswith(b"%PDF")
    assert report.sha256 == hashlib.sha256(report.pdf).hexdigest()
    assert len(report.token) >= 43
    events = (await db.scalars(select(OrderEvent.action).where(OrderEvent.kind == "qc"))).all()
    assert list(events) == ["qc_created", "qc_submit", "qc_approve", "qc_publish"]
    assert await count(db, OrderEvent) == events_before + 4
    outbox = (await db.scalars(select(OutboxMessage.event).where(OutboxMessage.event.like("qc.%")))).all()
    assert list(outbox) == ["qc.inspection_created", "qc.inspection_submitted", "qc.inspection_approved",
                            "qc.report_published"]  # fmt: skip
    assert await count(db, Nonconformance) == 0
    # The portal lists it for its customer only.
    listed = await queries.customer_reports(db, module_seed.customers["C001"], order_no)
    assert [r.token for r in listed] == [report.token]


async def test_failed_inspection_raises_a_nonconformance_for_pmc_and_sales(
    db: AsyncSession, module_seed: Seed
) -> None:
    order_no = module_seed.orders["c001_in_production"]
    qc, admin = actor(module_seed, "qc", {"qc"}), actor(module_seed, "admin", {"admin"})
    inspection = await create_inspection(db, order_no=order_no, header=await header(db, order_no),
                                         rows=[row("外径", "20.06"), row("孔径", "20")], actor=qc)  # fmt: skip
    inspection = await transition_inspection(db, inspection_id=inspection.id, action="submit",
                                             expected_version=inspection.version, actor=qc)  # fmt: skip
    assert inspection.verdict == "fail"
    assert await count(db, Nonconformance) == 0  # raised when a second person confirms the verdict
    await transition_inspection(db, inspection_id=inspection.id, action="approve",
                                expected_version=inspection.version, actor=admin)  # fmt: skip
    nc = await db.scalar(select(Nonconformance).where(Nonconformance.inspection_id == inspection.id))
    assert nc is not None
    assert nc.status == "open"
    assert nc.details["failed"] == ["外径"]
    notified = set(
        (
            await db.scalars(
                select(Notification.staff_user_id).where(Notification.kind == "qc.nonconformance")
            )
        ).all()
    )
    assert notified == {module_seed.staff["pmc"], module_seed.staff["sales"]}
    assert await count(db, OutboxMessage, OutboxMessage.event == "qc.nonconformance_raised") == 1


async def test_rules_refused(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders["c001_in_production"]
    qc, pmc = actor(module_seed, "qc", {"qc"}), actor(module_seed, "pmc", {"pmc"})
    h = await header(db, order_no)
    with pytest.raises(Forbidden):
        await create_inspection(db, order_no=order_no, header=h, rows=[], actor=pmc)
    inspection = await create_inspection(
        db, order_no=order_no, header=h, rows=[row("外径", "20"), row("孔径")], actor=qc
    )
    with pytest.raises(ValidationFailed):  # one characteristic not measured
        await transition_inspection(db, inspection_id=inspection.id, action="submit",
                                    expected_version=inspection.version, actor=qc)  # fmt: skip
    with pytest.raises(StaleVersion):
        await update_inspection(db, inspection_id=inspection.id, expected_version=inspection.version + 5,
                                header=h, rows=[row("外径", "20")], actor=qc)  # fmt: skip
    inspection = await update_inspection(db, inspection_id=inspection.id, expected_version=inspection.version,
                                         header=h, rows=[row("外径", "20"), row("孔径", "20.01")], actor=qc)  # fmt: skip
    seqs = (
        await db.scalars(select(Characteristic.seq).where(Characteristic.inspection_id == inspection.id))
    ).all()
    assert sorted(seqs) == [1, 2]
    inspection = await transition_inspection(db, inspection_id=inspection.id, action="submit",
                                             expected_version=inspection.version, actor=qc)  # fmt: skip
    with pytest.raises(Forbidden):  # the inspector may not approve their own work
        await transition_inspection(db, inspection_id=inspection.id, action="approve",
                                    expected_version=inspection.version, actor=qc)  # fmt: skip
    with pytest.raises(InvalidTransition):
        await transition_inspection(db, inspection_id=inspection.id, action="publish",
                                    expected_version=inspection.version, actor=qc)  # fmt: skip
    with pytest.raises(ValidationFailed):  # a submitted inspection is not edited
        await update_inspection(db, inspection_id=inspection.id, expected_version=inspection.version,
                                header=h, rows=[row("外径", "20")], actor=qc)  # fmt: skip


async def test_draft_orders_are_not_inspected(db: AsyncSession, module_seed: Seed) -> None:
    order_no = module_seed.orders["c001_submitted"]
    with pytest.raises(ValidationFailed) as err:
        await create_inspection(db, order_no=order_no, header=await header(db, order_no), rows=[],
                                actor=actor(module_seed, "qc", {"qc"}))  # fmt: skip
    assert "order" in err.value.errors
    await put_in_status(db, order_no, "qc")
    db.expire_all()  # the order loaded above still says "submitted"
    created = await create_inspection(db, order_no=order_no, header=await header(db, order_no), rows=[],
                                      actor=actor(module_seed, "qc", {"qc"}))  # fmt: skip
    assert created.id


async def test_line_of_another_order_is_refused(db: AsyncSession, module_seed: Seed) -> None:
    other_line = await header(db, module_seed.orders["c002_submitted"])
    with pytest.raises(ValidationFailed) as err:
        await create_inspection(db, order_no=module_seed.orders["c001_in_production"], header=other_line, rows=[],
                                actor=actor(module_seed, "qc", {"qc"}))  # fmt: skip
    assert "order_line_id" in err.value.errors


async def test_the_lines_job_is_linked_when_there_is_one(db: AsyncSession, module_seed: Seed) -> None:
    import datetime as dt

    from domain.production.models import Job

    order_no = module_seed.orders["c001_in_production"]
    h = await header(db, order_no)
    line = await db.get(SalesOrderLine, h.order_line_id)
    assert line is not None
    job = Job(order_id=line.order_id, order_line_id=line.id, product_id=line.product_id, quantity=line.quantity,
              release_at=dt.datetime.now(dt.UTC))  # fmt: skip
    db.add(job)
    await db.flush()
    inspection = await create_inspection(db, order_no=order_no, header=h, rows=[row("外径", "20")],
                                         actor=actor(module_seed, "qc", {"qc"}))  # fmt: skip
    assert inspection.job_id == job.id
