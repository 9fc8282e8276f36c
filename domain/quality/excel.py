"""Measured values from a spreadsheet: the template to fill in, and reading it back with an error per
cell. The workbook is checked before openpyxl opens it (size, zip contents) and nothing is ever stored
from a file with an error: the caller gets either rows or errors."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from domain.i18n import N_, Msg
from domain.quality.inputs import CharacteristicInput, RawCharacteristic, parse_characteristics
from domain.quality.rules import MAX_CHARACTERISTICS, MAX_SAMPLES

MAX_FILE_BYTES = 2 * 1024 * 1024
# A small sheet unpacks to a few hundred kB; more than this inside a 2 MB zip is a zip bomb.
MAX_UNPACKED_BYTES = 30 * 1024 * 1024
FIXED = ("特性 Characteristic", "名义值 Nominal", "下公差 Lower tol.", "上公差 Upper tol.", "单位 Unit")
SAMPLE_HEADER = "样本{n} Sample {n}"
_COLUMNS = ("name", "nominal", "lower_tol", "upper_tol", "unit")
TEMPLATE_SAMPLES = 5


@dataclass(frozen=True)
class CellError:
    row: int  # as Excel numbers it (the header is row 1)
    column: str  # as Excel names it (A, B, …)
    message: Msg


@dataclass
class ImportResult:
    rows: list[CharacteristicInput] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def template(samples: int = TEMPLATE_SAMPLES) -> bytes:
    """An empty sheet with bilingual headers and one example row (which the importer reads as data,
    so the example is a realistic one a person overwrites)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "检验 Inspection"
    headers = [*FIXED, *(SAMPLE_HEADER.format(n=n) for n in range(1, samples + 1))]
    ws.append(headers)
    ws.append(["外径 Ø20 Outer diameter", 20, -0.05, 0.05, "mm", *([None] * samples)])
    for col, _ in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=col)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="EEF2F6")
        ws.column_dimensions[get_column_letter(col)].width = 26 if col == 1 else 14
    ws.freeze_panes = "B2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _err(result: ImportResult, row: int, column: str, msgid: str, **params: Any) -> ImportResult:
    result.errors.append(CellError(row, column, Msg(msgid, **params)))
    return result


def _file_error(msgid: str, **params: Any) -> ImportResult:
    return _err(ImportResult(), 0, "", msgid, **params)


def read_measurements(data: bytes) -> ImportResult:
    """Rows from the first sheet of an .xlsx made from the template, or the reasons it cannot be read."""
    if not data:
        return _file_error(N_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        return _file_error(N_("The file is larger than %(max)s MB."), max=MAX_FILE_BYTES // (1024 * 1024))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
                return _file_error(N_("The workbook is too large once unpacked."))
        wb = load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    except Exception:
        return _file_error(N_("This is not an Excel workbook (.xlsx) that can be read."))
    ws = wb.worksheets[0]
    if ws.merged_cells.ranges:
        first = sorted(str(r) for r in ws.merged_cells.ranges)[0]
        return _file_error(N_("Merged cells (%(range)s) cannot be read: unmerge them."), range=first)
    if ws.max_row > MAX_CHARACTERISTICS + 1:
        return _file_error(N_("At most %(max)s characteristics."), max=MAX_CHARACTERISTICS)
    if ws.max_column > len(FIXED) + MAX_SAMPLES:
        return _file_error(N_("At most %(max)s samples."), max=MAX_SAMPLES)
    header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1), ())]
    if not header or not _looks_like_header(header):
        return _file_error(N_("The first row must hold the template's headers (download the template)."))
    result = ImportResult()
    raws: list[RawCharacteristic] = []
    excel_rows: list[int] = []
    for cells in ws.iter_rows(min_row=2):
        row_no = cells[0].row
        values: list[object] = []
        for cell in cells:
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                _err(
                    result, row_no, cell.column_letter, N_("Formulas are not read: paste the values instead.")
                )
                values.append(None)
            else:
                values.append(cell.value)
        values += [None] * (len(FIXED) - len(values))
        raws.append(RawCharacteristic(*values[: len(FIXED)], samples=tuple(values[len(FIXED) :])))
        excel_rows.append(row_no)
    parsed = parse_characteristics(raws)
    for key, message in parsed.errors.items():
        if key == "rows":
            result.errors.append(CellError(0, "", message))
            continue
        _, index, column = key.split("-", 2)
        row_no = excel_rows[int(index)]
        letter = {"name": "A", "nominal": "B", "tolerance": "C–D", "unit": "E"}.get(
            column, f"F–{get_column_letter(len(FIXED) + MAX_SAMPLES)}"
        )
        if column == "samples" and "n" in message.params:
            letter = get_column_letter(len(FIXED) + _sample_column(raws[int(index)], message.params["n"]))
        result.errors.append(CellError(row_no, letter, message))
    result.errors.sort(key=lambda e: (e.row, e.column))
    if not result.errors:
        result.rows = parsed.rows
    return result


def _sample_column(raw: RawCharacteristic, n: int) -> int:
    """The column of the n-th non-empty sample (people leave gaps between samples)."""
    seen = 0
    for i, value in enumerate(raw.samples, start=1):
        if value is not None and str(value).strip() != "":
            seen += 1
            if seen == n:
                return i
    return 1


def _looks_like_header(header: list[object]) -> bool:
    first = str(header[0] or "").lower()
    return "characteristic" in first or "特性" in first
