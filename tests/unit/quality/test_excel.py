"""Reading measured values from a spreadsheet: good files become rows, every bad file becomes a clear
error with the row and column, and a file with any error yields no rows at all."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal as D
from typing import Any

from openpyxl import Workbook, load_workbook

from domain.quality.excel import FIXED, read_measurements, template


def workbook(rows: list[list[Any]], header: list[str] | None = None) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.append(header or [*FIXED, "样本1 Sample 1", "样本2 Sample 2", "样本3 Sample 3"])
    for row in rows:
        ws.append(row)
    return wb


def xlsx(wb: Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def errors_of(data: bytes) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, str(e.message)) for e in read_measurements(data).errors]


def test_template_has_bilingual_headers_and_reads_back() -> None:
    data = template()
    ws = load_workbook(io.BytesIO(data)).active
    headers = [c.value for c in ws[1]]
    assert headers[:5] == list(FIXED)
    assert "特性" in headers[0]
    assert "Characteristic" in headers[0]
    assert headers[5] == "样本1 Sample 1"
    result = read_measurements(data)
    assert result.ok
    assert len(result.rows) == 1
    assert result.rows[0].measured == ()


def test_good_file_with_numbers_text_numbers_and_full_width_digits() -> None:
    data = xlsx(workbook([
        ["外径 Ø20", 20, -0.05, 0.05, "mm", 20.01, "19.98", "２０．０６"],
        ["孔径", "10", "±0.1", None, None, 10.05, None, 9.95],  # a gap between samples is fine
        [None, None, None, None, None],  # a blank row is skipped
        ["长度 <b>", 50, -0.2, 0.2, "mm"],  # not measured yet
    ]))  # fmt: skip
    result = read_measurements(data)
    assert result.errors == []
    first, second, third = result.rows
    assert first.measured == (D("20.01"), D("19.98"), D("20.06"))
    assert (first.lower_tol, first.upper_tol) == (D("-0.05"), D("0.05"))
    assert (second.lower_tol, second.upper_tol, second.unit) == (D("-0.1"), D("0.1"), "mm")
    assert second.measured == (D("10.05"), D("9.95"))
    assert third.name == "长度 <b>"
    assert third.measured == ()


def test_text_in_number_cells_names_row_and_column() -> None:
    data = xlsx(workbook([
        ["外径", 20, -0.05, 0.05, "mm", 20.01, "abc"],
        ["孔径", "ten", -0.1, 0.1, "mm", 10],
        ["", 5, -0.1, 0.1, "mm", 5],
        ["槽宽", 5, 0.1, 0.1, "mm", 5],
    ]))  # fmt: skip
    assert errors_of(data) == [
        (2, "G", "Sample %(n)s is not a number."),
        (3, "B", "Not a number."),
        (4, "A", "Name the characteristic."),
        (5, "C–D", "The lower tolerance must be below the upper tolerance."),
    ]
    assert read_measurements(data).rows == []  # one bad cell: nothing is taken


def test_formulas_are_refused() -> None:
    data = xlsx(workbook([["外径", 20, -0.05, 0.05, "mm", "=19.9+0.1", 20]]))
    assert errors_of(data) == [(2, "F", "Formulas are not read: paste the values instead.")]


def test_merged_cells_are_refused() -> None:
    wb = workbook([["外径", 20, -0.05, 0.05, "mm", 20.01], ["外径", 20, -0.05, 0.05, "mm", 20.02]])
    wb.active.merge_cells("A2:A3")
    assert errors_of(xlsx(wb)) == [(0, "", "Merged cells (%(range)s) cannot be read: unmerge them.")]


def test_broken_empty_and_foreign_files() -> None:
    assert errors_of(b"") == [(0, "", "The file is empty.")]
    unreadable = "This is not an Excel workbook (.xlsx) that can be read."
    assert errors_of(b"PK\x03\x04 not really a zip") == [(0, "", unreadable)]
    assert errors_of(b"%PDF-1.7 renamed to .xlsx") == [(0, "", unreadable)]
    good = xlsx(workbook([["外径", 20, -0.05, 0.05, "mm", 20]]))
    assert errors_of(good[: len(good) // 2]) == [(0, "", unreadable)]  # truncated upload
    assert errors_of(b"x" * (3 * 1024 * 1024)) == [(0, "", "The file is larger than %(max)s MB.")]


def test_zip_bomb_is_refused_before_opening() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/sharedStrings.xml", b"\0" * (40 * 1024 * 1024))
    assert errors_of(out.getvalue()) == [(0, "", "The workbook is too large once unpacked.")]


def test_wrong_header_and_too_many_rows() -> None:
    assert errors_of(xlsx(workbook([["a", 1]], header=["Part", "Qty"]))) == [
        (0, "", "The first row must hold the template's headers (download the template).")
    ]
    many = xlsx(workbook([[f"c{i}", 1, -0.1, 0.1, "mm", 1] for i in range(201)]))
    assert errors_of(many) == [(0, "", "At most %(max)s characteristics.")]


def test_a_sheet_with_only_headers_has_nothing_to_import() -> None:
    result = read_measurements(xlsx(workbook([])))
    assert not result.ok
    assert result.errors[0].message == "Add at least one characteristic."
