"""改 in Chromium: a buyer on a 375 px phone asks for an earlier date; PMC and the sales manager approve
in the back office; the buyer signs the change-impact report on the phone."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from domain.approvals.defaults import ensure_default_chains
from domain.base import today_local
from tests.e2e.conftest import _in_thread, no_horizontal_scroll, sign_in
from tests.seed import Seed

CR_URL = re.compile(r"/portal/changes/(CR-\d{4}-\d{6})$")


def with_chains(database_url: str) -> None:
    async def go() -> None:
        engine = create_async_engine(database_url, poolclass=NullPool)
        async with AsyncSession(engine) as session:
            await ensure_default_chains(session)
            await session.commit()
        await engine.dispose()

    _in_thread(lambda: asyncio.run(go()))


def approve(desk: Any, username: str, number: str, shots: Path) -> None:
    sign_in(desk, "backoffice", username)
    desk.goto("/backoffice/changes")
    row = desk.locator(f"tr[data-request='{number}']")
    expect(row).to_be_visible()  # it waits in this approver's queue
    row.locator("a").first.click()
    desk.fill("#comment", f"{username}: 同意")
    desk.click("#decide button[value=approve]")
    expect(desk.locator("#toasts .toast--success")).to_contain_text(number)
    desk.screenshot(path=str(shots / f"backoffice-change-{username}.png"), full_page=True)
    desk.click("form[action='/backoffice/logout'] button")


@pytest.mark.e2e
def test_buyer_changes_the_date_managers_approve_buyer_signs(
    open_page: Any, seeded: Seed, database_url: str, shots: Path
) -> None:
    with_chains(database_url)
    order_no = seeded.orders["c001_submitted"]
    phone = open_page(phone=True)
    sign_in(phone, "portal", "c001-buyer")
    phone.goto(f"/portal/orders/{order_no}")
    phone.click(f"a[href='/portal/orders/{order_no}/changes/new']")
    no_horizontal_scroll(phone)
    # First a bad value: the error shows next to the field and nothing is sent.
    phone.fill("#new_date", "2001-01-01")
    phone.select_option("#reason", "customer_adjustment")
    phone.select_option("#scope", "date_only")
    phone.click("#change-form button[type=submit]")
    expect(phone.locator("#new_date-error")).to_be_visible()
    earlier = today_local() + dt.timedelta(days=20)  # a pull-in: with no routing to check, L2
    phone.fill("#new_date", earlier.isoformat())
    phone.fill("#reason_text", "总装线提前")
    phone.screenshot(path=str(shots / "portal-change-form-375.png"), full_page=True)
    phone.click("#change-form button[type=submit]")
    expect(phone).to_have_url(CR_URL)
    number = CR_URL.search(phone.url).group(1)  # type: ignore[union-attr]
    expect(phone.locator("[data-cr-status=pending]").first).to_be_visible()
    expect(phone.locator("[data-step='1'][data-state=current]")).to_be_visible()
    no_horizontal_scroll(phone)
    phone.screenshot(path=str(shots / "portal-change-pending-375.png"), full_page=True)

    desk = open_page()
    approve(desk, "pmc", number, shots)
    approve(desk, "salesmgr", number, shots)

    phone.reload()
    expect(phone.locator("[data-cr-status=approved]").first).to_be_visible()
    expect(phone.locator("[data-step='2'][data-state=done]")).to_be_visible()
    with phone.expect_response(re.compile(r"/report\.pdf$")) as pdf:
        phone.evaluate("url => fetch(url)", f"/portal/changes/{number}/report.pdf")
    assert pdf.value.headers["content-type"] == "application/pdf"
    phone.fill("#typed_name", "李雷")
    phone.check("input[name=confirm]")
    phone.click("#sign button[type=submit]")
    expect(phone.locator("[data-signed]")).to_be_visible()
    no_horizontal_scroll(phone)
    phone.screenshot(path=str(shots / "portal-change-signed-375.png"), full_page=True)

    phone.goto(f"/portal/orders/{order_no}")
    expect(phone.locator(".dates")).to_contain_text(str(earlier.day))
