"""The order-import template: the columns read_sheet expects, with drop-down lists from the database."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from domain.intake.excel import COLUMNS, header_text

# Validation ranges reach this far down the sheet (MAX_ROWS lines fit, with room for the header).
VALIDATED_ROWS = 20_001
WIDTHS = {
    "customer": 18,
    "customer_po": 22,
    "requested_date": 18,
    "product": 20,
    "quantity": 12,
    "special_requirements": 40,
}
LISTS_SHEET = "Lists"


def build_template(
    customers: Sequence[tuple[str, str]],
    products: Sequence[tuple[str, str]],
    *,
    example_date: dt.date,
) -> bytes:
    """``customers`` and ``products`` are (code, name) pairs of the active ones, in the order to list them."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Orders"
    keys = list(COLUMNS)
    ws.append([header_text(k) for k in keys])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for i, key in enumerate(keys, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS[key]
    ws.freeze_panes = "A2"
    if customers and products:
        example = {
            "customer": customers[0][0],
            "customer_po": "PO-EXAMPLE-001",
            "requested_date": example_date,
            "product": products[0][0],
            "quantity": 100,
            "special_requirements": "",
        }
        ws.append([example[k] for k in keys])
        date_col = keys.index("requested_date") + 1
        ws.cell(row=2, column=date_col).number_format = "yyyy-mm-dd"
    # Dates typed into the column show as dates; part numbers and PO numbers stay text ("0012" keeps
    # its zeros).
    for key, fmt in (("requested_date", "yyyy-mm-dd"), ("customer_po", "@"), ("product", "@")):
        ws.column_dimensions[get_column_letter(keys.index(key) + 1)].number_format = fmt

    # The lists live on a sheet of their own: an inline list is limited to 255 characters.
    lists = wb.create_sheet(LISTS_SHEET)
    lists.append(
        ["客户代码 Customer code", "客户名称 Customer name", "产品料号 Part no.", "产品名称 Product"]
    )
    for i in range(max(len(customers), len(products))):
        c = customers[i] if i < len(customers) else ("", "")
        p = products[i] if i < len(products) else ("", "")
        lists.append([c[0], c[1], p[0], p[1]])
    for letter, width in (("A", 18), ("B", 36), ("C", 20), ("D", 36)):
        lists.column_dimensions[letter].width = width
    lists.freeze_panes = "A2"
    for key, letter, count in (("customer", "A", len(customers)), ("product", "C", len(products))):
        if not count:
            continue
        column = get_column_letter(keys.index(key) + 1)
        validation = DataValidation(
            type="list",
            formula1=f"{LISTS_SHEET}!${letter}$2:${letter}${count + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="无效值 Invalid value",
            error="请从列表中选择 Choose a value from the list",
        )
        validation.add(f"{column}2:{column}{VALIDATED_ROWS}")
        ws.add_data_validation(validation)
    quantity = get_column_letter(keys.index("quantity") + 1)
    positive = DataValidation(
        type="decimal", operator="greaterThan", formula1="0", allow_blank=True, showErrorMessage=True,
        errorTitle="无效数量 Invalid quantity", error="数量须大于 0 Quantity must be greater than 0",
    )  # fmt: skip
    positive.add(f"{quantity}2:{quantity}{VALIDATED_ROWS}")
    ws.add_data_validation(positive)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
