"""The team lead's journey in real Chromium: start an operation, report a quantity, finish it; on the key
inspection step, finishing without a photo is refused next to the form, a photo is uploaded, and then
the operation finishes. Every step swaps the operation card through htmx (no page reload)."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from domain.actors import Actor
from domain.orders.models import SalesOrder
from domain.production.jobs import plan_jobs
from domain.production.models import JobOperation, WorkCenter
from tests.e2e.conftest import _in_thread, sign_in
from tests.floor import build_floor
from tests.seed import Seed


def _prepare(database_url: str, seed: Seed) -> tuple[int, int]:
    """The test floor (the lead leads both work centers here), order c002_submitted confirmed and planned."""

    async def go() -> tuple[int, int]:
        engine = create_async_engine(database_url, poolclass=NullPool)
        async with AsyncSession(engine, expire_on_commit=False) as s:
            floor = await build_floor(s, seed)
            await s.execute(
                update(WorkCenter).where(WorkCenter.id == floor.insp).values(team_lead_id=floor.lead_id)
            )
            order = await s.scalar(
                select(SalesOrder).where(SalesOrder.order_no == seed.orders["c002_submitted"])
            )
            assert order is not None
            order.status = "confirmed"
            await s.flush()
            await plan_jobs(s, order, Actor(kind="system", id=None, name="test"))
            ops = list(
                await s.scalars(
                    select(JobOperation.id)
                    .where(JobOperation.order_id == order.id)
                    .order_by(JobOperation.seq)
                )
            )
            await s.commit()
        await engine.dispose()
        return ops[0], ops[1]

    return _in_thread(lambda: asyncio.run(go()))


@pytest.mark.e2e
def test_team_lead_starts_reports_photographs_and_finishes(
    open_page: Any, seeded: Seed, database_url: str, tmp_path: Path
) -> None:
    turn_id, insp_id = _prepare(database_url, seeded)
    page = open_page(locale="en")
    sign_in(page, "backoffice", "lead")
    page.click("a.topnav__item[href='/backoffice/shopfloor']")
    expect(page.locator(".wc-card")).to_have_count(2)
    page.screenshot(path=tmp_path / "work-centers.png", full_page=True, caret="initial")
    page.click(".wc-card >> text=车床")
    expect(page.locator(f"tr[data-operation='{turn_id}']")).to_be_visible()
    page.screenshot(path=tmp_path / "queue.png", full_page=True, caret="initial")
    page.click(f"tr[data-operation='{turn_id}'] a")
    expect(page).to_have_url(re.compile(rf"/backoffice/shopfloor/operations/{turn_id}$"))
    card = page.locator("#op-card")
    expect(card).to_have_attribute("data-op-status", "pending")
    page.evaluate("window.__noReload = true")

    card.get_by_role("button", name="Start").click()
    expect(page.locator("#op-card")).to_have_attribute("data-op-status", "running")
    assert page.evaluate("window.__noReload === true"), "starting reloaded the page"
    page.fill("#quantity_done", "25")
    page.get_by_role("button", name="Report quantity").click()
    expect(page.locator("[data-quantity-done]")).to_have_text("25")
    assert page.evaluate("window.__noReload === true"), "reporting reloaded the page"
    page.fill("#finish-quantity", "40")
    page.get_by_role("button", name="Finish").click()
    expect(page.locator("#op-card")).to_have_attribute("data-op-status", "done")
    assert page.evaluate("window.__noReload === true"), (
        "a step reloaded the page instead of swapping the card"
    )

    # The key operation: inspection.
    page.goto(f"/backoffice/shopfloor/operations/{insp_id}")
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#op-card")).to_have_attribute("data-op-status", "running")
    page.get_by_role("button", name="Finish").click()
    expect(page.locator("#photo-error")).to_be_visible()  # photo required, shown by the upload field
    expect(page.locator("#op-card")).to_have_attribute("data-op-status", "running")

    image = tmp_path / "first-article.png"
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), "silver").save(buffer, "PNG")
    image.write_bytes(buffer.getvalue())
    page.set_input_files("#photo", str(image))
    page.fill("#caption", "首件检验")
    page.get_by_role("button", name="Upload photo").click()
    expect(page.locator(".photo-strip li")).to_have_count(1)
    expect(page.locator(".photo-strip")).to_contain_text("首件检验")
    page.screenshot(path=tmp_path / "operation-card.png", full_page=True, caret="initial")
    page.get_by_role("button", name="Finish").click()
    expect(page.locator("#op-card")).to_have_attribute("data-op-status", "done")

    # The order page shows the production section with both stages done.
    page.goto(f"/backoffice/orders/{seeded.orders['c002_submitted']}")
    section = page.locator("#production table")
    expect(section).to_be_visible()
    expect(section.locator("[data-op-status=done]")).to_have_count(2)
    page.screenshot(path=tmp_path / "order-production.png", full_page=True, caret="initial")
