"""Security headers, cookie flags, and CSRF on every form post."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.parties.models import LoginAttempt
from tests.helpers import csrf_token, sign_in_customer, sign_in_staff
from tests.seed import PASSWORD, Seed
from tests.web.conftest import count_orders, make_app, order_state, run_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def directives(csp: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}


def assert_security_headers(response: Any) -> None:
    csp = directives(response.headers["content-security-policy"])
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    assert "'unsafe-inline'" not in csp.get("style-src", csp["default-src"])
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


def test_pages_errors_redirects_and_json_carry_the_security_headers(
    client: TestClient[Litestar], seeded: Seed
) -> None:
    anonymous = [
        client.get("/backoffice/login"),
        client.get("/portal/login"),
        client.get("/portal/orders", follow_redirects=False),
        client.get("/healthz"),
        client.get("/static/css/app.css"),
    ]
    sign_in_staff(client, "sales")
    sign_in_customer(client, "c001-buyer")
    signed_in = [
        client.get("/backoffice/orders"),
        client.get("/backoffice/orders", headers={"HX-Request": "true"}),
        client.get(f"/backoffice/orders/{seeded.orders['c001_submitted']}"),
        client.get("/backoffice/orders/new"),
        client.get("/backoffice/orders/SO-1999-000001"),
        client.get("/portal/orders"),
        client.get(f"/portal/orders/{seeded.orders['c001_in_production']}"),
        client.get(f"/portal/orders/{seeded.orders['c002_submitted']}"),
    ]
    assert [r.status_code for r in anonymous] == [200, 200, 303, 200, 200]
    assert [r.status_code for r in signed_in] == [200, 200, 200, 200, 404, 200, 200, 404]
    for response in anonymous + signed_in:
        assert_security_headers(response)
    for response in [*anonymous[:2], *signed_in]:
        # Under this CSP an inline script or handler would not run: the pages must not need one.
        assert not INLINE_SCRIPT.search(response.text), response.url
        assert not EVENT_HANDLER.search(response.text), response.url
        assert ' style="' not in response.text, response.url


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/page", 404),
        ("GET", "/backoffice/orders/SO-2026-000001/transition", 405),
        ("DELETE", "/portal/orders", 405),
    ],
)
def test_answers_from_outside_the_routes_carry_the_headers_too(
    client: TestClient[Litestar], seeded: Seed, method: str, path: str, status: int
) -> None:
    response = client.request(method, path, follow_redirects=False)
    assert response.status_code == status
    assert_security_headers(response)
    assert '<html lang="en">' in response.text


def set_cookie(response: Any, name: str) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    assert headers, response.headers.get_list("set-cookie")
    return headers[0]


def flags(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_session_csrf_language_and_flash_cookies_are_httponly_and_samesite_lax(
    client: TestClient[Litestar], seeded: Seed
) -> None:
    csrf = set_cookie(client.get("/backoffice/login"), "op_csrf")
    staff = set_cookie(sign_in_staff(client, "salesmgr"), "op_staff_session")
    portal = set_cookie(sign_in_customer(client, "c001-buyer"), "op_portal_session")
    lang = set_cookie(
        client.get("/lang/en", params={"next": "/portal/orders"}, follow_redirects=False), "op_lang"
    )
    order_no = seeded.orders["c001_submitted"]
    token = csrf_token(client, f"/backoffice/orders/{order_no}")
    moved = client.post(
        f"/backoffice/orders/{order_no}/transition", data={"action": "confirm", "version": "2", "_csrf_token": token},
        follow_redirects=False,
    )  # fmt: skip
    assert moved.status_code == 303
    flash = set_cookie(moved, "op_flash")
    for header in (csrf, staff, portal, lang, flash):
        assert {"httponly", "samesite=lax"} <= flags(header), header
        assert "secure" not in flags(header)  # plain http in tests; see the next test
    assert "path=/backoffice" in flags(staff)
    assert "path=/portal" in flags(portal)


def test_cookies_are_secure_when_the_site_is_served_over_https(database_url: str, seeded: Seed) -> None:
    with TestClient(
        app=make_app(database_url, secure_cookies=True), base_url="https://testserver.local"
    ) as client:
        csrf = set_cookie(client.get("/portal/login"), "op_csrf")
        token = csrf_token(client, "/portal/login")
        response = client.post(
            "/portal/login", data={"username": "c001-buyer", "password": PASSWORD, "_csrf_token": token},
            follow_redirects=False,
        )  # fmt: skip
        assert response.status_code == 303
        for header in (csrf, set_cookie(response, "op_portal_session")):
            assert "secure" in flags(header), header


# --- CSRF ----------------------------------------------------------------------------------------------


def login_attempts(database_url: str) -> int:
    async def work(s: AsyncSession) -> int:
        return await s.scalar(select(func.count()).select_from(LoginAttempt)) or 0

    return run_db(database_url, work)


BAD_TOKENS = {
    "missing": None,
    "empty": "",
    "garbage": "not-a-token",
    "forged": "0" * 128,
}


@pytest.mark.parametrize("token", list(BAD_TOKENS), ids=list(BAD_TOKENS))
@pytest.mark.parametrize("face", ["backoffice", "portal"])
def test_sign_in_without_a_valid_token_is_403_and_records_nothing(
    client: TestClient[Litestar], seeded: Seed, database_url: str, face: str, token: str
) -> None:
    client.get(f"/{face}/login")  # the browser has a CSRF cookie; the form just lacks the matching token
    username = "sales" if face == "backoffice" else "c001-buyer"
    data = {"username": username, "password": PASSWORD}
    if BAD_TOKENS[token] is not None:
        data["_csrf_token"] = BAD_TOKENS[token]  # type: ignore[assignment]
    response = client.post(f"/{face}/login", data=data, follow_redirects=False)
    assert response.status_code == 403
    # Refused before the route's middleware ran, yet in the reader's language and with the headers.
    assert '<html lang="en">' in response.text
    assert "The form expired or was sent from another site." in response.text
    assert_security_headers(response)
    assert not any("session=" in h for h in response.headers.get_list("set-cookie"))
    assert login_attempts(database_url) == 0


def test_a_token_from_another_browser_is_refused(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    foreign = csrf_token(client, "/portal/login")
    client.cookies.clear()  # now another browser, with a CSRF cookie of its own
    client.get("/portal/login")
    response = client.post(
        "/portal/login", data={"username": "c001-buyer", "password": PASSWORD, "_csrf_token": foreign},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 403
    assert login_attempts(database_url) == 0


def test_signed_in_posts_without_a_token_change_nothing(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    sign_in_staff(client, "salesmgr")
    sign_in_customer(client, "c001-buyer")
    order_no = seeded.orders["c001_submitted"]
    before_orders, before_state = count_orders(database_url), order_state(database_url, order_no)
    posts = [
        ("/backoffice/orders/new", {"customer": str(seeded.customers["C001"]), "requested_date": "2099-01-01",
                                    "product": str(seeded.products[0]), "quantity": "1", "action": "submit"}),
        (f"/backoffice/orders/{order_no}/transition", {"action": "confirm", "version": "2"}),
        ("/backoffice/logout", {}),
        ("/portal/logout", {}),
    ]  # fmt: skip
    for path, data in posts:
        for token in (None, "not-a-token"):
            body = data if token is None else {**data, "_csrf_token": token}
            response = client.post(path, data=body, follow_redirects=False)
            assert response.status_code == 403, (path, token)
    assert count_orders(database_url) == before_orders
    assert order_state(database_url, order_no) == before_state
    # Still signed in on both faces: the logout posts did nothing either.
    assert client.get("/backoffice/orders").status_code == 200
    assert client.get("/portal/orders").status_code == 200


def test_the_token_may_come_in_the_htmx_header(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    sign_in_staff(client, "salesmgr")
    order_no = seeded.orders["c001_submitted"]
    token = csrf_token(client, f"/backoffice/orders/{order_no}")
    response = client.post(
        f"/backoffice/orders/{order_no}/transition", data={"action": "confirm", "version": "2"},
        headers={"X-CSRFToken": token}, follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    assert order_state(database_url, order_no) == ("confirmed", 3)
    body_token = re.search(
        r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', client.get("/backoffice/orders").text
    )
    assert body_token  # the page hands htmx the token for every request it makes


def _flash_cookie(secret: str, params: dict[str, str], *, forge: bool = False) -> str:
    import base64
    import hashlib
    import hmac
    import json

    payload = base64.urlsafe_b64encode(
        json.dumps(["success", "Order %(order_no)s submitted.", params]).encode()
    ).decode()
    signature = (
        "0" * 32 if forge else hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()[:32]
    )
    return f"{payload}.{signature}"


def test_flash_messages_are_signed_shown_once_and_escaped(client: TestClient[Litestar], seeded: Seed) -> None:
    secret = client.app.state.settings.secret_key
    hostile = {"order_no": "<script>alert('flash')</script>"}
    client.cookies.set("op_flash", _flash_cookie(secret, hostile, forge=True), domain="testserver.local")
    assert "alert(" not in client.get("/portal/login").text  # a forged message is dropped

    client.cookies.set("op_flash", _flash_cookie(secret, hostile), domain="testserver.local")
    page = client.get("/portal/login").text
    assert "Order &lt;script&gt;alert(&#39;flash&#39;)&lt;/script&gt; submitted." in page
    assert "<script>alert(" not in page
    assert "alert(" not in client.get("/portal/login").text  # and only once
