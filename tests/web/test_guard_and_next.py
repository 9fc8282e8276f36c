"""The sign-in guard on every page, and where sign-in leads (`next`, never off the site or the face).

Sign-ins only add sessions and successful attempts, so the module shares one seed and one app; each
test starts with an empty cookie jar.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from domain.parties.auth import configure_hasher
from tests.conftest import _reset_and_seed
from tests.helpers import post_form, sign_in_staff
from tests.seed import PASSWORD, Seed
from tests.web.conftest import english_client, make_app
from web.auth import PORTAL, STAFF, safe_next


@pytest.fixture(scope="module")
def shared(database_url: str) -> Seed:
    import asyncio

    configure_hasher(1, 1024)
    return asyncio.run(_reset_and_seed(database_url))


@pytest.fixture(scope="module")
def shared_client(database_url: str, shared: Seed) -> Iterator[TestClient[Litestar]]:
    # One client (one event loop) for the module: the app's pooled connections belong to its loop.
    with english_client(make_app(database_url)) as c:
        yield c


@pytest.fixture
def browser(shared_client: TestClient[Litestar]) -> TestClient[Litestar]:
    """A fresh browser: no cookies from the previous test."""
    shared_client.cookies.clear()
    return shared_client


def login(client: TestClient[Any], face: str, username: str, password: str = PASSWORD, **extra: str) -> Any:
    prefix = "/backoffice" if face == "staff" else "/portal"
    return post_form(client, f"{prefix}/login", {"username": username, "password": password, **extra})


def location_next(response: Any) -> tuple[str, str | None]:
    parts = urlsplit(response.headers["location"])
    values = parse_qs(parts.query).get("next")
    return parts.path, values[0] if values else None


# --- the guard -----------------------------------------------------------------------------------------

GUARDED = [
    ("/backoffice/orders", "/backoffice/login"),
    ("/backoffice/orders?status=confirmed&page=2", "/backoffice/login"),
    ("/backoffice/orders/new", "/backoffice/login"),
    ("/backoffice/orders/new/line?index=3", "/backoffice/login"),
    ("/backoffice/orders/{c001_submitted}", "/backoffice/login"),
    ("/portal/orders", "/portal/login"),
    ("/portal/orders?stage=production&po=PO", "/portal/login"),
    ("/portal/orders/{c001_submitted}", "/portal/login"),
]


@pytest.mark.parametrize(("path", "login_path"), GUARDED)
def test_every_page_sends_a_stranger_to_the_right_sign_in_with_next(
    browser: TestClient[Litestar], shared: Seed, path: str, login_path: str
) -> None:
    path = path.format(**shared.orders)
    response = browser.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert location_next(response) == (login_path, path)


@pytest.mark.parametrize(("path", "login_path"), GUARDED[:1] + GUARDED[5:6])
def test_htmx_gets_the_sign_in_as_a_client_side_redirect(
    browser: TestClient[Litestar], shared: Seed, path: str, login_path: str
) -> None:
    response = browser.get(path, headers={"HX-Request": "true"}, follow_redirects=False)
    assert response.status_code == 401
    parts = urlsplit(response.headers["HX-Redirect"])
    assert (parts.path, parse_qs(parts.query)["next"]) == (login_path, [path])


def test_the_face_homes_redirect_to_their_order_lists(browser: TestClient[Litestar], shared: Seed) -> None:
    for path, target in (
        ("/", "/portal/orders"),
        ("/portal", "/portal/orders"),
        ("/backoffice", "/backoffice/orders"),
    ):
        response = browser.get(path, follow_redirects=False)
        assert (response.status_code, response.headers["location"]) == (303, target), path


# --- next ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("face", "username", "target"),
    [
        ("staff", "sales", "/backoffice/orders/{c001_draft}"),
        ("staff", "sales", "/backoffice/orders?status=confirmed&page=2"),
        ("portal", "c001-buyer", "/portal/orders/{c001_submitted}"),
        ("portal", "c001-buyer", "/portal/orders?stage=production"),
    ],
)
def test_next_is_honoured_inside_the_face(
    browser: TestClient[Litestar], shared: Seed, face: str, username: str, target: str
) -> None:
    target = target.format(**shared.orders)
    response = login(browser, face, username, next=target)
    assert (response.status_code, response.headers["location"]) == (303, target)
    assert browser.get(target).status_code == 200


OPEN_REDIRECTS = [
    "//evil.com",
    "//evil.com/backoffice/orders",
    "https://evil.com",
    "https://evil.com/backoffice/orders",
    "http://testserver.local.evil.com/portal/orders",
    "javascript:alert(1)",
    "/\\evil.com",
    "\\\\evil.com",
    " //evil.com",
    "https:/evil.com",
    "evil.com",
    "",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
@pytest.mark.parametrize(("face", "username"), [("staff", "sales"), ("portal", "c001-buyer")])
def test_next_never_leaves_the_site(
    browser: TestClient[Litestar], shared: Seed, face: str, username: str, target: str
) -> None:
    home = "/backoffice/orders" if face == "staff" else "/portal/orders"
    response = login(browser, face, username, next=target)
    assert (response.status_code, response.headers["location"]) == (303, home)


def test_next_never_crosses_to_the_other_face(browser: TestClient[Litestar], shared: Seed) -> None:
    response = login(browser, "staff", "sales", next="/portal/orders")
    assert response.headers["location"] == "/backoffice/orders"
    response = login(browser, "portal", "c001-buyer", next="/backoffice/orders")
    assert response.headers["location"] == "/portal/orders"


def test_the_sign_in_page_of_a_signed_in_user_goes_on_to_next(
    browser: TestClient[Litestar], shared: Seed
) -> None:
    sign_in_staff(browser, "sales")
    response = browser.get(
        "/backoffice/login", params={"next": "/backoffice/orders/new"}, follow_redirects=False
    )
    assert (response.status_code, response.headers["location"]) == (303, "/backoffice/orders/new")
    response = browser.get("/backoffice/login", params={"next": "//evil.com"}, follow_redirects=False)
    assert response.headers["location"] == "/backoffice/orders"


def test_the_sign_in_form_carries_next_escaped(browser: TestClient[Litestar], shared: Seed) -> None:
    response = browser.get("/portal/login", params={"next": '/portal/orders"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text or "&#34;&gt;&lt;script" in response.text


@pytest.mark.parametrize(
    ("target", "face", "expected"),
    [
        ("/backoffice/orders/SO-2026-000001", STAFF, "/backoffice/orders/SO-2026-000001"),
        ("/backoffice/orders?q=a&page=2", STAFF, "/backoffice/orders?q=a&page=2"),
        ("/backofficeevil.com/x", STAFF, "/backoffice/orders"),  # a prefix is not a path segment
        ("/backoffice", STAFF, "/backoffice/orders"),
        ("/portal-evil/orders", PORTAL, "/portal/orders"),
        ("//evil.com/portal/orders", PORTAL, "/portal/orders"),
        ("/portal/orders", STAFF, "/backoffice/orders"),
        (None, PORTAL, "/portal/orders"),
    ],
)
def test_safe_next(target: str | None, face: Any, expected: str) -> None:
    assert safe_next(target, face) == expected
