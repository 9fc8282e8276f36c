"""An approved DingTalk order-request form → the fields of an order (CodedOrder).

The approval template the sales team fills in DingTalk ("下单审批") has these controls, found by
their label (or their bizAlias, which survives a relabelling):
  客户编码 (customer)         text: the customer's code, e.g. C001
  要求交期 (requested_date)   date: e.g. 2026-05-01
  客户PO号 (customer_po)      text, optional
  特殊要求 (special_requirements)  text, optional
  订单明细 (lines)            table with columns 物料编码 (part_no) and 数量 (quantity)
A table control's value is a JSON string: [{"rowValue": [{"label": "物料编码", "value": "…"}, …]}, …].
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from domain.i18n import N_, Msg
from domain.orders.external_intake import CodedLine, CodedOrder

FIELDS = {
    "customer": ("客户编码", "客户", "customer"),
    "requested_date": ("要求交期", "交期", "requested_date"),
    "customer_po": ("客户PO号", "PO号", "customer_po"),
    "special_requirements": ("特殊要求", "备注", "special_requirements"),
    "lines": ("订单明细", "明细", "lines"),
}
COLUMNS = {"part_no": ("物料编码", "产品编码", "part_no"), "quantity": ("数量", "quantity")}


def _pick(components: Iterable[dict[str, Any]], names: tuple[str, ...]) -> str:
    for component in components:
        if component.get("bizAlias") in names or str(component.get("name", "")).strip() in names:
            value = component.get("value")
            return "" if value is None else str(value)
    return ""


def order_from_form(instance: dict[str, Any]) -> CodedOrder:
    components = [c for c in instance.get("formComponentValues") or [] if isinstance(c, dict)]
    fields = {name: _pick(components, labels) for name, labels in FIELDS.items()}
    errors: dict[str, Msg] = {}
    lines: list[CodedLine] = []
    try:
        rows = json.loads(fields["lines"]) if fields["lines"] else []
    except ValueError:
        rows = None
    if not isinstance(rows, list):
        errors["lines"] = Msg(N_("The approval's order lines cannot be read."))
        rows = []
    for row in rows:
        cells = row.get("rowValue", []) if isinstance(row, dict) else []
        cells = [c for c in cells if isinstance(c, dict)]
        by_label = [
            {"name": c.get("label"), "bizAlias": c.get("key"), "value": c.get("value")} for c in cells
        ]
        lines.append(
            CodedLine(
                part_no=_pick(by_label, COLUMNS["part_no"]), quantity=_pick(by_label, COLUMNS["quantity"])
            )
        )
    # A date control may carry a time ("2026-05-01 00:00"): the day is what counts.
    requested = fields["requested_date"].strip()[:10]
    return CodedOrder(
        customer_code=fields["customer"],
        requested_date=requested,
        customer_po=fields["customer_po"],
        special_requirements=fields["special_requirements"],
        lines=lines,
        extra_errors=errors,
    )
