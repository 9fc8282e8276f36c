"""Kitting (齐套): explode every line's BOM and match the demand against what the factory can count on
by the date the line needs its material: free stock (on hand − allocated) plus confirmed receipts
expected on or before that date.

Shared components are counted once: lines draw on one pool per component in order of need date (then
line order), and an earlier line keeps its claim on the pool even when it is short, so the same unit
is never promised to two lines.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.promise.models import BomItem, Material, MaterialReceipt

__all__ = [
    "BomLine",
    "Component",
    "KitLine",
    "KittingResult",
    "LineKit",
    "Shortage",
    "Supply",
    "check_kitting",
    "load_kitting_inputs",
]

RATE_STEP = Decimal("0.0001")
QTY_STEP = Decimal("0.001")


@dataclass(frozen=True)
class Component:
    id: int
    code: str
    name: str
    unit: str
    lead_time_days: int


@dataclass(frozen=True)
class BomLine:
    material_id: int
    quantity_per: Decimal


@dataclass(frozen=True)
class Supply:
    """Free stock now and confirmed receipts as (expected date, quantity), sorted by date."""

    free: Decimal
    receipts: tuple[tuple[dt.date, Decimal], ...] = ()

    def by(self, day: dt.date) -> Decimal:
        """Everything that can be counted on by the end of ``day``."""
        return self.free + sum((q for d, q in self.receipts if d <= day), Decimal("0"))

    def date_reaching(self, quantity: Decimal, today: dt.date) -> dt.date | None:
        """The first day on which cumulative supply reaches ``quantity`` (None: not with what is confirmed)."""
        if self.free >= quantity:
            return today
        total = self.free
        for day, qty in self.receipts:
            total += qty
            if total >= quantity:
                return max(day, today)
        return None


@dataclass(frozen=True)
class KitLine:
    key: str
    product_id: int
    quantity: Decimal
    need_by: dt.date


@dataclass(frozen=True)
class Shortage:
    component: Component
    required: Decimal
    available: Decimal
    short: Decimal
    # When confirmed supply covers this line's need (after the earlier lines' claims); None: it never does.
    covered_on: dt.date | None

    def as_json(self) -> dict[str, Any]:
        return {
            "material_id": self.component.id,
            "code": self.component.code,
            "name": self.component.name,
            "unit": self.component.unit,
            "required": str(self.required),
            "available": str(self.available),
            "short": str(self.short),
            "covered_on": self.covered_on.isoformat() if self.covered_on else None,
            "lead_time_days": self.component.lead_time_days,
        }


@dataclass(frozen=True)
class LineKit:
    key: str
    need_by: dt.date
    rate: Decimal  # share of the line's quantity the components on hand by need_by can make, 0..1
    shortages: tuple[Shortage, ...]
    ready_on: dt.date | None  # every component there; None: not with confirmed supply
    has_bom: bool

    @property
    def kitted(self) -> bool:
        return not self.shortages

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "need_by": self.need_by.isoformat(),
            "rate": str(self.rate),
            "ready_on": self.ready_on.isoformat() if self.ready_on else None,
            "has_bom": self.has_bom,
            "shortages": [s.as_json() for s in self.shortages],
        }


@dataclass(frozen=True)
class KittingResult:
    lines: tuple[LineKit, ...]
    by_key: Mapping[str, LineKit] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(line.kitted for line in self.lines)

    @property
    def order_rate(self) -> Decimal:
        """The order's kitting rate (齐套率): the mean of its lines' rates, so one half-kitted line of two
        reads 75 %, not 0 % — the share of the order the factory could start on today."""
        if not self.lines:
            return Decimal("1")
        return (sum((x.rate for x in self.lines), Decimal("0")) / len(self.lines)).quantize(RATE_STEP)

    @property
    def kitted_lines(self) -> int:
        return sum(1 for x in self.lines if x.kitted)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "order_rate": str(self.order_rate),
            "kitted_lines": self.kitted_lines,
            "lines": [x.as_json() for x in self.lines],
        }


def check_kitting(
    lines: Sequence[KitLine],
    boms: Mapping[int, Sequence[BomLine]],
    supply: Mapping[int, Supply],
    components: Mapping[int, Component],
    *,
    today: dt.date,
) -> KittingResult:
    """Pure: the kitting of ``lines`` given the BOMs (product → components), the supply per component and
    the components' master data."""
    claimed: dict[int, Decimal] = defaultdict(Decimal)  # per component, demand of the lines before
    results: dict[str, LineKit] = {}
    for line in sorted(lines, key=lambda x: (x.need_by, _key_order(x.key))):
        bom = boms.get(line.product_id, ())
        rate = Decimal("1")
        shortages: list[Shortage] = []
        ready: dt.date | None = today
        for item in bom:
            pool = supply.get(item.material_id, Supply(Decimal("0")))
            required = (line.quantity * item.quantity_per).quantize(QTY_STEP)
            before = claimed[item.material_id]
            available = max(pool.by(line.need_by) - before, Decimal("0"))
            claimed[item.material_id] = before + required
            covered_on = pool.date_reaching(before + required, today)
            if ready is not None:
                ready = None if covered_on is None else max(ready, covered_on)
            if available >= required:
                continue
            rate = min(rate, (available / required).quantize(RATE_STEP) if required else Decimal("1"))
            shortages.append(
                Shortage(components[item.material_id], required, available, required - available, covered_on)
            )
        results[line.key] = LineKit(line.key, line.need_by, rate, tuple(shortages), ready, bool(bom))
    ordered = tuple(results[x.key] for x in lines)
    return KittingResult(ordered, results)


def _key_order(key: str) -> tuple[int, str]:
    return (int(key), key) if key.isdigit() else (0, key)


async def load_kitting_inputs(
    session: AsyncSession, product_ids: Iterable[int]
) -> tuple[dict[int, list[BomLine]], dict[int, Supply], dict[int, Component]]:
    """BOMs of the products with their components' stock, then the components' confirmed receipts:
    two statements whatever the number of lines or components."""
    ids = sorted(set(product_ids))
    boms: dict[int, list[BomLine]] = {pid: [] for pid in ids}
    supply: dict[int, Supply] = {}
    components: dict[int, Component] = {}
    if not ids:
        return boms, supply, components
    rows = await session.execute(
        select(
            BomItem.product_id, BomItem.quantity_per, Material.id, Material.code, Material.name,
            Material.unit, Material.lead_time_days, Material.on_hand, Material.allocated,
        )
        .join(Material, Material.id == BomItem.material_id)
        .where(BomItem.product_id.in_(ids))
        .order_by(BomItem.product_id, Material.code)
    )  # fmt: skip
    free: dict[int, Decimal] = {}
    for pid, per, mid, code, name, unit, lead, on_hand, allocated in rows:
        boms[pid].append(BomLine(mid, _dec(per)))
        components[mid] = Component(mid, code, name, unit, lead)
        free[mid] = max(_dec(on_hand) - _dec(allocated), Decimal("0"))
    receipts: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    if free:
        for mid, day, qty in await session.execute(
            select(MaterialReceipt.material_id, MaterialReceipt.expected_date, MaterialReceipt.quantity)
            .where(MaterialReceipt.material_id.in_(list(free)), MaterialReceipt.confirmed.is_(True))
            .order_by(MaterialReceipt.material_id, MaterialReceipt.expected_date, MaterialReceipt.id)
        ):
            receipts[mid].append((day, _dec(qty)))
    for mid, qty in free.items():
        supply[mid] = Supply(qty, tuple(receipts.get(mid, ())))
    return boms, supply, components


def _dec(value: Any) -> Decimal:
    # SQLite hands NUMERIC back through floating point; quantities have three decimals at most.
    return Decimal(str(value)).quantize(QTY_STEP) if not isinstance(value, Decimal) else value
