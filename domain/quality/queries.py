"""Read side of quality: what the back-office pages and the portal list need, each in a fixed number
of queries. Portal reads reach orders only through domain.orders.queries.customer_scope."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.catalog.models import Product
from domain.errors import NotFound
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.orders.queries import customer_scope
from domain.parties.models import Customer
from domain.quality.models import Characteristic, Inspection, Nonconformance, QcReport, ReportDownload
from domain.quality.rules import InspectionStatus, Spec
from domain.quality.rules import characteristic_verdict as rules_verdict

PAGE_SIZE = 50


@dataclass(frozen=True)
class InspectionRow:
    id: int
    order_no: str
    customer_code: str
    line_no: int
    part_no: str
    part_name: str
    lot_no: str
    status: str
    verdict: str | None
    inspector_name: str
    updated_at: dt.datetime
    report_token: str | None


def _row_select():  # type: ignore[no-untyped-def]
    return (
        select(
            Inspection.id, SalesOrder.order_no, Customer.code, SalesOrderLine.line_no, Product.part_no,
            Product.name, Inspection.lot_no, Inspection.status, Inspection.verdict, Inspection.inspector_name,
            Inspection.updated_at, QcReport.token,
        )
        .join(SalesOrder, SalesOrder.id == Inspection.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(SalesOrderLine, SalesOrderLine.id == Inspection.order_line_id)
        .join(Product, Product.id == SalesOrderLine.product_id)
        .outerjoin(QcReport, QcReport.inspection_id == Inspection.id)
    )  # fmt: skip


async def list_inspections(
    session: AsyncSession, *, status: str = "", page: int = 1
) -> tuple[list[InspectionRow], bool]:
    """Newest first; answers the rows and whether there is a next page."""
    stmt = _row_select()
    if status in InspectionStatus.__members__.values():
        stmt = stmt.where(Inspection.status == status)
    page = min(max(page, 1), 10_000)
    rows = (
        await session.execute(
            stmt.order_by(Inspection.id.desc()).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
        )
    ).all()
    return [InspectionRow(*r) for r in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


async def order_inspections(session: AsyncSession, order_no: str) -> tuple[SalesOrder, list[InspectionRow]]:
    order = await session.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no))
    if order is None:
        raise NotFound(order_no)
    rows = (
        await session.execute(_row_select().where(Inspection.order_id == order.id).order_by(Inspection.id))
    ).all()
    return order, [InspectionRow(*r) for r in rows]


@dataclass(frozen=True)
class InspectionView:
    inspection: Inspection
    order: SalesOrder
    line: SalesOrderLine
    product: Product
    customer: Customer
    report: Any  # the report's facts (a row without the PDF bytes), or None
    downloads: list[ReportDownload]
    nonconformance: Nonconformance | None


async def get_inspection(session: AsyncSession, inspection_id: int) -> InspectionView:
    found = (
        await session.execute(
            select(Inspection, SalesOrder, SalesOrderLine, Product, Customer)
            .options(selectinload(Inspection.characteristics))
            .join(SalesOrder, SalesOrder.id == Inspection.order_id)
            .join(SalesOrderLine, SalesOrderLine.id == Inspection.order_line_id)
            .join(Product, Product.id == SalesOrderLine.product_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .where(Inspection.id == inspection_id)
        )
    ).one_or_none()
    if found is None:
        raise NotFound(str(inspection_id))
    inspection, order, line, product, customer = found
    # Not the PDF bytes: the page needs the report's facts, not its file.
    report = (
        await session.execute(
            select(QcReport.id, QcReport.token, QcReport.file_name, QcReport.sha256, QcReport.size_bytes,
                   QcReport.published_at, QcReport.published_by).where(QcReport.inspection_id == inspection.id)
        )
    ).one_or_none()  # fmt: skip
    downloads: list[ReportDownload] = []
    if report is not None:
        downloads = list(
            (await session.scalars(
                select(ReportDownload).where(ReportDownload.report_id == report.id).order_by(ReportDownload.id.desc()).limit(200)
            )).all()
        )  # fmt: skip
    nc = await session.scalar(select(Nonconformance).where(Nonconformance.inspection_id == inspection.id))
    return InspectionView(inspection, order, line, product, customer, report, downloads, nc)  # type: ignore[arg-type]


async def order_lines(session: AsyncSession, order_id: int) -> list[tuple[int, int, str, str]]:
    """(line id, line no, part no, name) for the form's line choice."""
    rows = await session.execute(
        select(SalesOrderLine.id, SalesOrderLine.line_no, Product.part_no, Product.name)
        .join(Product, Product.id == SalesOrderLine.product_id)
        .where(SalesOrderLine.order_id == order_id)
        .order_by(SalesOrderLine.line_no)
    )
    return [tuple(r) for r in rows.all()]  # type: ignore[misc]


@dataclass(frozen=True)
class PublishedReport:
    token: str
    file_name: str
    size_bytes: int
    published_at: dt.datetime
    lot_no: str
    verdict: str | None
    part_no: str
    part_name: str
    line_no: int


async def customer_reports(session: AsyncSession, customer_id: int, order_no: str) -> list[PublishedReport]:
    """The published reports of one of this customer's orders; another customer's order is NotFound."""
    order_id = await session.scalar(
        customer_scope(customer_id).where(SalesOrder.order_no == order_no).with_only_columns(SalesOrder.id)
    )
    if order_id is None:
        raise NotFound(order_no)
    rows = await session.execute(
        select(QcReport.token, QcReport.file_name, QcReport.size_bytes, QcReport.published_at, Inspection.lot_no,
               Inspection.verdict, Product.part_no, Product.name, SalesOrderLine.line_no)
        .join(Inspection, Inspection.id == QcReport.inspection_id)
        .join(SalesOrderLine, SalesOrderLine.id == Inspection.order_line_id)
        .join(Product, Product.id == SalesOrderLine.product_id)
        .where(QcReport.order_id == order_id, Inspection.status == InspectionStatus.PUBLISHED)
        .order_by(QcReport.published_at.desc(), QcReport.id.desc())
    )  # fmt: skip
    return [PublishedReport(*r) for r in rows.all()]


async def customer_report(session: AsyncSession, customer_id: int, token: str) -> QcReport:
    """A report by its link token, only if its order is this customer's: the token alone opens nothing."""
    if not token or len(token) > 64:
        raise NotFound(token[:64])
    scoped = customer_scope(customer_id).with_only_columns(SalesOrder.id).scalar_subquery()
    report = await session.scalar(
        select(QcReport)
        .join(Inspection, Inspection.id == QcReport.inspection_id)
        .where(QcReport.token == token, QcReport.order_id.in_(scoped), Inspection.status == InspectionStatus.PUBLISHED)
    )  # fmt: skip
    if report is None:
        raise NotFound(token)
    return report


async def staff_report(session: AsyncSession, token: str) -> QcReport:
    if not token or len(token) > 64:
        raise NotFound(token[:64])
    report = await session.scalar(select(QcReport).where(QcReport.token == token))
    if report is None:
        raise NotFound(token)
    return report


@dataclass(frozen=True)
class NonconformanceRow:
    id: int
    order_no: str
    customer_code: str
    inspection_id: int
    lot_no: str
    description: str
    status: str
    created_at: dt.datetime
    closed_by: str
    closed_at: dt.datetime | None
    closing_note: str
    version: int


async def list_nonconformances(session: AsyncSession, *, status: str = "open") -> list[NonconformanceRow]:
    stmt = (
        select(Nonconformance.id, SalesOrder.order_no, Customer.code, Nonconformance.inspection_id, Inspection.lot_no,
               Nonconformance.description, Nonconformance.status, Nonconformance.created_at, Nonconformance.closed_by,
               Nonconformance.closed_at, Nonconformance.closing_note, Nonconformance.version)
        .join(SalesOrder, SalesOrder.id == Nonconformance.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Inspection, Inspection.id == Nonconformance.inspection_id)
        .order_by(Nonconformance.id.desc())
        .limit(200)
    )  # fmt: skip
    if status in ("open", "closed"):
        stmt = stmt.where(Nonconformance.status == status)
    return [NonconformanceRow(*r) for r in (await session.execute(stmt)).all()]


@dataclass(frozen=True)
class MeasuredValue:
    text: str
    in_tolerance: bool


@dataclass(frozen=True)
class CharacteristicView:
    seq: int
    name: str
    nominal: str
    lower_tol: str
    upper_tol: str
    low: str
    high: str
    unit: str
    values: list[MeasuredValue]
    verdict: str | None


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def characteristic_views(chars: Sequence[Characteristic]) -> list[CharacteristicView]:
    """Each row with its limits and every sample flagged in or out (the verdict rule from rules.Spec),
    so pages mark out-of-tolerance values without knowing the rule."""
    out = []
    for c in chars:
        spec = Spec(c.nominal, c.lower_tol, c.upper_tol)
        values = [MeasuredValue(v, spec.accepts(Decimal(v))) for v in c.measured or ()]
        verdict = rules_verdict(spec, [Decimal(v) for v in c.measured or ()])
        out.append(
            CharacteristicView(
                seq=c.seq, name=c.name, nominal=_plain(c.nominal), lower_tol=_plain(c.lower_tol),
                upper_tol=_plain(c.upper_tol), low=_plain(spec.low), high=_plain(spec.high), unit=c.unit,
                values=values, verdict=verdict.value if verdict else None,
            )
        )  # fmt: skip
    return out
