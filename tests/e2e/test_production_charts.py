"""The production charts in real Chromium: a buyer's phone draws the order Gantt (SVG bars, today line,
late stages in the danger colour) without sideways page scroll; the planner's heat map draws."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PageProblems, _in_thread, no_horizontal_scroll, sign_in
from tests.seed import Seed
from tests.web.test_production_charts import plan

# Set GANTT_SHOTS=/some/dir to keep the screenshots for a look.
KEEP = os.environ.get("GANTT_SHOTS")


def _keep(path: Path) -> None:
    if KEEP:
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(KEEP) / path.name)


@pytest.mark.e2e
def test_buyer_sees_the_order_gantt_on_a_phone(
    open_page: Any, seeded: Seed, database_url: str, shots: Path
) -> None:
    order_no = seeded.orders["c001_in_production"]
    _in_thread(lambda: plan(database_url, order_no, stages=4))
    phone = open_page(phone=True)
    sign_in(phone, "portal", "c001-buyer")
    phone.goto(f"/portal/orders/{order_no}")
    section = phone.locator("#gantt")
    section.scroll_into_view_if_needed()
    chart = section.locator(".gantt__chart")
    expect(chart.locator("svg.main-svg").first).to_be_visible()
    bars = chart.locator("g.barlayer g.point path")
    expect(bars.first).to_be_visible()
    # Four planned bars, and actual bars for the two stages started (one done, one running).
    assert bars.count() == 6
    expect(chart.locator("g.shapelayer path")).to_have_count(1)  # the today line
    # Stage 1 (started the day before yesterday's plan, 1 of 60 done) is late: red in the list too.
    expect(section.locator(".gantt__stage--late")).to_have_count(1)
    expect(section.locator(".gantt__stage").nth(1)).to_have_class(re.compile(r"gantt__stage--late"))
    expect(section.locator(".gantt__stage").first).to_contain_text("工序0")
    expect(section.locator(".gantt__legend")).to_be_visible()
    no_horizontal_scroll(phone)
    shot = shots / "portal-gantt-375.png"
    section.screenshot(path=str(shot))
    _keep(shot)


@pytest.mark.e2e
def test_an_unconfirmed_order_shows_when_planning_happens(open_page: Any, seeded: Seed) -> None:
    phone = open_page(phone=True, locale="en-US")
    sign_in(phone, "portal", "c001-buyer")
    phone.goto(f"/portal/orders/{seeded.orders['c001_submitted']}")
    phone.locator("#gantt").scroll_into_view_if_needed()
    expect(phone.locator("#gantt .gantt__empty")).to_be_visible()
    assert phone.locator("#gantt svg").count() == 0
    no_horizontal_scroll(phone)


@pytest.mark.e2e
def test_planner_sees_the_load_heat_map_and_work_center_gantt(
    open_page: Any, seeded: Seed, database_url: str, shots: Path, page_problems: PageProblems
) -> None:
    _in_thread(lambda: plan(database_url, seeded.orders["c001_in_production"]))
    desk = open_page()
    sign_in(desk, "backoffice", "pmc")
    desk.click("a[href='/backoffice/production/gantt']")
    expect(desk.locator("[data-center-gantt] g.barlayer g.point path").first).to_be_visible()
    shot = shots / "backoffice-gantt.png"
    desk.screenshot(path=str(shot), full_page=True)
    _keep(shot)
    assert not page_problems.items, page_problems.items  # the work-center Gantt alone is clean
    desk.goto("/backoffice/production/load")
    heat = desk.locator("[data-load-heatmap]")
    expect(heat.locator("g.hm image, g.hm").first).to_be_attached()
    expect(heat.locator("svg.main-svg").first).to_be_visible()
    shot = shots / "backoffice-load.png"
    desk.screenshot(path=str(shot), full_page=True)
    _keep(shot)
