"""The API in real Chromium: the admin creates a client and copies its token; the reference page at
/schema draws every operation from local files only, under the CSP, with no request leaving the site."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


def test_admin_creates_a_client_and_the_token_works(open_page: Any, app_url: str, shots: Path) -> None:
    page = open_page()
    sign_in(page, "backoffice", "admin")
    page.click("a[href='/backoffice/api-clients']")
    expect(page).to_have_url(re.compile(r"/backoffice/api-clients$"))
    page.fill("#name", "Kingdee ERP")
    page.click("form.form button[type=submit]")
    token = page.locator("#new-token").input_value()
    assert token.startswith("op_")
    page.screenshot(path=str(shots / "api-clients.png"), full_page=True)
    r = httpx.get(f"{app_url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    # Revoke it from the list (the confirmation is accepted) and the token stops working.
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto("/backoffice/api-clients")
    page.locator("tr[data-client='Kingdee ERP'] button[type=submit]").click()
    expect(page.locator("tr[data-client='Kingdee ERP'] .badge--neutral")).to_be_visible()
    assert (
        httpx.get(f"{app_url}/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )


def test_reference_page_works_offline(open_page: Any, app_url: str, shots: Path) -> None:
    page = open_page(locale="en-US")
    outside: list[str] = []
    page.on(
        "request",
        lambda req: outside.append(req.url) if not req.url.startswith((app_url, "data:", "blob:")) else None,
    )
    page.goto("/schema")
    expect(page.locator(".opblock")).to_have_count(3)
    expect(page.locator(".opblock-summary-path").first).to_contain_text("/api/v1/orders")
    page.screenshot(path=str(shots / "api-docs.png"), full_page=False)
    assert outside == []
