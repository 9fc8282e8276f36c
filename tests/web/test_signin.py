"""Signing in and out of both faces: the guard, `next`, wrong passwords, throttling, session cookies."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.parties.models import LoginAttempt
from tests.helpers import csrf_token, post_form, sign_in_customer, sign_in_staff
from tests.seed import PASSWORD, Seed
from tests.web.conftest import english_client, make_app, run_db
from web.sessions import SessionStoreItem

STAFF_COOKIE, PORTAL_COOKIE = "op_staff_session", "op_portal_session"


def session_rows(database_url: str) -> int:
    async def work(s: AsyncSession) -> int:
        return await s.scalar(select(func.count()).select_from(SessionStoreItem)) or 0

    return run_db(database_url, work)


def login_attempts(database_url: str) -> list[tuple[str, str, bool]]:
    async def work(s: AsyncSession) -> list[tuple[str, str, bool]]:
        rows = await s.execute(select(LoginAttempt.face, LoginAttempt.username, LoginAttempt.succeeded))
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]

    return run_db(database_url, work)


def login(client: TestClient[Any], face: str, username: str, password: str = PASSWORD, **extra: str) -> Any:
    prefix = "/backoffice" if face == "staff" else "/portal"
    return post_form(client, f"{prefix}/login", {"username": username, "password": password, **extra})


def cookie(client: TestClient[Any], name: str) -> str | None:
    return next((c.value for c in client.cookies.jar if c.name == name), None)


def set_cookie_header(response: Any, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert len(headers) == 1, response.headers.get_list("set-cookie")
    return headers[0]


def location_next(response: Any) -> tuple[str, str | None]:
    parts = urlsplit(response.headers["location"])
    values = parse_qs(parts.query).get("next")
    return parts.path, values[0] if values else None


# --- the guard on writes ----------------------------------------------------------------------------


def test_a_post_from_a_stranger_goes_to_sign_in_and_changes_nothing(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    from tests.web.conftest import order_state

    order_no = seeded.orders["c001_submitted"]
    before = order_state(database_url, order_no)
    response = post_form(
        client, f"/backoffice/orders/{order_no}/transition", {"action": "confirm", "version": "2"},
        token_from="/backoffice/login",
    )  # fmt: skip
    assert (response.status_code, response.headers["location"]) == (303, "/backoffice/login")
    assert order_state(database_url, order_no) == before


# --- wrong passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("face", "username", "password"),
    [
        ("staff", "sales", "wrong-password"),
        ("staff", "nobody", PASSWORD),
        ("staff", "c001-buyer", PASSWORD),  # a customer cannot sign in at the staff door
        ("portal", "c001-buyer", "wrong-password"),
        ("portal", "sales", PASSWORD),  # and staff not at the customers' door
    ],
)
def test_a_wrong_password_answers_401_with_a_message_and_no_session(
    client: TestClient[Litestar], seeded: Seed, database_url: str, face: str, username: str, password: str
) -> None:
    cookie_name = STAFF_COOKIE if face == "staff" else PORTAL_COOKIE
    response = login(client, face, username, password)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("text/html")
    assert "Wrong username or password." in response.text
    assert not any(h.startswith(cookie_name) for h in response.headers.get_list("set-cookie"))
    assert cookie(client, cookie_name) is None
    assert session_rows(database_url) == 0
    home = "/backoffice/orders" if face == "staff" else "/portal/orders"
    assert client.get(home, follow_redirects=False).status_code == 303
    assert login_attempts(database_url) == [(face, username, False)]


def test_empty_fields_are_asked_for(client: TestClient[Litestar], seeded: Seed, database_url: str) -> None:
    response = login(client, "staff", "", "")
    assert response.status_code == 422
    assert "Enter your username and password." in response.text
    assert login_attempts(database_url) == []


def test_the_username_is_kept_in_the_form_and_escaped(client: TestClient[Litestar], seeded: Seed) -> None:
    response = login(client, "staff", "<b>sales</b>", "wrong")
    assert response.status_code == 401
    assert "&lt;b&gt;sales&lt;/b&gt;" in response.text
    assert "<b>sales</b>" not in response.text


# --- throttling ----------------------------------------------------------------------------------------


@pytest.fixture
def strict_client(database_url: str, seeded: Seed) -> Any:
    """Three failures lock an account; five lock the address."""
    app = make_app(database_url, login_max_per_account=3, login_max_per_ip=5, login_window_s=600)
    with english_client(app) as c:
        yield c


def failures(client: TestClient[Any], face: str, username: str, times: int) -> None:
    prefix = "/backoffice" if face == "staff" else "/portal"
    token = csrf_token(client, f"{prefix}/login")
    for _ in range(times):
        response = client.post(
            f"{prefix}/login", data={"username": username, "password": "nope", "_csrf_token": token},
            follow_redirects=False,
        )  # fmt: skip
        assert response.status_code == 401


def test_repeated_failures_lock_the_account_with_429_and_retry_after(strict_client: TestClient[Any]) -> None:
    failures(strict_client, "staff", "sales", 3)
    response = login(strict_client, "staff", "sales")  # even the right password now waits
    assert response.status_code == 429
    assert response.headers["content-type"].startswith("text/html")
    assert "Too many failed sign-ins. Try again in 10 minutes." in response.text
    assert 590 <= int(response.headers["Retry-After"]) <= 601
    assert cookie(strict_client, STAFF_COOKIE) is None
    # Another account from the same address is still open (below the address limit).
    assert login(strict_client, "staff", "salesmgr").status_code == 303


def test_a_success_resets_the_account_count(strict_client: TestClient[Any]) -> None:
    failures(strict_client, "portal", "c001-buyer", 2)
    assert login(strict_client, "portal", "c001-buyer").status_code == 303
    failures(strict_client, "portal", "c001-buyer", 2)
    assert login(strict_client, "portal", "c001-buyer").status_code == 303


def test_many_failures_from_one_address_lock_it_for_every_account(strict_client: TestClient[Any]) -> None:
    for username in ("a1", "a2", "a3", "a4", "a5"):
        failures(strict_client, "staff", username, 1)
    for face, username in (("staff", "sales"), ("portal", "c001-buyer")):
        response = login(strict_client, face, username)
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) > 0


# --- session cookies -----------------------------------------------------------------------------------


def test_the_session_cookie_is_rotated_at_sign_in(client: TestClient[Litestar], seeded: Seed) -> None:
    # A session id planted before sign-in (session fixation) is never the one that gets signed in.
    client.cookies.set(STAFF_COOKIE, "planted-by-someone-else", domain="testserver.local", path="/backoffice")
    response = login(client, "staff", "sales")
    assert response.status_code == 303
    first = cookie(client, STAFF_COOKIE)
    assert first not in (None, "planted-by-someone-else")
    assert client.get("/backoffice/orders").status_code == 200

    # Signing in again (another user on the same browser) gets yet another id; the old one is dead.
    assert login(client, "staff", "salesmgr").status_code == 303
    second = cookie(client, STAFF_COOKIE)
    assert second not in (None, first)
    client.cookies.set(STAFF_COOKIE, first or "", domain="testserver.local", path="/backoffice")
    assert client.get("/backoffice/orders", follow_redirects=False).status_code == 303


def test_each_face_has_its_own_cookie(client: TestClient[Litestar], seeded: Seed) -> None:
    response = sign_in_staff(client, "sales")
    header = set_cookie_header(response, STAFF_COOKIE)
    assert "Path=/backoffice" in header
    # A staff sign-in does not open the portal…
    response = client.get("/portal/orders", follow_redirects=False)
    assert location_next(response) == ("/portal/login", "/portal/orders")
    # …not even with the staff session id handed to the portal cookie.
    staff_id = cookie(client, STAFF_COOKIE) or ""
    client.cookies.set(PORTAL_COOKIE, staff_id, domain="testserver.local", path="/portal")
    assert client.get("/portal/orders", follow_redirects=False).status_code == 303


def test_a_customer_sign_in_does_not_open_the_back_office(client: TestClient[Litestar], seeded: Seed) -> None:
    response = sign_in_customer(client, "c001-buyer")
    assert "Path=/portal" in set_cookie_header(response, PORTAL_COOKIE)
    response = client.get("/backoffice/orders", follow_redirects=False)
    assert location_next(response) == ("/backoffice/login", "/backoffice/orders")
    client.cookies.set(
        STAFF_COOKIE, cookie(client, PORTAL_COOKIE) or "", domain="testserver.local", path="/backoffice"
    )
    assert client.get("/backoffice/orders", follow_redirects=False).status_code == 303


# --- signing out ---------------------------------------------------------------------------------------


def test_sign_out_clears_the_session(client: TestClient[Litestar], seeded: Seed, database_url: str) -> None:
    sign_in_staff(client, "sales")
    sign_in_customer(client, "c001-buyer")
    old_id = cookie(client, STAFF_COOKIE)
    assert session_rows(database_url) == 2

    response = post_form(client, "/backoffice/logout", {}, token_from="/backoffice/orders")
    assert (response.status_code, response.headers["location"]) == (303, "/backoffice/login")
    assert "Max-Age=0" in set_cookie_header(response, STAFF_COOKIE)
    assert cookie(client, STAFF_COOKIE) is None
    assert session_rows(database_url) == 1
    assert client.get("/backoffice/orders", follow_redirects=False).status_code == 303
    # The old id is gone on the server too, not just in this browser.
    # The customer's session on the same browser is untouched.
    assert client.get("/portal/orders").status_code == 200
    client.cookies.set(STAFF_COOKIE, old_id or "", domain="testserver.local", path="/backoffice")
    assert client.get("/backoffice/orders", follow_redirects=False).status_code == 303


def test_anonymous_pages_write_no_sessions(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    """Not for strangers, and not after signing out (a stale cookie is dropped, not refilled)."""
    for path in ("/backoffice/login", "/portal/login", "/backoffice/login"):
        response = client.get(path)
        assert not any(
            h.startswith(("op_staff_session", "op_portal_session"))
            for h in response.headers.get_list("set-cookie")
        )
    assert session_rows(database_url) == 0
    client.cookies.set(STAFF_COOKIE, "null", domain="testserver.local", path="/backoffice")
    client.cookies.set(PORTAL_COOKIE, "expired-session-id", domain="testserver.local", path="/portal")
    for path in ("/backoffice/login", "/portal/login", "/backoffice/login", "/portal/login"):
        assert client.get(path).status_code == 200
    assert session_rows(database_url) == 0
    assert (cookie(client, STAFF_COOKIE), cookie(client, PORTAL_COOKIE)) == (None, None)
