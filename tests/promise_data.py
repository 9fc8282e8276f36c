"""Materials, BOMs and receivables on top of the test seed and the test floor (tests/floor.py), with
numbers chosen so the promise checks can be worked out by hand.

- STEEL (kg): 1 000 free (1 200 on hand − 200 allocated), nothing incoming.
- BEARING (pcs): 10 free; 100 confirmed for today + 60 days; 500 *unconfirmed* for today + 5 (never counts).
- BOMs: products[0] 1.5 kg STEEL; products[1] 2 kg STEEL + 1 BEARING (shared STEEL);
  products[3] 1 kg STEEL; products[4] none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import today_local
from domain.promise.models import BomItem, Material, MaterialReceipt
from tests.seed import Seed


@dataclass
class Stock:
    steel: int
    bearing: int


async def build_stock(session: AsyncSession, seed: Seed) -> Stock:
    steel = Material(code="M-STEEL", name="40Cr 圆钢", unit="kg", on_hand=Decimal("1200"),
                     allocated=Decimal("200"), lead_time_days=10)  # fmt: skip
    bearing = Material(code="M-BEARING", name="深沟球轴承 6204", unit="pcs", on_hand=Decimal("10"),
                       allocated=Decimal("0"), lead_time_days=30)  # fmt: skip
    session.add_all([steel, bearing])
    await session.flush()
    today = today_local()
    session.add_all(
        [
            MaterialReceipt(material_id=bearing.id, quantity=Decimal("100"),
                            expected_date=today + dt.timedelta(days=60), confirmed=True, reference="PO-B-1"),
            MaterialReceipt(material_id=bearing.id, quantity=Decimal("500"),
                            expected_date=today + dt.timedelta(days=5), confirmed=False, reference="PO-B-2"),
            BomItem(product_id=seed.products[0], material_id=steel.id, quantity_per=Decimal("1.5")),
            BomItem(product_id=seed.products[1], material_id=steel.id, quantity_per=Decimal("2")),
            BomItem(product_id=seed.products[1], material_id=bearing.id, quantity_per=Decimal("1")),
            BomItem(product_id=seed.products[3], material_id=steel.id, quantity_per=Decimal("1")),
        ]
    )  # fmt: skip
    await session.flush()
    return Stock(steel.id, bearing.id)
