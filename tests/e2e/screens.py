"""Screenshots of every page of both faces, at phone (375×812) and desktop (1366×900) width, to look at.

    python -m tests.e2e.screens OUTDIR                      # starts the app itself on $DATABASE_URL
    python -m tests.e2e.screens OUTDIR --url http://127.0.0.1:8000    # or uses a server already running

It seeds nothing: point it at a database holding the test seed or the demo factory (`make demo`); both
have the accounts used here (sales, warehouse, c001-buyer; password "orderpulse"). The only thing it
writes is one draft order saved through quick entry, to show the success toast (``--read-only`` skips
it). Error pages are reached without writing: a stale version or a missing CSRF token is put into the
request on its way out. For each shot it prints sideways overflow and, on the phone, tap targets
smaller than 40 px.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from config import VAR_DIR
from tests.e2e.server import launch_chromium, run_app

SIZES = {
    375: {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    1366: {"viewport": {"width": 1366, "height": 900}},
}
MISSING_ORDER = "SO-0000-000000"

AUDIT = """() => {
  const doc = document.documentElement;
  const small = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')) {
    const r = el.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(el).visibility === 'hidden') continue;
    if (el.closest('p, li.timeline__item') && el.tagName === 'A' && !el.classList.contains('btn')) continue; // links in running text
    if (r.height < 40 || r.width < 40) {
      const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 20);
      small.push(`${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} "${text}" ${Math.round(r.width)}x${Math.round(r.height)}`);
    }
  }
  return {scrollWidth: doc.scrollWidth, width: doc.clientWidth, small};
}"""


class Tour:
    def __init__(
        self, browser: Any, url: str, out: Path, *, password: str, read_only: bool, fold: bool, locale: str
    ) -> None:
        self.browser, self.url, self.out, self.password = browser, url, out, password
        self.read_only, self.fold, self.locale = read_only, fold, locale
        self.problems: list[str] = []

    @contextmanager
    def page(self, width: int, *, javascript: bool = True) -> Iterator[Any]:
        context = self.browser.new_context(base_url=self.url, locale=self.locale, timezone_id="Asia/Shanghai",
                                           java_script_enabled=javascript, **SIZES[width])  # fmt: skip
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.problems.append(f"JS error on {page.url}: {exc}"))
        try:
            yield page
        finally:
            context.close()

    def shot(self, page: Any, name: str, width: int) -> None:
        page.wait_for_load_state("networkidle")
        page.evaluate("window.scrollTo(0, 0)")  # sticky bar and toasts drawn where a reader first sees them
        path = self.out / f"{name}-{width}.png"
        page.screenshot(path=path, full_page=True, animations="disabled")
        if self.fold:
            page.screenshot(path=self.out / f"{name}-{width}-fold.png", animations="disabled")
        audit = page.evaluate(AUDIT)
        notes = []
        if audit["scrollWidth"] > audit["width"]:
            notes.append(f"OVERFLOW {audit['scrollWidth']}px > {audit['width']}px")
        if width < 600 and audit["small"]:
            notes.append("small targets: " + "; ".join(audit["small"]))
        print(f"{path.name:<36} {page.url.replace(self.url, '')}" + ("".join(f"\n    {n}" for n in notes)))
        if notes and audit["scrollWidth"] > audit["width"]:
            self.problems.append(f"{path.name}: {notes[0]}")

    def sign_in(self, page: Any, face: str, username: str, password: str | None = None) -> None:
        page.goto(f"/{face}/login")
        page.fill("#username", username)
        page.fill("#password", password or self.password)
        page.click("form.auth__card button[type=submit]")
        if password is None:
            page.wait_for_url(re.compile(rf"/{face}/orders"))

    @staticmethod
    def first_link(page: Any, path: str, selector: str) -> bool:
        page.goto(path)
        link = page.locator(selector).first
        if not link.count():
            return False
        link.click()
        page.wait_for_load_state()
        return True

    @staticmethod
    def rewrite_form(page: Any, pattern: str, change: Callable[[dict[str, str]], None]) -> None:
        """Change the next form post matching ``pattern`` on its way to the server."""

        def handle(route: Any) -> None:
            fields = dict(parse_qsl(route.request.post_data or "", keep_blank_values=True))
            change(fields)
            route.continue_(post_data=urlencode(fields))

        page.route(pattern, handle, times=1)

    # --- back office ---

    def backoffice(self, width: int) -> None:
        with self.page(width) as page:
            page.goto("/backoffice/login")
            self.shot(page, "bo-login", width)
            self.sign_in(page, "backoffice", "sales", password="wrong password")
            self.shot(page, "bo-login-error", width)
            self.sign_in(page, "backoffice", "sales")
            self.shot(page, "bo-orders", width)
            page.goto("/backoffice/orders?q=no-such-order")
            self.shot(page, "bo-orders-empty", width)
            if self.first_link(page, "/backoffice/orders?status=in_production", "#order-table tbody a"):
                self.shot(page, "bo-order-in-production", width)
            if self.first_link(page, "/backoffice/orders?status=submitted", "#order-table tbody a"):
                self.shot(page, "bo-order-submitted", width)
                page.click("#actions button[value=cancel]")  # a cancel needs a reason: 422 next to the field
                page.wait_for_selector("#actions .field--invalid")
                self.shot(page, "bo-order-action-error", width)
                page.fill("#comment", "screens.py: stale version, changes nothing")
                self.rewrite_form(page, "**/transition", lambda f: f.update(version="0"))
                page.click("#actions button[value=cancel]")
                page.wait_for_selector("#toasts .toast--danger")
                self.shot(page, "bo-409-toast", width)
            page.goto("/backoffice/orders/new")
            self.shot(page, "bo-new", width)
            self.fill_entry(page)
            self.shot(page, "bo-new-lines", width)
            page.select_option("#customer", "")
            page.fill("#quantity-1", "-5")
            page.click("button[name=action][value=submit]")
            page.wait_for_selector("#entry-form .alert--danger")
            self.shot(page, "bo-new-errors", width)
            if not self.read_only:
                page.select_option("#customer", index=1)
                page.fill("#quantity-1", "5")
                page.click("button[name=action][value=save]")
                page.wait_for_selector("#toasts .toast--success")
                self.shot(page, "bo-saved-toast", width)
            page.goto(f"/backoffice/orders/{MISSING_ORDER}")
            self.shot(page, "bo-404", width)
        with self.page(width, javascript=False) as page:  # every page must read without JavaScript
            self.sign_in(page, "backoffice", "sales")
            self.shot(page, "bo-orders-nojs", width)
            page.goto("/backoffice/orders/new")
            page.click("button[name=action][value=submit]")
            self.shot(page, "bo-new-errors-nojs", width)
            if self.first_link(page, "/backoffice/orders?status=submitted", "#order-table tbody a"):
                page.fill("#comment", "screens.py: stale version, changes nothing")
                self.rewrite_form(page, "**/transition", lambda f: f.update(version="0"))
                page.click("#actions button[value=cancel]")
                self.shot(page, "bo-409", width)
        with self.page(width) as page:
            self.sign_in(page, "backoffice", "warehouse")
            page.goto("/backoffice/orders/new")
            self.shot(page, "bo-403", width)

    @staticmethod
    def fill_entry(page: Any) -> None:
        page.select_option("#customer", index=1)
        page.fill("#requested_date", (dt.date.today() + dt.timedelta(days=30)).isoformat())
        page.fill("#customer_po", "PO-SCREENS-" + dt.datetime.now().strftime("%H%M%S"))
        for i in range(3):
            if i:
                page.click("[data-add-line]")
                page.wait_for_selector(f"#product-{i}")
            page.select_option(f"#product-{i}", index=i + 1)
            page.fill(f"#quantity-{i}", str(100 * (i + 1)))
        page.fill("#special_requirements", "每箱 50 件，外箱贴客户料号标签；随货附材质证明。")

    # --- portal ---

    def portal(self, width: int) -> None:
        with self.page(width) as page:
            page.goto("/portal/login")
            self.shot(page, "portal-login", width)
            self.sign_in(page, "portal", "c001-buyer", password="wrong password")
            self.shot(page, "portal-login-error", width)
            self.sign_in(page, "portal", "c001-buyer")
            self.shot(page, "portal-orders", width)
            page.goto("/portal/orders?po=no-such-order")
            self.shot(page, "portal-orders-empty", width)
            for stage in ("received", "production", "shipped", "on_hold", "cancelled"):
                if self.first_link(page, f"/portal/orders?stage={stage}", "#order-list .order-card"):
                    self.shot(page, f"portal-order-{stage}", width)
            page.goto(f"/portal/orders/{MISSING_ORDER}")
            self.shot(page, "portal-404", width)
        with self.page(width, javascript=False) as page:
            self.sign_in(page, "portal", "c001-buyer")
            self.shot(page, "portal-orders-nojs", width)
        with self.page(width, javascript=False) as page:
            page.goto("/portal/login")
            page.fill("#username", "c001-buyer")
            page.fill("#password", self.password)
            self.rewrite_form(page, "**/portal/login", lambda f: f.update(_csrf_token="expired"))
            page.click("form.auth__card button[type=submit]")
            self.shot(page, "portal-403", width)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.screens", description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--url", help="a running OrderPulse; default: start one on $DATABASE_URL")
    parser.add_argument("--password", default="orderpulse")
    parser.add_argument("--read-only", action="store_true", help="do not save the draft order")
    parser.add_argument("--fold", action="store_true", help="also save the first screen alone (*-fold.png)")
    parser.add_argument("--locale", default="zh-CN", help="the browser's language (zh-CN or en-US)")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with contextmanager(_server)(args.url) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        tour = Tour(
            browser,
            url,
            args.outdir,
            password=args.password,
            read_only=args.read_only,
            fold=args.fold,
            locale=args.locale,
        )
        for width in SIZES:
            tour.backoffice(width)
            tour.portal(width)
        browser.close()
    for problem in tour.problems:
        print("PROBLEM", problem)
    return 1 if tour.problems else 0


def _server(url: str | None) -> Iterator[str]:
    if url:
        yield url.rstrip("/")
        return
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'orderpulse.db'}"
    with tempfile.TemporaryDirectory() as tmp, run_app(database_url, Path(tmp) / "app.log") as started:
        yield started


if __name__ == "__main__":
    sys.exit(main())
