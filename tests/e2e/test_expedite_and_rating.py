"""催 and 评 in Chromium: the buyer asks for an earlier date on a phone, PMC answers with an alternative,
the buyer accepts it; the buyer rates a delivery 2 stars and after-sales finds the care ticket."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from domain.base import today_local
from domain.orders.models import SalesOrder
from tests.e2e.conftest import _in_thread, no_horizontal_scroll, sign_in
from tests.seed import Seed


def set_status(database_url: str, order_no: str, status: str) -> None:
    async def go() -> None:
        engine = create_async_engine(database_url, poolclass=NullPool)
        async with engine.begin() as conn:
            await conn.execute(
                update(SalesOrder).where(SalesOrder.order_no == order_no).values(status=status)
            )
        await engine.dispose()

    _in_thread(lambda: asyncio.run(go()))


@pytest.mark.e2e
def test_buyer_expedites_pmc_offers_an_alternative_buyer_accepts(
    open_page: Any, seeded: Seed, shots: Path
) -> None:
    order_no = seeded.orders["c001_in_production"]
    phone = open_page(phone=True)
    sign_in(phone, "portal", "c001-buyer")
    phone.goto(f"/portal/orders/{order_no}")
    phone.click(f"a[href='/portal/orders/{order_no}/expedite']")
    wanted = today_local() + dt.timedelta(days=7)
    phone.fill("#wanted_date", wanted.isoformat())
    phone.fill("#reason", "总装线提前开线")
    phone.click("#expedite-form button[type=submit]")
    request = phone.locator("[data-request][data-status=open]")
    expect(request).to_be_visible()
    no_horizontal_scroll(phone)
    phone.screenshot(path=str(shots / "portal-expedite-375.png"), full_page=True)

    desk = open_page()
    sign_in(desk, "backoffice", "pmc")
    desk.goto("/backoffice/expedite")
    row = desk.locator("tr[data-request]").first
    expect(row).to_contain_text(order_no)
    row.locator("a").first.click()
    desk.click("form[action$='/check'] button")
    expect(desk.locator("#feasibility")).to_be_visible()
    desk.select_option("#outcome", "partial")
    alternative = today_local() + dt.timedelta(days=10)
    desk.fill("#alt_1_date", alternative.isoformat())
    desk.fill("#alt_1_note", "热处理加开一炉")
    desk.fill("#explanation", "热处理本周满负荷")
    desk.fill("#compensation", "运费我方承担")
    desk.click("#answer button[type=submit]")
    expect(desk.locator(".badge--info")).to_be_visible()  # "alternative offered"
    desk.screenshot(path=str(shots / "backoffice-expedite.png"), full_page=True)

    phone.reload()
    offered = phone.locator("[data-request][data-status=offered]")
    expect(offered).to_contain_text("热处理本周满负荷")
    expect(offered).to_contain_text("运费我方承担")
    offered.locator("form[action$='/choose'] button").click()
    expect(phone.locator("[data-request][data-status=agreed]")).to_be_visible()
    phone.goto(f"/portal/orders/{order_no}")
    expect(phone.locator(".dates")).to_contain_text(str(alternative.day))


@pytest.mark.e2e
def test_buyer_rates_two_stars_and_after_sales_sees_the_ticket(
    open_page: Any, seeded: Seed, database_url: str, shots: Path
) -> None:
    order_no = seeded.orders["c001_in_production"]
    set_status(database_url, order_no, "delivered")
    phone = open_page(phone=True)
    sign_in(phone, "portal", "c001-buyer")
    phone.goto(f"/portal/orders/{order_no}")
    phone.click(f"a[href='/portal/orders/{order_no}/rating']")
    phone.click("label[for=delivery_score-4]")  # touch-sized star labels, not the hidden radios
    phone.click("label[for=quality_score-2]")
    phone.click("label[for=service_score-3]")
    phone.fill("#comment", "毛刺多，装配卡滞")
    no_horizontal_scroll(phone)
    phone.screenshot(path=str(shots / "portal-rating-375.png"), full_page=True)
    phone.click("#rating-form button[type=submit]")
    expect(phone.locator(".score[data-score='2']")).to_be_visible()

    desk = open_page()
    sign_in(desk, "backoffice", "aftersales")
    desk.goto("/backoffice/care")
    ticket = desk.locator("tr[data-ticket]")
    expect(ticket).to_have_count(1)
    expect(ticket).to_contain_text(order_no)
    ticket.locator("a").first.click()
    expect(desk.locator("main")).to_contain_text("毛刺多，装配卡滞")
    desk.fill("#resolution", "已电话回访，补发 10 件")
    desk.click("form[action$='/close'] button")
    expect(desk.locator("main")).to_contain_text("已电话回访，补发 10 件")
