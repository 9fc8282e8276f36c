"""Demo QC: a few inspections on orders that are at or past quality check, published reports the
customers can download, and one failed inspection with its nonconformance. Built through the domain
commands, so the timeline, outbox and PDFs are what the app itself writes. Idempotent: does nothing
when any inspection exists."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.parties.models import Customer, StaffUser
from domain.quality.inputs import CharacteristicInput, HeaderInput
from domain.quality.models import Inspection
from domain.quality.services import create_inspection, transition_inspection

STATUSES = ("qc", "ready_to_ship", "picking", "shipped", "delivered")
# (name, nominal, lower, upper, unit): typical features of a turned and milled automotive part.
FEATURES = (
    ("外径 Ø φ Outer diameter", "25.000", "-0.021", "0"),
    ("总长 Overall length", "68.00", "-0.10", "0.10"),
    ("内孔 Bore", "12.000", "0", "0.018"),
    ("同轴度 Concentricity", "0", "0", "0.020"),
    ("表面粗糙度 Ra", "0.8", "-0.8", "0"),
    ("硬度 Hardness HRC", "45", "0", "5"),
)
UNITS = ("mm", "mm", "mm", "mm", "µm", "HRC")


def _samples(rng: random.Random, nominal: Decimal, lower: Decimal, upper: Decimal, n: int, *,
             out: bool = False) -> tuple[Decimal, ...]:  # fmt: skip
    places = Decimal("0.001") if abs(upper - lower) < 1 else Decimal("0.1")
    values = []
    for _ in range(n):
        fraction = Decimal(str(rng.uniform(0.15, 0.85)))
        values.append((nominal + lower + (upper - lower) * fraction).quantize(places))
    if out:
        values[-1] = (nominal + upper + (upper - lower) * Decimal("0.4") + places).quantize(places)
    return tuple(values)


async def load_quality_demo(session: AsyncSession, *, count: int = 6) -> int:
    """Inspections on up to ``count`` orders (C001's first, so the demo customer sees reports); returns
    how many were made."""
    if await session.scalar(select(func.count()).select_from(Inspection)):
        return 0
    staff = dict((await session.execute(select(StaffUser.username, StaffUser.id).where(
        StaffUser.username.in_(["qc", "admin"])))).all())  # fmt: skip
    if len(staff) < 2:
        return 0
    qc = Actor(kind="staff", id=staff["qc"], name="赵敏", roles=frozenset({"qc"}))
    approver = Actor(kind="staff", id=staff["admin"], name="王建国", roles=frozenset({"admin"}))
    rows = (
        await session.execute(
            select(SalesOrder.order_no, SalesOrderLine.id, SalesOrderLine.line_no)
            .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .where(SalesOrder.status.in_(STATUSES), SalesOrderLine.line_no == 1)
            .order_by((Customer.code == "C001").desc(), SalesOrder.id.desc())
            .limit(count)
        )
    ).all()
    rng = random.Random(20261125)
    for n, (order_no, line_id, _) in enumerate(rows):
        failed = n == 1  # the second one: a demo customer sees a pass and a fail
        chars = [
            CharacteristicInput(name, Decimal(nom), Decimal(lo), Decimal(up), unit,
                                _samples(rng, Decimal(nom), Decimal(lo), Decimal(up), 5, out=failed and i == 0))
            for i, ((name, nom, lo, up), unit) in enumerate(zip(FEATURES, UNITS, strict=True))
        ]  # fmt: skip
        header = HeaderInput(line_id, f"L{order_no[3:7]}{order_no[-4:]}-{n + 1:02d}", "GB/T 1804-m / 图纸 DWG-REV C",
                             "C", "数显卡尺 / 千分尺 / 粗糙度仪 / 洛氏硬度计", "")  # fmt: skip
        inspection = await create_inspection(session, order_no=order_no, header=header, rows=chars, actor=qc)
        for action, actor in (("submit", qc), ("approve", approver), ("publish", qc)):
            inspection = await transition_inspection(session, inspection_id=inspection.id, action=action,
                                                     expected_version=inspection.version, actor=actor)  # fmt: skip
    await session.flush()  # the last timeline row and outbox event are only added: make them count
    return len(rows)
