"""Order workbooks made in the tests (unit, web, e2e, bench): the template's columns, any rows."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from domain.intake.excel import COLUMNS, header_text

HEADER = [header_text(k) for k in COLUMNS]


def workbook_bytes(rows: Sequence[Sequence[Any]], *, header: Sequence[Any] | None = None,
                   merge: Sequence[str] = (), formula_cells: dict[str, str] | None = None) -> bytes:  # fmt: skip
    """A workbook whose first sheet is ``header`` (the template's by default) and ``rows`` under it."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(HEADER if header is None else header))
    for row in rows:
        ws.append(list(row))
    for ref, formula in (formula_cells or {}).items():
        ws[ref] = formula
    for ref in merge:
        ws.merge_cells(ref)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def order_rows(customer: str, po: str, date: Any, lines: Sequence[tuple[str, Any]], notes: str = "") -> list[list[Any]]:  # fmt: skip
    """The rows of one order: customer, PO, date, part no., quantity, notes."""
    return [[customer, po, date, part, qty, notes] for part, qty in lines]
