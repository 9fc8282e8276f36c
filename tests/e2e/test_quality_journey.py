"""QC in real Chromium: the QC engineer records an inspection with one value out of tolerance (a row
added through htmx), a second person approves and publishes, the customer's QC engineer finds the
report on a phone and downloads it, and the back office sees that download in the log."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import no_horizontal_scroll, sign_in
from tests.seed import Seed

INSPECTION_URL = re.compile(r"/backoffice/quality/inspections/(\d+)$")


@pytest.mark.e2e
def test_qc_records_approves_publishes_and_the_customer_downloads(
    open_page: Any, seeded: Seed, shots: Path
) -> None:
    order_no = seeded.orders["c001_in_production"]

    # 1. The QC engineer opens the order; its inspections load into the page; they record one.
    desk = open_page()
    sign_in(desk, "backoffice", "qc")
    desk.goto(f"/backoffice/orders/{order_no}")
    record = desk.locator(f"#order-qc a[href='/backoffice/quality/inspections/new?order={order_no}']")
    expect(record).to_be_visible()  # the lazily loaded block replaced the plain link
    record.click()
    desk.select_option("#order_line_id", index=1)
    desk.fill("#lot_no", "L-E2E-01")
    desk.fill("#standard", "GB/T 1804-m")
    desk.fill("#standard_version", "2000")
    desk.fill("#instrument", "数显卡尺")
    desk.fill("#c_name-0", "外径 Ø20")
    desk.fill("#c_nominal-0", "20")
    desk.fill("#c_lower-0", "-0.05")
    desk.fill("#c_upper-0", "0.05")
    desk.fill("#c_samples-0", "20.01 20.07 19.98")
    desk.click("[data-add-line]")
    expect(desk.locator("[data-line]")).to_have_count(2)
    desk.fill("#c_name-1", "孔径")
    desk.fill("#c_nominal-1", "10")
    desk.fill("#c_lower-1", "±0.1")
    desk.fill("#c_samples-1", "10.02 9.95")
    desk.screenshot(path=shots / "qc-form-desktop.png", full_page=True)
    desk.click("button[name=action][value=save]")
    expect(desk).to_have_url(INSPECTION_URL)
    inspection_url = desk.url
    out = desk.locator("[data-out]")
    expect(out).to_have_count(1)
    expect(out).to_contain_text("20.07")
    desk.click("button[name=action][value=submit]")
    expect(desk.locator("h1 .badge[data-qc-status=submitted]")).to_be_visible()
    expect(desk.locator("h1 .badge[data-verdict=fail]")).to_be_visible()
    expect(desk.locator("button[name=action][value=approve]")).to_have_count(0)  # not their own

    # 2. The administrator approves (a nonconformance is raised) and publishes.
    boss = open_page()
    sign_in(boss, "backoffice", "admin")
    boss.goto(inspection_url)
    boss.click("button[name=action][value=approve]")
    expect(boss.locator("h1 .badge[data-qc-status=approved]")).to_be_visible()
    boss.click("button[name=action][value=publish]")
    expect(boss.locator("h1 .badge[data-qc-status=published]")).to_be_visible()
    expect(boss.locator("[data-report-link]")).to_be_visible()
    boss.screenshot(path=shots / "qc-detail-desktop.png", full_page=True)
    boss.goto("/backoffice/quality/nonconformances")
    expect(boss.locator(".qc-nc")).to_have_count(1)

    # 3. The customer's QC engineer, on a phone, sees the report on the order page and downloads it.
    phone = open_page(phone=True)
    sign_in(phone, "portal", "c001-qe")
    phone.goto(f"/portal/orders/{order_no}")
    report = phone.locator(".qc-report")
    expect(report).to_have_count(1)
    expect(report.locator(".badge[data-verdict=fail]")).to_be_visible()
    report.scroll_into_view_if_needed()
    no_horizontal_scroll(phone)
    phone.screenshot(path=shots / "portal-qc-reports-375.png", full_page=True)
    with phone.expect_download() as info:
        report.locator("[data-report-download]").click()
    download = info.value
    assert download.suggested_filename == f"QC-{order_no}-L-E2E-01.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    # 4. The back office sees who downloaded it.
    desk.goto(inspection_url)
    log = desk.locator("[data-download]")
    expect(log).to_have_count(1)
    expect(log).to_contain_text("C001 qc_engineer")
