"""Shape-checking what a person sent for an inspection (form fields or spreadsheet cells) into typed
input, with one message per bad cell. Nothing here touches the database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from domain.i18n import N_, Msg
from domain.quality.rules import MAX_CHARACTERISTICS, MAX_SAMPLES, NotANumber, parse_decimal, parse_tolerance

# Samples typed in one field: separated by spaces, commas or semicolons (also full-width ones, which
# NFKC folds). A decimal comma is therefore never guessed at.
_SAMPLE_SPLIT = re.compile(r"[\s,;、]+")


_BAD_SAMPLE = N_("Sample %(n)s is not a number.")
_SAMPLE_PROBLEM = {
    "Number too large.": N_("Sample %(n)s is too large."),
    "At most 4 decimal places.": N_("Sample %(n)s has more than 4 decimal places."),
}


@dataclass(frozen=True)
class CharacteristicInput:
    name: str
    nominal: Decimal
    lower_tol: Decimal
    upper_tol: Decimal
    unit: str
    measured: tuple[Decimal, ...]


@dataclass(frozen=True)
class RawCharacteristic:
    """One row as received: cell values (str, number or None) before any checking."""

    name: object = None
    nominal: object = None
    lower_tol: object = None
    upper_tol: object = None
    unit: object = None
    samples: Sequence[object] = ()

    def is_blank(self) -> bool:
        cells = (self.name, self.nominal, self.lower_tol, self.upper_tol, self.unit, *self.samples)
        return all(_clean(c) == "" for c in cells)


@dataclass(frozen=True)
class HeaderInput:
    order_line_id: int
    lot_no: str
    standard: str
    standard_version: str
    instrument: str
    notes: str


@dataclass
class Parsed:
    rows: list[CharacteristicInput] = field(default_factory=list)
    # key → message; keys are "rows-<index>-<column>" (index from 0 in the list sent)
    errors: dict[str, Msg] = field(default_factory=dict)


def _clean(raw: object) -> str:
    if raw is None:
        return ""
    return unicodedata.normalize("NFKC", str(raw)).strip()


def _text(raw: object, limit: int) -> str:
    # Control characters never belong in a label that ends up in a PDF and an HTML page.
    text = "".join(ch for ch in _clean(raw) if ch == " " or unicodedata.category(ch)[0] != "C")
    return text[:limit] if len(text) > limit else text


def split_samples(text: str) -> list[str]:
    return [part for part in _SAMPLE_SPLIT.split(_clean(text)) if part]


def parse_characteristics(raws: Sequence[RawCharacteristic], *, require_rows: bool = True) -> Parsed:
    """Blank rows are skipped; every other row must be complete. Measured values may be missing (the
    inspection is then a draft that cannot be submitted yet); a draft may even have no rows yet
    (``require_rows=False``), to be filled from a spreadsheet."""
    out = Parsed()
    rows = [(i, raw) for i, raw in enumerate(raws) if not raw.is_blank()]
    if len(rows) > MAX_CHARACTERISTICS:
        out.errors["rows"] = Msg(N_("At most %(max)s characteristics."), max=MAX_CHARACTERISTICS)
        return out
    for i, raw in rows:
        key = f"rows-{i}"
        name = _text(raw.name, 100)
        if not name:
            out.errors[f"{key}-name"] = Msg(N_("Name the characteristic."))
        elif len(_clean(raw.name)) > 100:
            out.errors[f"{key}-name"] = Msg(N_("At most %(max)s characters."), max=100)
        unit = _text(raw.unit, 20) or "mm"
        if len(_clean(raw.unit)) > 20:
            out.errors[f"{key}-unit"] = Msg(N_("At most %(max)s characters."), max=20)
        nominal = lower = upper = None
        try:
            nominal = parse_decimal(raw.nominal)
        except NotANumber as exc:
            out.errors[f"{key}-nominal"] = Msg(exc.args[0])
        try:
            lower, upper = parse_tolerance(raw.lower_tol, raw.upper_tol)
        except NotANumber as exc:
            out.errors[f"{key}-tolerance"] = Msg(exc.args[0])
        samples = [s for s in raw.samples if _clean(s) != ""]
        measured: list[Decimal] = []
        if len(samples) > MAX_SAMPLES:
            out.errors[f"{key}-samples"] = Msg(N_("At most %(max)s samples."), max=MAX_SAMPLES)
        else:
            for n, sample in enumerate(samples, start=1):
                try:
                    measured.append(parse_decimal(sample))
                except NotANumber as exc:
                    out.errors[f"{key}-samples"] = Msg(_SAMPLE_PROBLEM.get(exc.args[0], _BAD_SAMPLE), n=n)
                    break
        if (
            nominal is not None
            and lower is not None
            and upper is not None
            and not any(k.startswith(key + "-") for k in out.errors)
        ):
            out.rows.append(CharacteristicInput(name, nominal, lower, upper, unit, tuple(measured)))
    if require_rows and not rows and not out.errors:
        out.errors["rows"] = Msg(N_("Add at least one characteristic."))
    return out


def parse_header(form: Mapping[str, str]) -> tuple[HeaderInput | None, dict[str, Msg]]:
    errors: dict[str, Msg] = {}
    line_raw = _clean(form.get("order_line_id"))
    line_id = int(line_raw) if line_raw.isdigit() and len(line_raw) < 12 else None
    if line_id is None:
        errors["order_line_id"] = Msg(N_("Choose the order line."))
    values = {}
    for name, limit, required in (
        ("lot_no", 40, True), ("standard", 100, True), ("standard_version", 20, True),
        ("instrument", 100, False), ("notes", 2000, False),
    ):  # fmt: skip
        raw = _clean(form.get(name))
        if required and not raw:
            errors[name] = Msg(N_("Required."))
        elif len(raw) > limit:
            errors[name] = Msg(N_("At most %(max)s characters."), max=limit)
        values[name] = raw if name == "notes" else _text(raw, limit)
    if errors:
        return None, errors
    assert line_id is not None
    return HeaderInput(order_line_id=line_id, **values), errors
