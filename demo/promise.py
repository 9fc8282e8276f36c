"""Demo data for the promise at the door: materials with stock and confirmed receipts, a BOM for every
product (steel bar, castings and packaging shared across families), open receivables for every customer
with one of them (C003) close to its credit limit, and the checks run on the orders waiting in
``submitted`` so the review queue has something real in it.

Idempotent: does nothing when the materials are already there. Works on the demo database and on the
bench factories (any products named HR-<family>-<n>).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local
from domain.catalog.models import Product
from domain.orders.models import SalesOrder
from domain.parties.models import Customer
from domain.promise.credit import OPEN_STATUSES
from domain.promise.models import BomItem, Material, MaterialReceipt, PromiseCheck, Receivable
from domain.promise.service import check_order

D = Decimal

# code, name, unit, on hand, allocated, purchase lead time (days)
MATERIALS: tuple[tuple[str, str, str, int, int, int], ...] = (
    ("RM-40CR-D40", "40Cr 圆钢 Ø40", "kg", 42000, 9000, 15),
    ("RM-45-D60", "45# 圆钢 Ø60", "kg", 36000, 8000, 15),
    ("RM-20CRMNTI-D80", "20CrMnTi 齿轮钢 Ø80", "kg", 2600, 2200, 25),  # short: gears and sleeves
    ("RM-QT450-BLK", "QT450 球铁铸件毛坯", "件", 5200, 1800, 30),
    ("RM-ZG-KNUCKLE", "转向节锻件毛坯", "件", 180, 160, 35),  # short: knuckles
    ("RM-ADC12-BLK", "ADC12 铝压铸毛坯", "件", 3800, 900, 28),
    ("RM-SPCC-2.0", "SPCC 冷轧板 2.0 mm", "kg", 18000, 4000, 10),
    ("RM-CUSN-TUBE", "锡青铜管 CuSn6", "kg", 900, 300, 20),
    ("RM-304-HEX", "304 不锈钢六角棒", "kg", 1500, 400, 18),
    ("PP-BRG-6205", "深沟球轴承 6205-2RS", "件", 260, 240, 30),  # short: hubs, nothing confirmed
    ("PP-SEAL-VB", "阀体密封圈 FKM 套件", "套", 2400, 600, 21),
    ("PP-BOLT-M10", "螺栓 M10×1.25 10.9 级", "件", 60000, 12000, 12),
    ("CS-OIL-RP", "防锈油 RP-4", "L", 1200, 200, 7),
    ("PK-CARTON", "五层瓦楞纸箱", "个", 9000, 1500, 5),
)

# family → [(material code, quantity per unit)]: shared bar stock, castings and packaging
BOMS: dict[str, tuple[tuple[str, str], ...]] = {
    "BC": (("RM-QT450-BLK", "1"), ("PP-BOLT-M10", "2"), ("CS-OIL-RP", "0.02"), ("PK-CARTON", "0.05")),
    "SH": (("RM-40CR-D40", "3.2"), ("CS-OIL-RP", "0.03"), ("PK-CARTON", "0.1")),
    "BU": (("RM-CUSN-TUBE", "0.08"), ("CS-OIL-RP", "0.002"), ("PK-CARTON", "0.002")),
    "FL": (("RM-45-D60", "1.8"), ("PP-BOLT-M10", "4"), ("CS-OIL-RP", "0.02"), ("PK-CARTON", "0.05")),
    "PS": (("RM-45-D60", "0.6"), ("CS-OIL-RP", "0.01"), ("PK-CARTON", "0.02")),
    "VB": (("RM-ADC12-BLK", "1"), ("PP-SEAL-VB", "1"), ("PK-CARTON", "0.05")),
    "GR": (("RM-20CRMNTI-D80", "2.4"), ("CS-OIL-RP", "0.02"), ("PK-CARTON", "0.05")),
    "PN": (("RM-40CR-D40", "0.12"), ("CS-OIL-RP", "0.002"), ("PK-CARTON", "0.002")),
    "KN": (("RM-ZG-KNUCKLE", "1"), ("PP-BOLT-M10", "2"), ("CS-OIL-RP", "0.05"), ("PK-CARTON", "0.2")),
    "HB": (("RM-QT450-BLK", "1"), ("PP-BRG-6205", "1"), ("PP-BOLT-M10", "4"), ("PK-CARTON", "0.1")),
    "SL": (("RM-20CRMNTI-D80", "0.9"), ("CS-OIL-RP", "0.01"), ("PK-CARTON", "0.02")),
    "BK": (("RM-SPCC-2.0", "0.8"), ("CS-OIL-RP", "0.005"), ("PK-CARTON", "0.01")),
    "PC": (("RM-304-HEX", "0.05"), ("PK-CARTON", "0.002")),
    "SP": (("RM-45-D60", "0.03"), ("PK-CARTON", "0.001")),
}

# Confirmed receipts (days from today, quantity); RM-SPCC has an unconfirmed one that must not count.
RECEIPTS: dict[str, tuple[tuple[int, int, bool], ...]] = {
    "RM-20CRMNTI-D80": ((12, 3000, True), (40, 6000, True)),
    "RM-ZG-KNUCKLE": ((21, 400, True),),
    "RM-40CR-D40": ((9, 20000, True),),
    "RM-QT450-BLK": ((16, 3000, True),),
    "RM-SPCC-2.0": ((4, 10000, False),),
}

NEAR_LIMIT = "C003"  # owes so much that a mid-sized order tips it over its limit


async def load_promise_demo(session: AsyncSession, *, run_checks: bool = True) -> bool:
    """Add the promise's demo data; False (and nothing changed) when it is already there."""
    if await session.scalar(select(Material.id).limit(1)) is not None:
        return False
    rng = random.Random(20261125)
    today = today_local()
    materials = [
        Material(code=c, name=n, unit=u, on_hand=D(h), allocated=D(a), lead_time_days=lt)
        for c, n, u, h, a, lt in MATERIALS
    ]
    session.add_all(materials)
    await session.flush()
    by_code = {m.code: m.id for m in materials}
    session.add_all(
        MaterialReceipt(material_id=by_code[code], quantity=D(qty), expected_date=today + dt.timedelta(days=days),
                        confirmed=confirmed, reference=f"PO-M-{i:04d}")
        for i, (code, rows) in enumerate(RECEIPTS.items(), start=1)
        for days, qty, confirmed in rows
    )  # fmt: skip
    products = (await session.execute(select(Product.id, Product.part_no))).all()
    session.add_all(
        BomItem(product_id=pid, material_id=by_code[code], quantity_per=D(per))
        for pid, part_no in products
        for code, per in BOMS.get(part_no.split("-")[1] if part_no.count("-") >= 2 else "", ())
    )  # fmt: skip
    await _receivables(session, rng, today)
    await session.flush()
    if run_checks:
        await _check_waiting_orders(session)
        await session.flush()  # callers count rows with Core statements, which do not autoflush
    return True


async def _receivables(session: AsyncSession, rng: random.Random, today: dt.date) -> None:
    """Open invoices of the last two months for every customer: 10–35 % of the limit; the NEAR_LIMIT
    customer up to 2 % under its limit once its open orders are counted."""
    customers = (await session.execute(select(Customer.id, Customer.code, Customer.credit_limit))).all()
    open_orders = dict(
        (
            await session.execute(
                select(SalesOrder.customer_id, func.sum(SalesOrder.total_net + SalesOrder.total_tax))
                .where(SalesOrder.status.in_(OPEN_STATUSES))
                .group_by(SalesOrder.customer_id)
            )
        ).all()
    )
    rows = []
    for cid, code, limit in customers:
        limit = D(str(limit or 0))
        if limit <= 0:
            continue
        ordered = D(str(open_orders.get(cid) or 0))
        share = D("0.98") if code == NEAR_LIMIT else D(str(rng.uniform(0.10, 0.35)))
        owed = (limit * share - (ordered if code == NEAR_LIMIT else 0)).quantize(D("0.01"))
        invoices = 4 if code == NEAR_LIMIT else rng.randint(2, 6)
        for n in range(invoices):
            amount = (owed / invoices).quantize(D("0.01"))
            if amount <= 0:
                continue
            issued = today - dt.timedelta(days=5 + n * 12 + rng.randint(0, 5))
            rows.append(Receivable(customer_id=cid, invoice_no=f"INV-{code}-{issued:%y%m%d}-{n + 1}",
                                   invoice_date=issued, due_date=issued + dt.timedelta(days=60),
                                   amount_open=amount))  # fmt: skip
    session.add_all(rows)


async def _check_waiting_orders(session: AsyncSession, limit: int = 40) -> None:
    """Run the promise for submitted orders that never had one (demo orders are inserted in bulk)."""
    checked = select(PromiseCheck.order_id)
    orders = (
        await session.scalars(
            select(SalesOrder)
            .where(SalesOrder.status == "submitted", SalesOrder.id.not_in(checked))
            .order_by(SalesOrder.id.desc())
            .limit(limit)
        )
    ).all()
    actor = Actor.system("订单承诺检查")
    for order in orders:
        await check_order(session, order, actor)
