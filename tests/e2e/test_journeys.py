"""The main journeys in real Chromium: a rep enters an order, the customer follows it on a phone.

Assertions lean on what does not change with the language (order numbers, URLs, ``data-status`` /
``data-stage`` codes, component classes), so they hold whether or not the zh_CN catalog is compiled.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from domain.base import today_local
from tests.e2e.conftest import PageProblems, no_horizontal_scroll, sign_in
from tests.seed import Seed

ORDER_URL = re.compile(r"/backoffice/orders/(SO-\d{4}-\d{6})$")


def enter_order(page: Any, seeded: Seed) -> str:
    """Quick entry for C001 with two lines (the second added through htmx); returns the order number."""
    page.click("a[href='/backoffice/orders/new']")
    expect(page).to_have_url(re.compile(r"/backoffice/orders/new$"))
    page.select_option("#customer", str(seeded.customers["C001"]))
    page.fill("#requested_date", (today_local() + dt.timedelta(days=21)).isoformat())
    page.select_option("#product-0", str(seeded.products[0]))
    page.fill("#quantity-0", "120")
    page.click("[data-add-line]")
    expect(page.locator("[data-line]")).to_have_count(2)
    page.select_option("#product-1", str(seeded.products[1]))
    page.fill("#quantity-1", "8")
    page.click("button[name=action][value=submit]")
    expect(page).to_have_url(ORDER_URL)
    match = ORDER_URL.search(page.url)
    assert match
    return match.group(1)


@pytest.mark.e2e
def test_rep_enters_order_and_buyer_follows_it_on_a_phone(open_page: Any, seeded: Seed, shots: Path) -> None:
    # 1. The sales rep enters the order at the desk.
    desk = open_page()
    sign_in(desk, "backoffice", "sales")
    order_no = enter_order(desk, seeded)
    expect(desk.locator("#toasts .toast--success")).to_contain_text(order_no)  # first: it fades after 6 s
    title = desk.locator("h1.page__title")
    expect(title).to_contain_text(order_no)
    badge = title.locator(".badge[data-status=submitted]")
    expect(badge).to_be_visible()
    expect(badge).to_have_class(re.compile(r"\bbadge--info\b"))
    expect(desk.locator(".detail__lines table.table tbody tr")).to_have_count(2)
    assert desk.locator("header.topbar").count() == 1, "the order page must not be nested in the form"

    # 2. The customer's buyer finds it on a phone, by searching for its number.
    phone = open_page(phone=True)
    sign_in(phone, "portal", "c001-buyer")
    cards = phone.locator("#order-list .order-card")
    expect(cards.first).to_be_visible()
    assert cards.count() > 1
    phone.evaluate("window.__noReload = true")
    phone.fill("#po", order_no)
    expect(cards).to_have_count(1)
    expect(cards).to_contain_text(order_no)
    assert phone.evaluate("window.__noReload === true"), "the search reloaded the page instead of swapping"
    no_horizontal_scroll(phone)

    cards.first.click()
    expect(phone).to_have_url(re.compile(rf"/portal/orders/{order_no}$"))
    expect(phone.locator(".order-head .badge[data-stage=received]")).to_have_class(
        re.compile(r"\bbadge--info\b")
    )
    current = phone.locator(".steps__item--current")
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("data-stage", "received")
    expect(phone.locator(".line-card")).to_have_count(2)
    phone.screenshot(path=shots / "portal-order-375.png", full_page=True)
    no_horizontal_scroll(phone)
    assert phone.viewport_size == {"width": 375, "height": 812}


@pytest.mark.e2e
def test_buyer_cannot_open_another_customers_order(open_page: Any, seeded: Seed) -> None:
    phone = open_page(phone=True)
    sign_in(phone, "portal", "c001-buyer")
    response = phone.goto(f"/portal/orders/{seeded.orders['c002_submitted']}")
    assert response is not None
    assert response.status == 404
    expect(phone.locator(".error-card__code")).to_have_text("404")
    foreign = phone.content()
    assert "PO-C002-1" not in foreign
    assert "苏州恒驰" not in foreign
    no_horizontal_scroll(phone)

    # Indistinguishable from an order that does not exist at all.
    response = phone.goto("/portal/orders/SO-2099-999999")
    assert response is not None
    assert response.status == 404
    assert phone.locator(".error-card__title").inner_text() in foreign


@pytest.mark.e2e
def test_order_list_filters_in_place(open_page: Any, seeded: Seed, page_problems: PageProblems) -> None:
    desk = open_page()
    sign_in(desk, "backoffice", "sales")
    rows = desk.locator("#order-table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 4
    desk.evaluate("window.__noReload = true")
    target = seeded.orders["c002_submitted"]
    desk.fill("#q", target)
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(target)
    assert desk.evaluate("window.__noReload === true"), "the filter reloaded the page instead of swapping"
    expect(desk).to_have_url(re.compile(rf"[?&]q={target}"))  # pushed, so reload and back keep the filter

    desk.select_option("#status", "cancelled")
    expect(desk.locator("#order-table .empty")).to_be_visible()
    assert desk.evaluate("window.__noReload === true")

    # The server cannot be reached: a toast says so, instead of nothing happening.
    page_problems.allow("htmx:sendError", "htmx:afterRequest")
    desk.route(re.compile(r"/backoffice/orders\?"), lambda route: route.abort())
    desk.select_option("#status", "draft")
    expect(desk.locator("#toasts .toast--danger")).to_be_visible()


@pytest.mark.e2e
def test_manager_confirms_a_submitted_order(open_page: Any, seeded: Seed) -> None:
    desk = open_page()
    sign_in(desk, "backoffice", "salesmgr")
    order_no = seeded.orders["c001_submitted"]
    desk.goto(f"/backoffice/orders/{order_no}")
    expect(desk.locator("h1 .badge[data-status=submitted]")).to_be_visible()
    desk.click("#actions button[name=action][value=confirm]")
    toast = desk.locator("#toasts .toast--success")
    expect(toast).to_contain_text(order_no)
    toast.locator("[data-dismiss]").click()  # before it fades by itself
    expect(toast).to_have_count(0)
    expect(desk.locator("h1 .badge[data-status=confirmed]")).to_be_visible()
    expect(desk.locator(".timeline__item").first.locator(".badge[data-status=confirmed]")).to_be_visible()
    assert desk.locator("header.topbar").count() == 1, "the order page must not be nested in the actions card"


@pytest.mark.e2e
def test_quick_entry_shows_errors_next_to_fields(open_page: Any, seeded: Seed) -> None:
    desk = open_page()
    sign_in(desk, "backoffice", "sales")
    desk.goto("/backoffice/orders/new")
    desk.select_option("#product-0", str(seeded.products[0]))
    desk.fill("#quantity-0", "-3")
    desk.click("button[name=action][value=submit]")
    expect(desk.locator("#entry-form .alert--danger")).to_be_visible()
    expect(desk.locator("#customer")).to_have_attribute("aria-invalid", "true")
    expect(desk.locator("#quantity-0")).to_have_attribute("aria-invalid", "true")
    expect(desk.locator("#product-0")).to_have_value(str(seeded.products[0]))  # what was typed stays
    expect(desk).to_have_url(re.compile(r"/backoffice/orders/new$"))


@pytest.mark.e2e
def test_quick_entry_lines_can_be_removed_and_added_again(open_page: Any, seeded: Seed) -> None:
    desk = open_page()
    sign_in(desk, "backoffice", "sales")
    desk.goto("/backoffice/orders/new")
    rows = desk.locator("[data-line]")
    for count in (2, 3):
        desk.click("[data-add-line]")
        expect(rows).to_have_count(count)
    rows.nth(1).locator("[data-remove-line]").click()
    expect(rows).to_have_count(2)
    desk.click("[data-add-line]")
    expect(rows).to_have_count(3)
    ids = desk.eval_on_selector_all("[data-line] select", "els => els.map(e => e.id)")
    assert len(set(ids)) == 3, f"duplicate ids after remove/add: {ids}"
    expect(desk.locator("[data-line] .line-row__no")).to_have_text(["1", "2", "3"])


@pytest.mark.e2e
def test_wrong_password_shows_the_form_again(open_page: Any) -> None:
    phone = open_page(phone=True)
    phone.goto("/portal/login")
    phone.fill("#username", "c001-buyer")
    phone.fill("#password", "not the password")
    with phone.expect_response(lambda r: r.request.method == "POST") as answer:
        phone.click("form.auth__card button[type=submit]")
    assert answer.value.status == 401
    assert answer.value.headers["content-type"].startswith("text/html")
    expect(phone.locator(".auth__card .alert--danger")).to_be_visible()
    expect(phone.locator("#username")).to_have_value("c001-buyer")
    no_horizontal_scroll(phone)
