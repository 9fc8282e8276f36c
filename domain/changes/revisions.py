"""Order revisions: the snapshot of an order (header and lines) as JSON, and the field-by-field diff
between any two snapshots."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.orders.models import SalesOrder

HEADER_FIELDS = ("status", "requested_date", "promised_date", "special_requirements", "total_net",
                 "total_tax", "line_count")  # fmt: skip
LINE_FIELDS = ("part_no", "product_name", "quantity", "unit_price", "tax_rate", "amount_net",
               "requested_date", "promised_date", "drawing_revision", "packaging")  # fmt: skip


def _text(value: Any) -> str:
    return "" if value is None else value.isoformat() if hasattr(value, "isoformat") else str(value)


def snapshot(order: SalesOrder, terms: Mapping[int, tuple[str, str]]) -> dict[str, Any]:
    """``order`` with lines and their products loaded; ``terms``: line id → (drawing rev, packaging)."""
    return {
        "header": {name: _text(getattr(order, name)) for name in HEADER_FIELDS},
        "lines": [
            {
                "line_no": line.line_no,
                "part_no": line.product.part_no,
                "product_name": line.product.name,
                "quantity": _text(line.quantity),
                "unit_price": _text(line.unit_price),
                "tax_rate": _text(line.tax_rate),
                "amount_net": _text(line.amount_net),
                "requested_date": _text(line.requested_date),
                "promised_date": _text(line.promised_date),
                "drawing_revision": terms.get(line.id, ("", ""))[0],
                "packaging": terms.get(line.id, ("", ""))[1],
            }
            for line in sorted(order.lines, key=lambda ln: ln.line_no)
        ],
    }


@dataclass(frozen=True)
class DiffRow:
    where: str  # "header" | "line"
    line_no: int | None
    field: str  # a field name, or "added" / "removed" for a whole line
    old: str
    new: str


def diff(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[DiffRow]:
    """What differs from snapshot ``a`` to snapshot ``b``; lines are matched by line number."""
    rows: list[DiffRow] = []
    ha, hb = a.get("header", {}), b.get("header", {})
    for name in HEADER_FIELDS:
        if ha.get(name, "") != hb.get(name, ""):
            rows.append(DiffRow("header", None, name, ha.get(name, ""), hb.get(name, "")))
    la = {line["line_no"]: line for line in a.get("lines", [])}
    lb = {line["line_no"]: line for line in b.get("lines", [])}
    for no in sorted(set(la) | set(lb)):
        old, new = la.get(no), lb.get(no)
        if old is None and new is not None:
            rows.append(DiffRow("line", no, "added", "", f"{new['part_no']} × {new['quantity']}"))
        elif new is None and old is not None:
            rows.append(DiffRow("line", no, "removed", f"{old['part_no']} × {old['quantity']}", ""))
        elif old is not None and new is not None:
            for name in LINE_FIELDS:
                if old.get(name, "") != new.get(name, ""):
                    rows.append(DiffRow("line", no, name, old.get(name, ""), new.get(name, "")))
    return rows
