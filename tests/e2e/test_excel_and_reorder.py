"""Orders through the other doors, in real Chromium: an Excel file at the desk, and "order again" on a phone."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from domain.base import today_local
from tests.e2e.conftest import no_horizontal_scroll, sign_in
from tests.intake_workbooks import order_rows, workbook_bytes
from tests.seed import Seed

# Part numbers of tests/seed.py's first two products.
PART_A, PART_B = "HR-BC-1001", "HR-SH-2002"


def workbook(path: Path, *, bad_quantity: Any) -> Path:
    when = (today_local() + dt.timedelta(days=30)).isoformat()
    later = today_local() + dt.timedelta(days=36)  # written the Chinese way, as text
    rows = [
        *order_rows("C001", "PO-E2E-XL-1", when, [(PART_A, 40), (PART_B, 8)]),
        *order_rows("C002", "PO-E2E-XL-2", when, [(PART_B, bad_quantity)]),
        *order_rows("C001", "PO-E2E-XL-3", f"{later.year}年{later.month}月{later.day}日", [(PART_A, "１２")]),
    ]
    path.write_bytes(workbook_bytes(rows))
    return path


@pytest.mark.e2e
def test_sales_imports_an_excel_file_with_one_bad_row_fixes_it_and_imports(
    open_page: Any, seeded: Seed, shots: Path
) -> None:
    desk = open_page()
    sign_in(desk, "backoffice", "sales")
    desk.click("a[href='/backoffice/imports/excel']")
    expect(desk).to_have_url(re.compile(r"/backoffice/imports/excel$"))
    expect(desk.locator("[data-template-link]")).to_be_visible()

    # 1. The file has one bad row: a quantity that is not a number (row 4, the C002 order).
    desk.set_input_files("#file", str(workbook(shots / "orders-bad.xlsx", bad_quantity="twelve")))
    desk.click("form[enctype] button[type=submit]")
    expect(desk).to_have_url(re.compile(r"/backoffice/imports/excel/[A-Za-z0-9_-]{32}$"))
    bad = desk.locator("#row-errors tr[data-error-row='4'][data-error-column='quantity']")
    expect(bad).to_have_count(1)
    expect(desk.locator("[data-count=errors]")).to_have_text("1")
    expect(desk.locator("[data-count=orders]")).to_have_text("2")
    expect(desk.locator("#orders-to-create tr[data-po]")).to_have_count(2)
    desk.screenshot(path=shots / "excel-preview-with-error.png", full_page=True)

    # 2. Fixed and uploaded again: no problems, three orders; import them.
    desk.click("a[href='/backoffice/imports/excel']")
    desk.set_input_files("#file", str(workbook(shots / "orders-fixed.xlsx", bad_quantity=12)))
    desk.click("form[enctype] button[type=submit]")
    expect(desk.locator("[data-count=errors]")).to_have_text("0")
    expect(desk.locator("[data-count=orders]")).to_have_text("3")
    expect(desk.locator("#row-errors")).to_have_count(0)
    desk.click("[data-import-start]")
    expect(desk.locator("#import-progress")).to_have_attribute("data-import-status", "done")
    expect(desk.locator("#import-progress progress")).to_have_attribute("value", "4")
    desk.screenshot(path=shots / "excel-import-done.png", full_page=True)

    # 3. The orders are at the desk, submitted, from the Excel channel.
    desk.click("[data-first-created]")
    expect(desk).to_have_url(re.compile(r"/backoffice/orders/SO-\d{4}-\d{6}$"))
    expect(desk.locator("h1.page__title .badge[data-status=submitted]")).to_be_visible()
    desk.goto("/backoffice/orders?q=PO-E2E-XL")
    expect(desk.locator("#order-table tbody tr")).to_have_count(3)


@pytest.mark.e2e
def test_a_buyer_orders_again_on_a_phone(open_page: Any, seeded: Seed, shots: Path) -> None:
    phone = open_page(phone=True)
    sign_in(phone, "portal", "c001-buyer")
    order_no = seeded.orders["c001_submitted"]
    phone.goto(f"/portal/orders/{order_no}")
    phone.click("[data-reorder]")
    expect(phone).to_have_url(re.compile(rf"/portal/orders/{order_no}/reorder$"))
    expect(phone.locator("[data-reorder-line]")).to_have_count(2)
    expect(phone.locator("#quantity-0")).to_have_value("100")
    no_horizontal_scroll(phone)

    # (Screenshots only after the htmx swap: Playwright's screenshot leaves style="" on the inputs, and
    # htmx's settle step copying that attribute would then trip the CSP check of PageProblems.)
    # A wrong quantity comes back next to its field (htmx swaps the 422 form), nothing stored.
    phone.fill("#quantity-0", "lots")
    phone.click("#reorder-form button[type=submit]")
    expect(phone.locator("#quantity-0-error")).to_be_visible()
    no_horizontal_scroll(phone)
    phone.screenshot(path=shots / "reorder-error-375.png", full_page=True)

    phone.fill("#quantity-0", "150")
    phone.fill("#quantity-1", "")
    phone.fill("#customer_po", "PO-AGAIN-E2E")
    phone.click("#reorder-form button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/portal/orders/SO-\d{4}-\d{6}$"))
    assert order_no not in phone.url
    expect(phone.locator("h1.page__title")).to_have_text("PO-AGAIN-E2E")
    expect(phone.locator(".line-card")).to_have_count(1)
    expect(phone.locator(".order-head .badge[data-stage=received]")).to_be_visible()
    no_horizontal_scroll(phone)
    phone.screenshot(path=shots / "reorder-done-375.png", full_page=True)
