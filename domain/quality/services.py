"""Inspection commands. Each checks the rules (domain.quality.rules), writes the change, an order
timeline row and an outbox event in the caller's transaction, and never commits."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import utcnow
from domain.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from domain.i18n import N_, Msg
from domain.notifications.services import notify_staff, staff_with_roles
from domain.orders.lifecycle import Status
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from domain.outbox.services import record_event
from domain.production.models import Job
from domain.quality import rules
from domain.quality.inputs import CharacteristicInput, HeaderInput
from domain.quality.models import Characteristic, Inspection, Nonconformance, QcReport, ReportDownload
from domain.quality.report_pdf import CharacteristicRow, ReportData, render_report
from domain.quality.rules import InspectionStatus, Spec, Verdict

# What the report's header says until the company's own name is configured.
COMPANY = "宁波订单脉搏精密机械有限公司 · OrderPulse Precision Parts Co., Ltd."
# An order is inspected while it is being made and until it leaves; not before it is confirmed and
# not once it is cancelled or closed.
INSPECTABLE = frozenset({
    Status.CONFIRMED, Status.IN_PRODUCTION, Status.QC, Status.READY_TO_SHIP, Status.PICKING,
    Status.SHIPPED, Status.DELIVERED, Status.ON_HOLD,
})  # fmt: skip

# Timeline text is shown to the customer's staff as well: lot and verdict only, never names or notes.
_TIMELINE = {
    "created": "QC 检验已登记 · Inspection recorded — lot {lot}",
    "submit": "QC 检验已提交审核 · Inspection submitted — lot {lot}",
    "reject": "QC 检验退回修改 · Inspection returned for correction — lot {lot}",
    "approve": "QC 检验已批准 · Inspection approved — lot {lot}: {verdict}",
    "publish": "QC 报告已发布 · QC report published — lot {lot}",
    "nonconformance": "不合格品已登记 · Nonconformance raised — lot {lot}",
}
_VERDICT_TEXT = {Verdict.PASS: "合格 pass", Verdict.FAIL: "不合格 fail"}


def measured_of(row: Characteristic) -> list[Decimal]:
    return [Decimal(v) for v in row.measured or ()]


def _verdict(row: CharacteristicInput) -> Verdict | None:
    return rules.characteristic_verdict(Spec(row.nominal, row.lower_tol, row.upper_tol), row.measured)


async def _order_for_line(
    session: AsyncSession, order_no: str, line_id: int
) -> tuple[SalesOrder, SalesOrderLine]:
    order = await session.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no))
    if order is None:
        raise NotFound(order_no)
    line = await session.scalar(
        select(SalesOrderLine).where(SalesOrderLine.id == line_id, SalesOrderLine.order_id == order.id)
    )
    if line is None:
        raise ValidationFailed({"order_line_id": Msg(N_("Choose the order line."))})
    return order, line


def _characteristics(
    rows: Sequence[CharacteristicInput], inspection_id: int | None = None
) -> list[Characteristic]:
    out = []
    for seq, row in enumerate(rows, start=1):
        verdict = _verdict(row)
        item = Characteristic(
            seq=seq, name=row.name, nominal=row.nominal, lower_tol=row.lower_tol, upper_tol=row.upper_tol,
            unit=row.unit, measured=[str(v) for v in row.measured], verdict=verdict.value if verdict else None,
        )  # fmt: skip
        if inspection_id is not None:
            item.inspection_id = inspection_id
        out.append(item)
    return out


def _timeline(session: AsyncSession, order: SalesOrder, key: str, actor: Actor, lot: str,
              verdict: str | None = None, **data: object) -> None:  # fmt: skip
    text = _TIMELINE[key].format(lot=lot, verdict=_VERDICT_TEXT.get(Verdict(verdict), "") if verdict else "")
    session.add(
        OrderEvent(
            order_id=order.id, kind="qc", action=f"qc_{key}", actor_kind=actor.kind, actor_id=actor.id,
            actor_name=actor.name, comment=text, version=order.version, data={"lot_no": lot, **data},
        )
    )  # fmt: skip


def _event(session: AsyncSession, name: str, inspection: Inspection, order: SalesOrder, actor: Actor,
           **extra: object) -> None:  # fmt: skip
    record_event(
        session, f"qc.{name}", aggregate_type="inspection", aggregate_id=str(inspection.id),
        payload={
            "inspection_id": inspection.id, "order_no": order.order_no, "customer_id": order.customer_id,
            "lot_no": inspection.lot_no, "status": inspection.status, "verdict": inspection.verdict,
            "version": inspection.version, "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name},
            **extra,
        },
    )  # fmt: skip


async def create_inspection(
    session: AsyncSession,
    *,
    order_no: str,
    header: HeaderInput,
    rows: Sequence[CharacteristicInput],
    actor: Actor,
) -> Inspection:
    rules.authorize_record(actor.roles)
    order, line = await _order_for_line(session, order_no, header.order_line_id)
    if order.status not in INSPECTABLE:
        raise ValidationFailed({"order": Msg(N_("Orders in this status are not inspected."))})
    job_id = await session.scalar(select(Job.id).where(Job.order_line_id == line.id))
    inspection = Inspection(
        order_id=order.id, order_line_id=line.id, job_id=job_id, lot_no=header.lot_no, standard=header.standard,
        standard_version=header.standard_version, instrument=header.instrument, notes=header.notes,
        status=InspectionStatus.DRAFT, inspector_id=actor.id, inspector_name=actor.name, changed_by=actor.name,
        characteristics=_characteristics(rows),
    )  # fmt: skip
    session.add(inspection)
    await session.flush()
    _timeline(session, order, "created", actor, inspection.lot_no)
    _event(session, "inspection_created", inspection, order, actor)
    return inspection


async def _locked(
    session: AsyncSession, inspection_id: int, expected_version: int
) -> tuple[Inspection, SalesOrder]:
    inspection = await session.scalar(
        select(Inspection).where(Inspection.id == inspection_id).with_for_update()
    )
    if inspection is None:
        raise NotFound(str(inspection_id))
    if inspection.version != expected_version:
        raise StaleVersion(inspection.changed_by, inspection.updated_at, inspection.version)
    order = await session.get(SalesOrder, inspection.order_id)
    assert order is not None
    return inspection, order


async def update_inspection(
    session: AsyncSession, *, inspection_id: int, expected_version: int, header: HeaderInput,
    rows: Sequence[CharacteristicInput], actor: Actor,
) -> Inspection:  # fmt: skip
    """Replace the header and the characteristic rows of a draft (the form always sends all rows)."""
    rules.authorize_record(actor.roles)
    inspection, order = await _locked(session, inspection_id, expected_version)
    if inspection.status != InspectionStatus.DRAFT:
        raise ValidationFailed({"status": Msg(N_("Only a draft inspection can be edited."))})
    _, line = await _order_for_line(session, order.order_no, header.order_line_id)
    inspection.order_line_id = line.id
    inspection.job_id = await session.scalar(select(Job.id).where(Job.order_line_id == line.id))
    inspection.lot_no, inspection.standard = header.lot_no, header.standard
    inspection.standard_version, inspection.instrument = header.standard_version, header.instrument
    inspection.notes, inspection.changed_by = header.notes, actor.name
    inspection.updated_at = utcnow()  # so the version moves even when only the rows changed
    # Old rows go first: the new ones reuse their (inspection, seq) numbers.
    await session.execute(delete(Characteristic).where(Characteristic.inspection_id == inspection.id))
    session.add_all(_characteristics(rows, inspection.id))
    await session.flush()
    _event(session, "inspection_updated", inspection, order, actor)
    return inspection


async def transition_inspection(
    session: AsyncSession, *, inspection_id: int, action: str, expected_version: int, actor: Actor,
    company: str = COMPANY,
) -> Inspection:  # fmt: skip
    """submit (verdicts computed, needs every characteristic measured) → approve (by a second person;
    a failed inspection raises a nonconformance) → publish (the PDF is rendered and stored once)."""
    rules.authorize_record(actor.roles)  # before anything about the record is revealed (its version)
    inspection, order = await _locked(session, inspection_id, expected_version)
    target = rules.target_of(action, inspection.status)
    rules.check_may(action, roles=actor.roles, actor_id=actor.id, inspector_id=inspection.inspector_id)
    chars = list(
        (await session.scalars(
            select(Characteristic).where(Characteristic.inspection_id == inspection.id).order_by(Characteristic.seq)
        )).all()
    )  # fmt: skip
    now = utcnow()
    if action == "submit":
        verdicts = [
            rules.characteristic_verdict(Spec(c.nominal, c.lower_tol, c.upper_tol), measured_of(c))
            for c in chars
        ]
        overall = rules.overall_verdict(verdicts)
        if overall is None:
            raise ValidationFailed(
                {"status": Msg(N_("Enter measured values for every characteristic before submitting."))}
            )
        for c, v in zip(chars, verdicts, strict=True):
            c.verdict = v.value if v else None
        inspection.verdict = overall.value
        inspection.submitted_at = now
        inspection.inspector_id, inspection.inspector_name = actor.id, actor.name
    elif action == "approve":
        inspection.approver_id, inspection.approver_name, inspection.approved_at = actor.id, actor.name, now
    elif action == "reject":
        inspection.verdict, inspection.submitted_at = None, None
    inspection.status = target
    inspection.changed_by = actor.name
    await session.flush()
    if action == "publish":
        report = await _publish_report(session, inspection, order, chars, actor, company, now)
        _timeline(session, order, "publish", actor, inspection.lot_no, report_id=report.id)
        _event(
            session, "report_published", inspection, order, actor, report_id=report.id, sha256=report.sha256
        )
        return inspection
    _timeline(session, order, action, actor, inspection.lot_no, inspection.verdict if action == "approve" else None,
              inspection_id=inspection.id)  # fmt: skip
    _event(session, f"inspection_{_PAST[action]}", inspection, order, actor)
    if action == "approve" and inspection.verdict == Verdict.FAIL:
        await _raise_nonconformance(session, inspection, order, chars, actor)
    return inspection


_PAST = {"submit": "submitted", "reject": "rejected", "approve": "approved"}


async def _raise_nonconformance(
    session: AsyncSession,
    inspection: Inspection,
    order: SalesOrder,
    chars: Sequence[Characteristic],
    actor: Actor,
) -> Nonconformance:
    failed = [c.name for c in chars if c.verdict == Verdict.FAIL]
    line_no = await session.scalar(
        select(SalesOrderLine.line_no).where(SalesOrderLine.id == inspection.order_line_id)
    )
    nc = Nonconformance(
        order_id=order.id, inspection_id=inspection.id,
        description=f"批次 {inspection.lot_no}（第 {line_no} 行）检验不合格，超差特性：{'、'.join(failed)} · "
        f"Lot {inspection.lot_no} (line {line_no}) failed inspection; out of tolerance: {', '.join(failed)}",
        details={"failed": failed, "lot_no": inspection.lot_no, "line_no": line_no},
    )  # fmt: skip
    session.add(nc)
    await session.flush()
    _timeline(session, order, "nonconformance", actor, inspection.lot_no, nonconformance_id=nc.id)
    record_event(
        session, "qc.nonconformance_raised", aggregate_type="nonconformance", aggregate_id=str(nc.id),
        payload={"nonconformance_id": nc.id, "inspection_id": inspection.id, "order_no": order.order_no,
                 "lot_no": inspection.lot_no, "failed": failed},
    )  # fmt: skip
    recipients = await staff_with_roles(session, rules.NC_NOTIFY_ROLES)
    notify_staff(
        session, recipients, kind="qc.nonconformance",
        message=N_("Nonconformance on order %(order_no)s: lot %(lot_no)s failed inspection."),
        params={"order_no": order.order_no, "lot_no": inspection.lot_no},
        link="/backoffice/quality/nonconformances", order_id=order.id,
    )  # fmt: skip
    return nc


def _file_name(order_no: str, lot_no: str) -> str:
    safe_lot = re.sub(r"[^A-Za-z0-9._-]+", "-", lot_no).strip("-")[:40] or "lot"
    return f"QC-{order_no}-{safe_lot}.pdf"


async def report_data(session: AsyncSession, inspection: Inspection, order: SalesOrder,
                      chars: Sequence[Characteristic], company: str, published_at: object) -> ReportData:  # fmt: skip
    from domain.catalog.models import Product
    from domain.parties.models import Customer

    line, product = (
        await session.execute(
            select(SalesOrderLine, Product)
            .join(Product, Product.id == SalesOrderLine.product_id)
            .where(SalesOrderLine.id == inspection.order_line_id)
        )
    ).one()
    customer_name = await session.scalar(select(Customer.name).where(Customer.id == order.customer_id))
    quantity = line.quantity.normalize() if line.quantity == line.quantity.to_integral() else line.quantity
    return ReportData(
        company=company, report_no=f"QC-{order.order_no[3:]}-{inspection.id}", order_no=order.order_no,
        customer_po=order.customer_po or "", customer_name=customer_name or "", part_no=product.part_no,
        part_name=product.name, quantity=f"{quantity:f} {product.unit}", lot_no=inspection.lot_no,
        standard=inspection.standard, standard_version=inspection.standard_version,
        instrument=inspection.instrument, passed=inspection.verdict == Verdict.PASS,
        inspector=inspection.inspector_name, inspected_at=inspection.submitted_at,
        approver=inspection.approver_name, approved_at=inspection.approved_at, published_at=published_at,  # type: ignore[arg-type]
        characteristics=[
            CharacteristicRow(c.name, c.nominal, c.lower_tol, c.upper_tol, c.unit, measured_of(c),
                              c.verdict == Verdict.PASS)
            for c in chars
        ],
    )  # fmt: skip


async def _publish_report(session: AsyncSession, inspection: Inspection, order: SalesOrder,
                          chars: Sequence[Characteristic], actor: Actor, company: str, now: object) -> QcReport:  # fmt: skip
    pdf = render_report(await report_data(session, inspection, order, chars, company, now))
    report = QcReport(
        inspection_id=inspection.id, order_id=order.id, token=secrets.token_urlsafe(32),
        file_name=_file_name(order.order_no, inspection.lot_no), sha256=hashlib.sha256(pdf).hexdigest(),
        size_bytes=len(pdf), pdf=pdf, published_at=now, published_by=actor.name,
    )  # fmt: skip
    session.add(report)
    await session.flush()
    return report


def record_download(session: AsyncSession, report: QcReport, *, actor: Actor, ip: str) -> ReportDownload:
    item = ReportDownload(
        report_id=report.id, viewer_kind=actor.kind, viewer_id=actor.id, viewer_name=actor.name,
        customer_id=actor.customer_id, ip=ip[:64],
    )  # fmt: skip
    session.add(item)
    return item


async def close_nonconformance(
    session: AsyncSession, *, nonconformance_id: int, expected_version: int, note: str, actor: Actor
) -> Nonconformance:
    if rules.NC_CLOSE_ROLES.isdisjoint(actor.roles):
        raise Forbidden("nonconformance: close")
    nc = await session.scalar(
        select(Nonconformance).where(Nonconformance.id == nonconformance_id).with_for_update()
    )
    if nc is None:
        raise NotFound(str(nonconformance_id))
    if nc.version != expected_version:
        raise StaleVersion(nc.closed_by, nc.updated_at, nc.version)
    note = note.strip()
    if not note:
        raise ValidationFailed({"note": Msg(N_("Say how it was resolved."))})
    if len(note) > 2000:
        raise ValidationFailed({"note": Msg(N_("At most %(max)s characters."), max=2000)})
    if nc.status != "open":
        raise ValidationFailed({"note": Msg(N_("This nonconformance is already closed."))})
    nc.status, nc.closing_note, nc.closed_by, nc.closed_at = "closed", note, actor.name, utcnow()
    await session.flush()
    order = await session.get(SalesOrder, nc.order_id)
    assert order is not None
    session.add(
        OrderEvent(
            order_id=order.id, kind="qc", action="qc_nonconformance_closed", actor_kind=actor.kind,
            actor_id=actor.id, actor_name=actor.name, comment="不合格品已关闭 · Nonconformance closed",
            version=order.version, data={"nonconformance_id": nc.id},
        )
    )  # fmt: skip
    record_event(
        session, "qc.nonconformance_closed", aggregate_type="nonconformance", aggregate_id=str(nc.id),
        payload={"nonconformance_id": nc.id, "order_no": order.order_no, "note": note,
                 "actor": {"kind": actor.kind, "id": actor.id, "name": actor.name}},
    )  # fmt: skip
    return nc
