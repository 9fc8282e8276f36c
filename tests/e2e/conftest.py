"""Browser tests: the real app in a subprocess (uvicorn) on the test database, driven by Debian's Chromium.

The server starts once per run against the database the ``database_url`` fixture migrated (SQLite
file, or a scratch database on the PostgreSQL server DATABASE_URL names); every test asks for
``seeded``, which wipes and seeds that database, so each test starts from the same factory.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from domain.parties.auth import configure_hasher
from tests.conftest import _reset_and_seed
from tests.e2e.server import CHROMIUM, launch_chromium, run_app
from tests.seed import PASSWORD, Seed

T = TypeVar("T")

DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {
    "viewport": {"width": 375, "height": 812},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 1,
}


def _in_thread(fn: Callable[[], T]) -> T:
    """Run ``fn`` in a worker thread. Sync Playwright keeps an asyncio loop running in this thread while
    the browser is open, and the database helpers call ``asyncio.run``, which refuses a running loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


@pytest.fixture(scope="package")
def chromium_present() -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="package")
def live_server(
    chromium_present: None, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app under uvicorn, started once for the e2e package and stopped after it."""
    with run_app(database_url, tmp_path_factory.mktemp("server") / "app.log") as url:
        yield url


@pytest.fixture(scope="package")
def browser(chromium_present: None, database_url: str) -> Iterator[Any]:
    """One headless Chromium for the package; package scope so its event loop is gone before
    tests/unit and tests/web (which run their own loops) start. It asks for ``database_url`` so the
    migration (which calls ``asyncio.run``) has finished before Playwright's loop starts."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def seeded(database_url: str) -> Seed:
    """Overrides tests/conftest.py's ``seeded``: the same wipe-and-seed, off Playwright's thread."""
    configure_hasher(1, 1024)
    return _in_thread(lambda: asyncio.run(_reset_and_seed(database_url)))


@pytest.fixture
def app_url(live_server: str, seeded: Seed) -> str:
    """The running app's base URL, on a freshly seeded database."""
    return live_server


class PageProblems:
    """What a page must never do: throw, break the CSP, or fail to load its own CSS/JS."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self.allowed: tuple[str, ...] = ()

    def allow(self, *prefixes: str) -> None:
        """Console errors a test provokes on purpose (e.g. htmx logging a request that could not be sent)."""
        self.allowed += prefixes

    def watch(self, page: Any) -> None:
        page.on("pageerror", lambda exc: self.items.append(f"JS error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # "Failed to load resource" is also logged for the 404/403 pages the tests visit on purpose;
        # static files are checked by _response instead.
        text = message.text
        if (
            message.type == "error"
            and "Failed to load resource" not in text
            and not text.startswith(self.allowed)
        ):
            self.items.append(f"console: {text}")

    def _response(self, response: Any) -> None:
        if "/static/" in response.url and response.status >= 400:
            self.items.append(f"{response.status} {response.url}")


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def open_page(app_url: str, browser: Any, page_problems: PageProblems) -> Iterator[Callable[..., Any]]:
    """``open_page(phone=False)`` → a page in a fresh context (its own cookies), Chinese locale.
    At the end the test fails if any page threw, logged an error or missed one of its static files."""
    contexts: list[Any] = []
    problems = page_problems

    def factory(*, phone: bool = False, locale: str = "zh-CN") -> Any:
        context = browser.new_context(base_url=app_url, locale=locale, timezone_id="Asia/Shanghai",
                                      **(PHONE if phone else DESKTOP))  # fmt: skip
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        problems.watch(page)
        return page

    yield factory
    for context in contexts:
        context.close()
    assert not problems.items, "\n".join(problems.items)


def sign_in(page: Any, face: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the face's login form and wait until its order list is showing."""
    from playwright.sync_api import expect

    page.goto(f"/{face}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("form.auth__card button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/{face}/orders$"))


def no_horizontal_scroll(page: Any, width: int = 375) -> None:
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways: {scroll_width}px wide at {width}px"


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where a test leaves its screenshots (pytest's per-test temporary directory)."""
    return tmp_path
