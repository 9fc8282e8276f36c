"""The health check (for the load balancer) and the language: zh_CN by default, en on request."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.support import Translations
from litestar import Litestar
from litestar.testing import TestClient

from tests.web.conftest import BASE_URL, make_app
from web.i18n import TRANSLATIONS_DIR

ZH_MO = Path(TRANSLATIONS_DIR) / "zh_CN" / "LC_MESSAGES" / "messages.mo"


@pytest.fixture(scope="module")
def plain_client(database_url: str) -> Iterator[TestClient[Litestar]]:
    """No data needed: these pages read nothing but the request (and `SELECT 1`)."""
    with TestClient(app=make_app(database_url), base_url=BASE_URL) as c:
        yield c


@pytest.fixture
def browser(plain_client: TestClient[Litestar]) -> TestClient[Litestar]:
    """A fresh browser that states no language preference."""
    plain_client.cookies.clear()
    return plain_client


# --- health --------------------------------------------------------------------------------------------


def test_health_is_200_json_when_the_database_answers(browser: TestClient[Litestar]) -> None:
    response = browser.get("/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:////nonexistent-dir/orderpulse.db",
        "postgresql+asyncpg://postgres@127.0.0.1:1/orderpulse",  # nothing listens on port 1
    ],
    ids=["sqlite-missing-directory", "postgresql-closed-port"],
)
def test_health_is_503_json_when_the_database_is_unreachable(url: str) -> None:
    with TestClient(app=make_app(url), base_url=BASE_URL) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


# --- language ------------------------------------------------------------------------------------------


def test_the_default_language_is_simplified_chinese(browser: TestClient[Litestar]) -> None:
    for path in ("/portal/login", "/backoffice/login"):
        response = browser.get(path)
        assert response.status_code == 200
        assert '<html lang="zh-CN">' in response.text
        assert 'href="/lang/en?next=' in response.text  # the switch offers the other language


@pytest.mark.parametrize(
    ("msgid", "path"), [("Sign in", "/portal/login"), ("Staff sign-in", "/backoffice/login")]
)
def test_the_default_pages_read_in_chinese_once_the_catalog_is_compiled(
    browser: TestClient[Litestar], msgid: str, path: str
) -> None:
    if not ZH_MO.exists():
        pytest.skip("translations/zh_CN/LC_MESSAGES/messages.mo is not compiled (run `make translations`)")
    chinese = Translations.load(str(TRANSLATIONS_DIR), ["zh_CN"]).gettext(msgid)
    if chinese == msgid:
        pytest.skip(f"{msgid!r} is not translated in the compiled zh_CN catalog yet")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in chinese)
    text = browser.get(path).text
    assert chinese in text
    assert f">{msgid}<" not in text


@pytest.mark.parametrize(
    ("accept", "lang"),
    [
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("zh-TW", "zh-CN"),
        ("fr-FR,fr;q=0.9", "zh-CN"),
        ("", "zh-CN"),
    ],
)
def test_accept_language_chooses_the_language(browser: TestClient[Litestar], accept: str, lang: str) -> None:
    response = browser.get("/portal/login", headers={"Accept-Language": accept})
    assert f'<html lang="{lang}">' in response.text
    if lang == "en":
        assert ">Sign in<" in response.text


def test_the_language_switch_sets_a_cookie_that_beats_accept_language(browser: TestClient[Litestar]) -> None:
    response = browser.get("/lang/en", params={"next": "/portal/orders"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/portal/orders")
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("op_lang="))
    assert cookie.startswith("op_lang=en;")
    page = browser.get("/portal/login", headers={"Accept-Language": "zh-CN"})
    assert '<html lang="en">' in page.text
    assert ">Sign in<" in page.text

    browser.get("/lang/zh_CN", params={"next": "/portal/login"}, follow_redirects=False)
    page = browser.get("/portal/login", headers={"Accept-Language": "en"})
    assert '<html lang="zh-CN">' in page.text


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/portal/orders", "/portal/orders"),
        ("/portal/orders/SO-2026-000001", "/portal/orders/SO-2026-000001"),
        ("/backoffice/orders?status=confirmed", "/backoffice/orders?status=confirmed"),
        ("https://evil.com/portal/orders", "/portal/orders"),
        ("//evil.com", "/portal/orders"),
        ("/\\evil.com", "/portal/orders"),
        ("javascript:alert(1)", "/portal/orders"),
        ("", "/portal/orders"),
    ],
)
def test_the_language_switch_only_returns_to_paths_on_this_site(
    browser: TestClient[Litestar], target: str, location: str
) -> None:
    response = browser.get("/lang/en", params={"next": target}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, location)


def test_an_unknown_language_changes_nothing(browser: TestClient[Litestar]) -> None:
    response = browser.get("/lang/xx", params={"next": "/portal/login"}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/portal/login")
    assert not any(h.startswith("op_lang=") for h in response.headers.get_list("set-cookie"))
    browser.cookies.set("op_lang", "xx", domain="testserver.local")  # a forged cookie falls back too
    assert '<html lang="zh-CN">' in browser.get("/portal/login").text
