"""The level of a change request, in one pure function. The level picks the approval chain.

- **L3** — the scope says the BOM changes or a new technical agreement is needed, or the request
  changes a line's specification / drawing revision: engineering (QC) and planning (PMC) must both
  sign, then the sales manager.
- **L2** — anything that changes what the shop floor makes or ships without touching the design:
  a quantity, an added or removed line, packaging; or a delivery date the capacity check says does
  not hold (the dry-run finishes after the new date), or a pull-in when no plan can tell (no routing).
- **L1** — date-only: the new delivery date holds on the current capacity (every postponement, and
  a pull-in the dry-run can meet).

The highest rule that applies wins: a date change together with a quantity change is L2.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    DATE_ONLY = "date_only"
    BOM_CHANGE = "bom_change"
    NEW_AGREEMENT = "new_agreement"


class Reason(StrEnum):
    CUSTOMER_ADJUSTMENT = "customer_adjustment"
    DRAWING_UPGRADE = "drawing_upgrade"
    FORCE_MAJEURE = "force_majeure"
    OTHER = "other"


class Kind(StrEnum):
    DATE = "date"
    QUANTITY = "quantity"
    ADD_LINE = "add_line"
    REMOVE_LINE = "remove_line"
    SPEC = "spec"
    PACKAGING = "packaging"


REPLAN_KINDS = frozenset({Kind.QUANTITY, Kind.ADD_LINE, Kind.REMOVE_LINE, Kind.PACKAGING})


@dataclass(frozen=True)
class DateCheck:
    """What the capacity check says about a date change: ``finish`` is the dry-run's planned finish
    day (None when the order has no routing to plan with)."""

    old_date: dt.date
    new_date: dt.date
    finish: dt.date | None

    @property
    def fits(self) -> bool | None:
        return None if self.finish is None else self.finish <= self.new_date

    @property
    def pulls_in(self) -> bool:
        return self.new_date < self.old_date


def level_of(scope: Scope | str, kinds: Iterable[str], date: DateCheck | None) -> str:
    kinds = frozenset(kinds)
    if scope in (Scope.BOM_CHANGE, Scope.NEW_AGREEMENT) or Kind.SPEC in kinds:
        return "L3"
    if kinds & REPLAN_KINDS:
        return "L2"
    if date is not None:
        fits = date.fits
        if fits is False or (fits is None and date.pulls_in):
            return "L2"
    return "L1"
