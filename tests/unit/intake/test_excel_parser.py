"""The workbook parser on files made here: good ones, and each kind of bad input the issue names."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import Workbook

from domain.intake import excel
from tests.intake_workbooks import HEADER, order_rows, workbook_bytes

TODAY = dt.date(2026, 11, 25)
SOON = "2026-12-20"
LOOKUPS = excel.Lookups(
    customers={"C001": 1, "C002": 2},
    products={"HR-1": 11, "HR-2": 12, "HR-3": 13},
    existing_pos={(1, "PO-OLD"): "SO-2026-000042"},
)


def parse(data: bytes, lookups: excel.Lookups = LOOKUPS) -> excel.ParsedFile:
    return excel.build_orders(excel.read_sheet(data), lookups, today=TODAY)


def errors_of(parsed: excel.ParsedFile) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, str(e.message)) for e in parsed.errors]


def test_a_good_file_gives_one_draft_per_customer_and_po_with_its_lines() -> None:
    rows = (
        order_rows("C001", "PO-1", SOON, [("HR-1", 10), ("HR-2", 20)], notes="OEM 包装")
        + order_rows("C002", "PO-1", dt.date(2026, 12, 21), [("HR-3", 5)])
        + order_rows("C001", "PO-2", SOON, [("HR-3", 2.5)])
    )
    parsed = parse(workbook_bytes(rows))
    assert parsed.errors == []
    assert parsed.error_count == 0
    assert [(o.customer_code, o.customer_po, o.rows) for o in parsed.orders] == [
        ("C001", "PO-1", [2, 3]),
        ("C002", "PO-1", [4]),
        ("C001", "PO-2", [5]),
    ]
    first = parsed.orders[0].draft
    assert (first.customer_id, first.requested_date, first.channel) == (1, dt.date(2026, 12, 20), "excel")
    assert [(line.product_id, line.quantity) for line in first.lines] == [
        (11, Decimal(10)),
        (12, Decimal(20)),
    ]
    assert first.special_requirements == "OEM 包装"
    assert parsed.orders[1].draft.requested_date == dt.date(2026, 12, 21)  # a real Excel date cell
    assert parsed.orders[2].draft.lines[0].quantity == Decimal("2.5")
    assert (parsed.lines, parsed.rows_read, parsed.orders_refused) == (4, 4, 0)


def test_columns_may_be_moved_and_named_in_one_language_and_blank_rows_are_skipped() -> None:
    header = ["Quantity", "产品料号", "Customer code", "客户PO号", "要求交期"]
    rows = [
        [3, "HR-1", "C001", "PO-9", SOON],
        [None, None, None, None, None],
        [4, "HR-2", "c001", "PO-9", ""],
    ]
    parsed = parse(workbook_bytes(rows, header=header))
    assert errors_of(parsed) == []
    # The blank row does not split the order; a lower-case code is the same code; a blank date repeats the first.
    assert len(parsed.orders) == 1
    assert parsed.orders[0].rows == [2, 4]


@pytest.mark.parametrize(
    "text",
    ["2026-12-05", "2026/12/5", "2026.12.5", "2026年12月5日", "２０２６－１２－０５", "2026 年 12 月 5 日"],
)
def test_dates_written_as_text(text: str) -> None:
    parsed = parse(workbook_bytes(order_rows("C001", "PO-1", text, [("HR-1", 1)])))
    assert errors_of(parsed) == []
    assert parsed.orders[0].draft.requested_date == dt.date(2026, 12, 5)


def test_a_date_typed_as_excel_day_number_in_a_general_cell() -> None:
    serial = (dt.date(2026, 12, 5) - dt.date(1899, 12, 30)).days
    parsed = parse(workbook_bytes(order_rows("C001", "PO-1", serial, [("HR-1", 1)])))
    assert parsed.orders[0].draft.requested_date == dt.date(2026, 12, 5)


def test_full_width_digits_and_codes_are_folded() -> None:
    rows = [["Ｃ００１", "ＰＯ－１", SOON, "ＨＲ－１", "１，２００"]]
    parsed = parse(workbook_bytes(rows))
    assert errors_of(parsed) == []
    order = parsed.orders[0]
    assert (order.customer_po, order.draft.lines[0].quantity) == ("PO-1", Decimal(1200))


def test_a_formula_is_refused_in_its_cell_and_its_order_is_not_imported() -> None:
    rows = order_rows("C001", "PO-1", SOON, [("HR-1", 1), ("HR-2", 1)]) + order_rows(
        "C001", "PO-2", SOON, [("HR-1", 1)]
    )
    parsed = parse(workbook_bytes(rows, formula_cells={"E3": "=2*3"}))
    assert errors_of(parsed) == [
        (3, "quantity", "Formulas are not accepted: replace the formula with its value.")
    ]
    assert [o.customer_po for o in parsed.orders] == ["PO-2"]
    assert parsed.orders_refused == 1


def test_merged_cells_are_named_by_range() -> None:
    rows = order_rows("C001", "PO-1", SOON, [("HR-1", 1), ("HR-2", 1), ("HR-3", 1)])
    parsed = parse(workbook_bytes(rows, merge=["A2:A4"]))
    merged = [e for e in parsed.errors if "Merged" in e.message]
    assert [(e.row, e.column, e.message.params) for e in merged] == [(2, "customer", {"range": "A2:A4"})]
    assert parsed.orders == []


def test_a_merged_title_above_the_header_is_harmless() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["订单导入"])
    ws.merge_cells("A1:F1")
    ws.append(HEADER)
    ws.append(["C001", "PO-1", SOON, "HR-1", 5, ""])
    out = io.BytesIO()
    wb.save(out)
    parsed = parse(out.getvalue())
    assert errors_of(parsed) == []
    assert parsed.orders[0].rows == [3]


def test_unknown_customer_and_product_are_reported_with_the_other_errors_of_the_same_rows() -> None:
    rows = [["C999", "PO-1", SOON, "HR-404", "abc"], ["C001", "PO-2", "2020-01-01", "HR-1", 0]]
    parsed = parse(workbook_bytes(rows))
    got = {(e.row, e.column): (str(e.message), e.message.params) for e in parsed.errors}
    assert got[(2, "customer")] == ("Unknown customer code %(code)s.", {"code": "C999"})
    assert got[(2, "product")] == ("Unknown part no. %(part_no)s.", {"part_no": "HR-404"})
    assert got[(2, "quantity")][0] == "Quantity must be a number."
    assert got[(3, "requested_date")][0] == "The requested date cannot be in the past."
    assert got[(3, "quantity")][0] == "Quantity must be greater than zero."
    assert parsed.orders == []
    assert parsed.orders_refused == 2


def test_duplicate_po_in_the_file_and_against_existing_orders() -> None:
    rows = (
        order_rows("C001", "PO-1", SOON, [("HR-1", 1)])
        + order_rows("C001", "PO-2", SOON, [("HR-1", 1)])
        + order_rows("C001", "PO-1", SOON, [("HR-2", 1)])  # the same PO again, further down
        + order_rows("C001", "PO-OLD", SOON, [("HR-2", 1)])
        + order_rows("C002", "PO-OLD", SOON, [("HR-2", 1)])  # another customer's PO may repeat it
    )
    parsed = parse(workbook_bytes(rows))
    got = [(e.row, e.column, e.message.params) for e in parsed.errors]
    assert got == [
        (4, "customer_po", {"po": "PO-1", "rows": "2"}),
        (5, "customer_po", {"order_no": "SO-2026-000042"}),
    ]
    assert [(o.customer_code, o.customer_po) for o in parsed.orders] == [
        ("C001", "PO-1"), ("C001", "PO-2"), ("C002", "PO-OLD"),
    ]  # fmt: skip


def test_conflicting_order_values_within_one_po() -> None:
    rows = [
        ["C001", "PO-1", SOON, "HR-1", 1, "A"],
        ["C001", "PO-1", "2026/12/20", "HR-2", 1, ""],  # the same date, written differently: fine
        ["C001", "PO-1", "2026-12-24", "HR-3", 1, "B"],
    ]
    parsed = parse(workbook_bytes(rows))
    assert [(e.row, e.column, e.message.params) for e in parsed.errors] == [
        (4, "requested_date", {"row": 2}),
        (4, "special_requirements", {"row": 2}),
    ]
    assert parsed.orders == []


def test_missing_customer_po_is_required_for_grouping() -> None:
    parsed = parse(workbook_bytes([["C001", "", SOON, "HR-1", 1]]))
    assert errors_of(parsed) == [
        (2, "customer_po", "Enter the customer PO no.: it groups the lines of one order.")
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"name,qty\nHR-1,3\n", "This is not an Excel workbook (.xlsx). Save it as .xlsx and try again."),
        (b"PK\x03\x04 broken zip", "This is not an Excel workbook (.xlsx). Save it as .xlsx and try again."),
        (b"x" * (excel.MAX_BYTES + 1), "The file is larger than %(max)s MB."),
    ],
)
def test_broken_empty_and_huge_files_are_refused_as_a_whole(data: bytes, message: str) -> None:
    parsed = parse(data)
    assert errors_of(parsed) == [(None, None, message)]
    assert parsed.orders == []


def test_a_zip_that_is_not_a_workbook() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "not excel")
    assert errors_of(parse(out.getvalue()))[0][:2] == (None, None)


def test_a_zip_bomb_is_refused_before_parsing() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (excel.MAX_UNZIPPED + 1))
    assert errors_of(parse(out.getvalue())) == [(None, None, "The file unpacks to too much data.")]


def test_empty_sheet_header_only_and_missing_columns() -> None:
    empty = Workbook()
    out = io.BytesIO()
    empty.save(out)
    assert errors_of(parse(out.getvalue())) == [
        (None, None, "The worksheet is empty: no header row and no orders.")
    ]
    assert errors_of(parse(workbook_bytes([]))) == [
        (None, None, "The worksheet has a header row but no orders.")
    ]
    missing = parse(workbook_bytes([["C001", 1]], header=["Customer code", "Quantity"]))
    assert missing.errors[0].row is None
    assert "PO" in missing.errors[0].message.params["columns"]
    assert len(missing.errors) == 1


def test_too_many_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(excel, "MAX_ROWS", 5)
    rows: list[list[Any]] = [["C001", f"PO-{i}", SOON, "HR-1", 1] for i in range(6)]
    parsed = parse(workbook_bytes(rows))
    assert [(e.row, str(e.message)) for e in parsed.errors] == [
        (None, "The file has more than %(max)s rows. Split it into smaller files.")
    ]
    assert parsed.orders == []
    assert parse(workbook_bytes(rows[:5])).error_count == 0


def test_script_and_sql_in_cells_are_plain_text() -> None:
    rows = [["C001", "<script>alert(1)</script>", SOON, "HR-1'; DROP TABLE products;--", 1]]
    parsed = parse(workbook_bytes(rows))
    assert [(e.column, e.message.params) for e in parsed.errors] == [
        ("product", {"part_no": "HR-1'; DROP TABLE PRODUCTS;--"})
    ]


def test_the_error_list_is_capped_but_the_count_is_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(excel, "MAX_ERRORS", 3)
    rows = [["C001", f"PO-{i}", SOON, "NOPE", 1] for i in range(10)]
    parsed = parse(workbook_bytes(rows))
    assert (len(parsed.errors), parsed.error_count, parsed.orders_refused) == (3, 10, 10)


def test_a_plan_round_trips_to_the_same_draft() -> None:
    parsed = parse(
        workbook_bytes(order_rows("C001", "PO-1", SOON, [("HR-1", "1.5"), ("HR-2", 7)], notes="x"))
    )
    order = parsed.orders[0]
    assert excel.draft_from_plan(excel.plan_of(order)) == order.draft
