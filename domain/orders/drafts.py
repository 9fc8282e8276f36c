"""Turning raw input (form fields today; Excel cells and API bodies later) into a checked order draft.

Every channel goes through ``parse_draft`` so a quantity of "１２０" typed on a Chinese keyboard means
the same in every door, and every error names the field it belongs to.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from domain.i18n import N_, Msg

MAX_LINES = 200
MAX_QUANTITY = Decimal("10000000")
MAX_TEXT = 2000
MAX_PO = 64
HORIZON_DAYS = 730
CHANNELS = ("quick_entry", "excel", "api", "dingtalk", "portal")


@dataclass
class LineDraft:
    product_id: int
    quantity: Decimal


@dataclass
class OrderDraft:
    customer_id: int
    requested_date: dt.date
    lines: list[LineDraft]
    customer_po: str | None = None
    special_requirements: str = ""
    channel: str = "quick_entry"


@dataclass
class RawLine:
    product: str = ""
    quantity: str = ""


@dataclass
class RawOrder:
    customer: str = ""
    requested_date: str = ""
    customer_po: str = ""
    special_requirements: str = ""
    lines: list[RawLine] = field(default_factory=list)


def _normalise(text: str | None) -> str:
    # NFKC folds full-width digits and punctuation ("１２０" → "120", "２０２６－０５－０１" → "2026-05-01").
    return unicodedata.normalize("NFKC", text or "").strip()


def parse_int(text: str | None) -> int | None:
    value = _normalise(text)
    if not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def parse_quantity(text: str | None) -> Decimal | Msg:
    value = _normalise(text).replace(",", "")
    if not value:
        return Msg(N_("Enter a quantity."))
    try:
        qty = Decimal(value)
    except InvalidOperation:
        return Msg(N_("Quantity must be a number."))
    if not qty.is_finite():
        return Msg(N_("Quantity must be a number."))
    if qty <= 0:
        return Msg(N_("Quantity must be greater than zero."))
    if qty > MAX_QUANTITY:
        return Msg(N_("Quantity must be at most %(max)s."), max=f"{MAX_QUANTITY:,}")
    # Trailing zeros ("120.0000" pasted from Excel) are not precision: only significant decimals count.
    if qty.normalize().as_tuple().exponent < -3:  # type: ignore[operator]
        return Msg(N_("Quantity allows at most three decimals."))
    return qty


def parse_date(text: str | None) -> dt.date | None:
    value = _normalise(text).replace("/", "-").replace(".", "-")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def check_requested_date(value: dt.date | None, today: dt.date) -> Msg | None:
    if value is None:
        return Msg(N_("Enter a date as YYYY-MM-DD."))
    if value < today:
        return Msg(N_("The requested date cannot be in the past."))
    if value > today + dt.timedelta(days=HORIZON_DAYS):
        return Msg(N_("The requested date is more than two years ahead."))
    return None


def parse_draft(raw: RawOrder, *, today: dt.date, channel: str) -> tuple[OrderDraft | None, dict[str, Msg]]:
    """Check the shape of the input. Rules that need the database (does the product exist?) come later."""
    errors: dict[str, Msg] = {}
    customer_id = parse_int(raw.customer)
    if customer_id is None:
        errors["customer"] = Msg(N_("Choose a customer."))
    requested = parse_date(raw.requested_date)
    if not _normalise(raw.requested_date):
        errors["requested_date"] = Msg(N_("Choose a requested date."))
    elif msg := check_requested_date(requested, today):
        errors["requested_date"] = msg
    po = _normalise(raw.customer_po) or None
    if po is not None and len(po) > MAX_PO:
        errors["customer_po"] = Msg(N_("At most %(max)s characters."), max=MAX_PO)
    notes = (raw.special_requirements or "").strip()
    if len(notes) > MAX_TEXT:
        errors["special_requirements"] = Msg(N_("At most %(max)s characters."), max=MAX_TEXT)

    lines: list[LineDraft] = []
    filled = [
        (i, line) for i, line in enumerate(raw.lines) if _normalise(line.product) or _normalise(line.quantity)
    ]
    if not filled:
        errors["lines"] = Msg(N_("Add at least one line."))
    if len(filled) > MAX_LINES:
        errors["lines"] = Msg(N_("At most %(max)s lines per order."), max=MAX_LINES)
    for i, line in filled[:MAX_LINES]:
        product_id = parse_int(line.product)
        if product_id is None:
            errors[f"lines-{i}-product"] = Msg(N_("Choose a product."))
        qty = parse_quantity(line.quantity)
        if isinstance(qty, Msg):
            errors[f"lines-{i}-quantity"] = qty
        if product_id is not None and not isinstance(qty, Msg):
            lines.append(LineDraft(product_id=product_id, quantity=qty))
    if channel not in CHANNELS:
        errors["channel"] = Msg(N_("Unknown channel."))
    if errors:
        return None, errors
    assert customer_id is not None
    assert requested is not None
    draft = OrderDraft(
        customer_id=customer_id,
        requested_date=requested,
        lines=lines,
        customer_po=po,
        special_requirements=notes,
        channel=channel,
    )
    return draft, {}


def raw_from_form(form: Mapping[str, str | Sequence[str]]) -> RawOrder:
    """Read a quick-entry form: header fields plus parallel lists ``product``/``quantity``."""

    def one(name: str) -> str:
        value = form.get(name, "")
        return value[0] if isinstance(value, list | tuple) and value else str(value or "")

    def many(name: str) -> list[str]:
        value = form.get(name, [])
        return [str(v) for v in value] if isinstance(value, list | tuple) else [str(value)]

    products, quantities = many("product"), many("quantity")
    width = max(len(products), len(quantities))
    products += [""] * (width - len(products))
    quantities += [""] * (width - len(quantities))
    return RawOrder(
        customer=one("customer"),
        requested_date=one("requested_date"),
        customer_po=one("customer_po"),
        special_requirements=one("special_requirements"),
        lines=[RawLine(product=p, quantity=q) for p, q in zip(products, quantities, strict=True)],
    )
