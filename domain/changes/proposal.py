"""Reading a change request's form into checked items (old → new) against the order as it is now.

Shape and range checks only need the order's lines; products are looked up by the caller's session.
Every error names the field it belongs to, and nothing is stored when there is one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from domain.changes.rules import Kind, Reason, Scope
from domain.i18n import N_, Msg
from domain.orders.drafts import _normalise, check_requested_date, parse_date, parse_int, parse_quantity

MAX_REASON = 2000
MAX_SPEC = 40
MAX_PACKAGING = 200


@dataclass
class RawChange:
    """The form as text: per-line fields are keyed by line number."""

    new_date: str = ""
    quantities: dict[int, str] = field(default_factory=dict)
    remove: set[int] = field(default_factory=set)
    specs: dict[int, str] = field(default_factory=dict)
    packaging: dict[int, str] = field(default_factory=dict)
    add_product: str = ""
    add_quantity: str = ""
    reason: str = ""
    reason_text: str = ""
    scope: str = ""


@dataclass(frozen=True)
class LineNow:
    line_no: int
    part_no: str
    quantity: Decimal
    drawing_revision: str = ""
    packaging: str = ""


@dataclass
class Proposal:
    items: list[dict[str, Any]]
    reason: str
    reason_text: str
    scope: str
    new_date: dt.date | None
    add_product_id: int | None


def raw_from_form(form: Mapping[str, Any]) -> RawChange:
    def one(name: str) -> str:
        value = form.get(name, "")
        return str(value[0] if isinstance(value, list | tuple) and value else value or "")

    raw = RawChange(
        new_date=one("new_date"), add_product=one("add_product"), add_quantity=one("add_quantity"),
        reason=one("reason"), reason_text=one("reason_text"), scope=one("scope"),
    )  # fmt: skip
    for key in form:
        prefix, _, suffix = str(key).partition("-")
        line_no = parse_int(suffix)
        if line_no is None:
            continue
        if prefix == "qty":
            raw.quantities[line_no] = one(key)
        elif prefix == "remove" and one(key):
            raw.remove.add(line_no)
        elif prefix == "spec":
            raw.specs[line_no] = one(key)
        elif prefix == "packaging":
            raw.packaging[line_no] = one(key)
    return raw


def parse_change(
    raw: RawChange, *, lines: list[LineNow], requested_date: dt.date, today: dt.date
) -> tuple[Proposal | None, dict[str, Msg]]:
    errors: dict[str, Msg] = {}
    items: list[dict[str, Any]] = []
    by_no = {line.line_no: line for line in lines}

    if raw.reason not in Reason.__members__.values():
        errors["reason"] = Msg(N_("Choose a reason."))
    reason_text = (raw.reason_text or "").strip()
    if raw.reason == Reason.OTHER and not reason_text:
        errors["reason_text"] = Msg(N_("Please give a reason."))
    if len(reason_text) > MAX_REASON:
        errors["reason_text"] = Msg(N_("At most %(max)s characters."), max=MAX_REASON)
    if raw.scope not in Scope.__members__.values():
        errors["scope"] = Msg(N_("Choose the impact scope."))

    new_date: dt.date | None = None
    if _normalise(raw.new_date):
        new_date = parse_date(raw.new_date)
        if msg := check_requested_date(new_date, today):
            errors["new_date"] = msg
        elif new_date is not None and new_date != requested_date:
            items.append(
                {"kind": Kind.DATE.value, "old": requested_date.isoformat(), "new": new_date.isoformat()}
            )

    unknown = (set(raw.quantities) | raw.remove | set(raw.specs) | set(raw.packaging)) - set(by_no)
    if unknown:
        errors["lines"] = Msg(N_("Line %(line)s is not on this order."), line=min(unknown))
    for no, line in sorted(by_no.items()):
        if no in raw.remove:
            items.append({"kind": Kind.REMOVE_LINE.value, "line_no": no, "part_no": line.part_no,
                          "old": str(line.quantity)})  # fmt: skip
            continue
        text = _normalise(raw.quantities.get(no))
        if text:
            qty = parse_quantity(text)
            if isinstance(qty, Msg):
                errors[f"qty-{no}"] = qty
            elif qty != line.quantity:
                items.append({"kind": Kind.QUANTITY.value, "line_no": no, "part_no": line.part_no,
                              "old": str(line.quantity), "new": str(qty)})  # fmt: skip
        spec = " ".join((raw.specs.get(no) or "").split())
        if spec and spec != line.drawing_revision:
            if len(spec) > MAX_SPEC:
                errors[f"spec-{no}"] = Msg(N_("At most %(max)s characters."), max=MAX_SPEC)
            else:
                items.append({"kind": Kind.SPEC.value, "line_no": no, "part_no": line.part_no,
                              "old": line.drawing_revision, "new": spec})  # fmt: skip
        packaging = " ".join((raw.packaging.get(no) or "").split())
        if packaging and packaging != line.packaging:
            if len(packaging) > MAX_PACKAGING:
                errors[f"packaging-{no}"] = Msg(N_("At most %(max)s characters."), max=MAX_PACKAGING)
            else:
                items.append({"kind": Kind.PACKAGING.value, "line_no": no, "part_no": line.part_no,
                              "old": line.packaging, "new": packaging})  # fmt: skip
    if by_no and raw.remove >= set(by_no):
        errors["lines"] = Msg(N_("An order keeps at least one line; cancel the order instead."))

    add_product_id: int | None = None
    if _normalise(raw.add_product) or _normalise(raw.add_quantity):
        add_product_id = parse_int(raw.add_product)
        if add_product_id is None:
            errors["add_product"] = Msg(N_("Choose a product."))
        qty = parse_quantity(raw.add_quantity)
        if isinstance(qty, Msg):
            errors["add_quantity"] = qty
        elif add_product_id is not None:
            # part_no, name and price are filled in by the service, which knows the catalogue.
            items.append({"kind": Kind.ADD_LINE.value, "product_id": add_product_id, "new": str(qty)})

    if not items and not errors:
        errors["changes"] = Msg(N_("Nothing would change: enter at least one new value."))
    if errors:
        return None, errors
    return Proposal(items, raw.reason, reason_text, raw.scope, new_date, add_product_id), {}
