"""The level rules: scope and what changes decide L1/L2/L3; the capacity check decides date-only ones."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.changes.rules import DateCheck, level_of

D = dt.date(2026, 12, 1)


def later(days: int) -> dt.date:
    return D + dt.timedelta(days=days)


@pytest.mark.parametrize(
    ("scope", "kinds", "date", "level"),
    [
        # Date only, and the dry-run finishes by the new date: L1 (postponement or feasible pull-in).
        ("date_only", {"date"}, DateCheck(D, later(7), later(3)), "L1"),
        ("date_only", {"date"}, DateCheck(D, later(-5), later(-6)), "L1"),
        # Finish falls after the new date: needs a re-plan.
        ("date_only", {"date"}, DateCheck(D, later(-5), later(-4)), "L2"),
        # No routing to plan with: a postponement is safe, a pull-in is not.
        ("date_only", {"date"}, DateCheck(D, later(5), None), "L1"),
        ("date_only", {"date"}, DateCheck(D, later(-5), None), "L2"),
        ("date_only", {"quantity"}, None, "L2"),
        ("date_only", {"add_line"}, None, "L2"),
        ("date_only", {"remove_line"}, None, "L2"),
        ("date_only", {"packaging"}, None, "L2"),
        ("date_only", {"date", "quantity"}, DateCheck(D, later(7), later(3)), "L2"),
        ("date_only", {"spec"}, None, "L3"),
        ("bom_change", {"date"}, DateCheck(D, later(7), later(3)), "L3"),
        ("new_agreement", {"quantity"}, None, "L3"),
    ],
)
def test_level(scope: str, kinds: set[str], date: DateCheck | None, level: str) -> None:
    assert level_of(scope, kinds, date) == level


def test_the_finish_day_itself_still_fits() -> None:
    assert DateCheck(D, later(3), later(3)).fits is True
    assert DateCheck(D, later(3), later(4)).fits is False
