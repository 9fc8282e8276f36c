"""Order workbooks → checked order drafts, with every problem named by sheet row and column.

Pure: bytes in, drafts and row errors out. The database facts it needs (which part numbers and customer
codes exist, which PO numbers are taken) are handed in by domain/intake/services.py, which asks for
exactly the codes the sheet mentions.

Reading is two steps so the caller can look up only what the sheet names:
``read_sheet`` (the file: size, zip, header, rows, formulas, merged cells) → ``build_orders`` (the
meaning: lookups, grouping by customer + PO, parse_draft for each group).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import WorkSheetParser

from domain.i18n import N_, Msg
from domain.orders.drafts import LineDraft, OrderDraft, RawLine, RawOrder, parse_draft

MAX_BYTES = 8 * 1024 * 1024  # under Litestar's 10 MB request limit, so the user gets our message
MAX_UNZIPPED = 200 * 1024 * 1024  # a zip bomb is refused before any XML is parsed
MAX_ROWS = 20_000  # data rows (order lines) in one file
MAX_ERRORS = 1000  # listed; past that the count is still exact
HEADER_SEARCH_ROWS = 5  # non-blank rows searched for the header row

# Columns: key → (Chinese header, English header). The template writes "中文 English"; any of the three
# spellings is accepted in any column order, so a user may delete the English half or move columns.
COLUMNS: dict[str, tuple[str, str]] = {
    "customer": ("客户代码", "Customer code"),
    "customer_po": ("客户PO号", "Customer PO no."),
    "requested_date": ("要求交期", "Requested date"),
    "product": ("产品料号", "Part no."),
    "quantity": ("数量", "Quantity"),
    "special_requirements": ("特殊要求", "Special requirements"),
}
REQUIRED = ("customer", "customer_po", "requested_date", "product", "quantity")
# Order-level values: every row of one PO must agree on them (a blank repeats the first row's value).
HEADER_FIELDS = ("requested_date", "special_requirements")
# Column labels for error tables, translated by the web layer in the reader's language.
COLUMN_LABELS = {
    "customer": N_("Customer code"),
    "customer_po": N_("Customer PO no."),
    "requested_date": N_("Requested date"),
    "product": N_("Part no."),
    "quantity": N_("Quantity"),
    "special_requirements": N_("Special requirements"),
}


def header_text(key: str) -> str:
    zh, en = COLUMNS[key]
    return f"{zh} {en}"


def _norm(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _header_key(text: str) -> str | None:
    folded = re.sub(r"\s+", " ", _norm(text)).casefold()
    for key, (zh, en) in COLUMNS.items():
        if folded in (zh.casefold(), en.casefold(), f"{zh} {en}".casefold(), f"{zh}{en}".casefold()):
            return key
    return None


@dataclass(frozen=True)
class RowError:
    row: int | None  # sheet row number as Excel shows it; None for the file as a whole
    column: str | None  # a COLUMNS key
    message: Msg


@dataclass
class SheetRow:
    row: int
    values: dict[str, str]  # column key → text (dates already ISO where they were real dates)


@dataclass
class Sheet:
    rows: list[SheetRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ParsedOrder:
    rows: list[int]  # the sheet rows it came from, in order
    customer_code: str
    customer_po: str
    draft: OrderDraft


@dataclass
class ParsedFile:
    orders: list[ParsedOrder] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows_read: int = 0
    orders_refused: int = 0

    @property
    def lines(self) -> int:
        return sum(len(o.draft.lines) for o in self.orders)

    def add(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)


# --- step 1: the file --------------------------------------------------------------------------------


def _file_error(msgid: str, **params: Any) -> Sheet:
    return Sheet(errors=[RowError(None, None, Msg(msgid, **params))])


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # str() gives the shortest form that round-trips: 120.0 → "120.0", 0.1 → "0.1" (never 0.1000000001).
        text = str(value)
        return text[:-2] if text.endswith(".0") else text
    return str(value).strip()


def read_sheet(data: bytes) -> Sheet:
    """The first worksheet's rows below the header row, or file-level errors."""
    if not data:
        return _file_error(N_("The file is empty."))
    if len(data) > MAX_BYTES:
        return _file_error(N_("The file is larger than %(max)s MB."), max=MAX_BYTES // (1024 * 1024))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED:
                return _file_error(N_("The file unpacks to too much data."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        return _file_error(N_("This is not an Excel workbook (.xlsx). Save it as .xlsx and try again."))
    try:
        if not workbook.worksheets:
            return _file_error(N_("The workbook has no worksheet."))
        return _read_first_sheet(workbook)
    except Exception:
        return _file_error(
            N_("The workbook is damaged and cannot be read. Open it in Excel and save it again.")
        )
    finally:
        workbook.close()


def _read_first_sheet(workbook: Any) -> Sheet:
    sheet = workbook.worksheets[0]
    # The parser openpyxl's read-only sheet uses, driven here directly: it yields each cell's data type
    # (so a formula is seen as a formula, not as its cached result) and, once the rows are read, the
    # sheet's merged ranges (which read-only sheets do not expose) — one pass over the XML for both.
    with workbook._archive.open(sheet._worksheet_path) as source:
        parser = WorkSheetParser(
            source,
            workbook.shared_strings,
            data_only=False,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        result = Sheet()
        columns: dict[int, str] | None = None
        header_row, looked_at = 0, 0
        first_problems: list[RowError] = []
        for row_no, cells in parser.parse():
            if columns is None:
                if not any(c["value"] not in (None, "") for c in cells):
                    continue  # blank rows above the header
                # A title or a note may stand above the header: the header is the first row that
                # names the required columns, among the first few that hold anything.
                found, problems = _columns(cells)
                looked_at += 1
                if problems:
                    first_problems = first_problems or problems
                    if looked_at >= HEADER_SEARCH_ROWS:
                        result.errors.extend(first_problems)
                        return result
                    continue
                columns, header_row = found, row_no
                continue
            row = _row(row_no, cells, columns, result.errors)
            if row is not None:
                if len(result.rows) >= MAX_ROWS:
                    return Sheet(
                        errors=[
                            RowError(
                                None,
                                None,
                                Msg(
                                    N_("The file has more than %(max)s rows. Split it into smaller files."),
                                    max=f"{MAX_ROWS:,}",
                                ),
                            )
                        ]
                    )
                result.rows.append(row)
        merged = parser.merged_cells
    if columns is None:
        if first_problems:
            return Sheet(errors=first_problems)
        return _file_error(N_("The worksheet is empty: no header row and no orders."))
    if merged is not None:
        for ref in merged.mergeCell:
            _merged_error(ref.ref, header_row, columns, result.errors)
    if not result.rows and not result.errors:
        result.errors.append(RowError(None, None, Msg(N_("The worksheet has a header row but no orders."))))
    return result


def _columns(cells: list[dict[str, Any]]) -> tuple[dict[int, str], list[RowError]]:
    columns: dict[int, str] = {}
    for cell in cells:
        if cell["value"] is None:
            continue
        key = _header_key(str(cell["value"]))
        if key is not None and key not in columns.values():
            columns[cell["column"]] = key
    missing = [k for k in REQUIRED if k not in columns.values()]
    if missing:
        names = ", ".join(header_text(k) for k in missing)
        return columns, [
            RowError(
                None,
                None,
                Msg(
                    N_("Columns missing from the header row: %(columns)s. Start from the template."),
                    columns=names,
                ),
            )
        ]
    return columns, []


def _row(
    row_no: int, cells: list[dict[str, Any]], columns: dict[int, str], errors: list[RowError]
) -> SheetRow | None:
    values: dict[str, str] = {}
    for cell in cells:
        key = columns.get(cell["column"])
        if key is None:
            continue
        if cell["data_type"] == "f":
            message = Msg(N_("Formulas are not accepted: replace the formula with its value."))
            errors.append(RowError(row_no, key, message))
            values[key] = ""
            continue
        value = cell["value"]
        # A date typed into a cell without date format arrives as Excel's day number.
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if key == "requested_date" and is_number and 20_000 <= value <= 120_000:
            value = from_excel(value)
        values[key] = _cell_text(value)
    if not any(values.values()):
        return None  # blank rows between orders are skipped, not errors
    return SheetRow(row=row_no, values=values)


def _merged_error(ref: str, header_row: int, columns: dict[int, str], errors: list[RowError]) -> None:
    start, _, end = ref.partition(":")
    col_letter, first_row = coordinate_from_string(start)
    end_letter, last_row = coordinate_from_string(end or start)
    if last_row <= header_row:
        return  # a merged title above or in the header is harmless
    first_col, last_col = column_index_from_string(col_letter), column_index_from_string(end_letter)
    key = next((columns[c] for c in range(first_col, last_col + 1) if c in columns), None)
    errors.append(
        RowError(
            max(first_row, header_row + 1),
            key,
            Msg(N_("Merged cells %(range)s: unmerge them and fill the value into every row."), range=ref),
        )
    )


# --- step 2: the meaning ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookups:
    """What the database knows about the codes the sheet names (active ones only)."""

    customers: Mapping[str, int]  # customer code → id
    products: Mapping[str, int]  # part no. → id
    existing_pos: Mapping[tuple[int, str], str]  # (customer id, PO) → the order that carries it


def code_key(text: str) -> str:
    """How codes are matched: full-width folded, case and surrounding spaces ignored."""
    return _norm(text).upper()


_CN_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def normalise_date(text: str) -> str:
    """2026/3/5, 2026.3.5, 2026年3月5日, ２０２６－０３－０５ → 2026-03-05; anything else unchanged."""
    value = _norm(text)
    match = _CN_DATE.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    return value


def referenced_codes(sheet: Sheet) -> tuple[set[str], set[str]]:
    """(customer codes, part numbers) the sheet names, as code_key spells them."""
    customers = {code_key(r.values.get("customer", "")) for r in sheet.rows} - {""}
    products = {code_key(r.values.get("product", "")) for r in sheet.rows} - {""}
    return customers, products


def group_rows(sheet: Sheet) -> list[tuple[tuple[str, str], list[SheetRow]]]:
    """Rows grouped by (customer code, PO no.) in sheet order; a group's rows must be adjacent."""
    groups: list[tuple[tuple[str, str], list[SheetRow]]] = []
    for row in sheet.rows:
        key = (code_key(row.values.get("customer", "")), _norm(row.values.get("customer_po", "")))
        if groups and groups[-1][0] == key:
            groups[-1][1].append(row)
        else:
            groups.append((key, [row]))
    return groups


def build_orders(sheet: Sheet, lookups: Lookups, *, today: dt.date) -> ParsedFile:
    """Turn the rows into one draft per (customer, PO); a group with any error yields no draft at all."""
    result = ParsedFile(rows_read=len(sheet.rows))
    for error in sheet.errors:
        result.add(error)
    if any(e.row is None for e in sheet.errors):
        return result  # the file itself is unreadable: nothing below would mean anything
    flagged = {(e.row, e.column) for e in sheet.errors}
    seen: dict[tuple[str, str], list[int]] = {}
    for key, rows in group_rows(sheet):
        draft, errors = _check_group(key, rows, lookups, seen, today)
        seen.setdefault(key, [r.row for r in rows])
        # A cell already reported (a formula, a merged range) is not reported again as "empty".
        errors = [e for e in errors if (e.row, e.column) not in flagged]
        for error in errors:
            result.add(error)
        if draft is None or errors or any(r.row == e.row for r in rows for e in sheet.errors):
            result.orders_refused += 1
            continue
        rows_of = [r.row for r in rows]
        result.orders.append(ParsedOrder(rows=rows_of, customer_code=key[0], customer_po=key[1], draft=draft))
    return result


def _check_group(
    key: tuple[str, str],
    rows: list[SheetRow],
    lookups: Lookups,
    seen: dict[tuple[str, str], list[int]],
    today: dt.date,
) -> tuple[OrderDraft | None, list[RowError]]:
    customer_code, po = key
    first = rows[0].row
    errors: list[RowError] = []
    if not customer_code:
        errors.append(RowError(first, "customer", Msg(N_("Enter the customer code."))))
    elif customer_code not in lookups.customers:
        errors.append(
            RowError(first, "customer", Msg(N_("Unknown customer code %(code)s."), code=customer_code))
        )
    if not po:
        message = Msg(N_("Enter the customer PO no.: it groups the lines of one order."))
        errors.append(RowError(first, "customer_po", message))
    elif key in seen:
        errors.append(
            RowError(
                first,
                "customer_po",
                Msg(
                    N_("PO %(po)s already appears in rows %(rows)s: keep the lines of one order together."),
                    po=po,
                    rows=_span(seen[key]),
                ),
            )
        )
    elif customer_code in lookups.customers and (
        existing := lookups.existing_pos.get((lookups.customers[customer_code], po))
    ):
        errors.append(
            RowError(
                first,
                "customer_po",
                Msg(N_("PO number already used by order %(order_no)s."), order_no=existing),
            )
        )
    for name in HEADER_FIELDS:
        firsts = rows[0].values.get(name, "")
        for row in rows[1:]:
            value = row.values.get(name, "")
            if value and _comparable(name, value) != _comparable(name, firsts):
                errors.append(
                    RowError(
                        row.row,
                        name,
                        Msg(
                            N_("Differs from row %(row)s of the same PO: one order has one value."), row=first
                        ),
                    )
                )
    for row in rows:
        part = code_key(row.values.get("product", ""))
        if part and part not in lookups.products:
            errors.append(
                RowError(row.row, "product", Msg(N_("Unknown part no. %(part_no)s."), part_no=part))
            )
    # Unknown codes stand in as id 0, so the shape errors (quantities, dates) of the same rows are
    # reported in the same round: one round of fixing is enough.
    raw = _raw(rows, customer_id=str(lookups.customers.get(customer_code, 0)), product_ids=lookups.products)
    draft, shape = parse_draft(raw, today=today, channel="excel")
    errors.extend(_map_errors(shape, rows))
    return (draft if not errors else None), errors


def _raw(rows: list[SheetRow], *, customer_id: str, product_ids: Mapping[str, int]) -> RawOrder:
    def product(row: SheetRow) -> str:
        part = code_key(row.values.get("product", ""))
        if not part:
            return ""
        return str(product_ids.get(part, 0))

    first = rows[0].values
    return RawOrder(
        customer=customer_id,
        requested_date=normalise_date(first.get("requested_date", "")),
        customer_po=first.get("customer_po", ""),
        special_requirements=first.get("special_requirements", ""),
        lines=[RawLine(product=product(r), quantity=r.values.get("quantity", "")) for r in rows],
    )


def _map_errors(errors: Mapping[str, Msg], rows: list[SheetRow]) -> list[RowError]:
    """parse_draft's field names → sheet rows and columns."""
    out: list[RowError] = []
    for name, message in errors.items():
        if name.startswith("lines-"):
            _, index, column = name.split("-", 2)
            out.append(RowError(rows[int(index)].row, column, message))
        else:
            out.append(RowError(rows[0].row, name if name in COLUMNS else None, message))
    return out


def _comparable(name: str, value: str) -> str:
    return normalise_date(value) if name == "requested_date" else _norm(value)


def _span(rows: list[int]) -> str:
    return str(rows[0]) if len(rows) == 1 else f"{rows[0]}–{rows[-1]}"


# --- plans: what the import step re-creates the drafts from ------------------------------------------


def plan_of(order: ParsedOrder) -> dict[str, Any]:
    """A JSON-safe copy of one parsed order (kept with the import between its steps)."""
    d = order.draft
    return {
        "rows": order.rows,
        "customer_code": order.customer_code,
        "customer_po": order.customer_po,
        "customer_id": d.customer_id,
        "requested_date": d.requested_date.isoformat(),
        "special_requirements": d.special_requirements,
        "lines": [[line.product_id, str(line.quantity)] for line in d.lines],
    }


def draft_from_plan(item: Mapping[str, Any]) -> OrderDraft:
    return OrderDraft(
        customer_id=int(item["customer_id"]),
        requested_date=dt.date.fromisoformat(item["requested_date"]),
        lines=[LineDraft(product_id=int(p), quantity=Decimal(q)) for p, q in item["lines"]],
        customer_po=item["customer_po"],
        special_requirements=item["special_requirements"],
        channel="excel",
    )


def column_letter(index: int) -> str:
    return get_column_letter(index)
