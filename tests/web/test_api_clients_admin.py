"""Back office → API clients: admin only; the token is shown once and works; revoking stops it."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.api_access.models import ApiClient
from tests.helpers import csrf_token, post_form, sign_in_staff
from tests.web.conftest import run_db

PAGE = "/backoffice/api-clients"
TOKEN_FIELD = re.compile(r'id="new-token" type="text" value="([^"]+)"')


def clients_in_db(database_url: str) -> list[ApiClient]:
    async def work(s: AsyncSession) -> list[ApiClient]:
        return list((await s.scalars(select(ApiClient).order_by(ApiClient.id))).all())

    return run_db(database_url, work)


@pytest.mark.parametrize("username", ["sales", "salesmgr", "pmc", "billing"])
def test_other_roles_get_403(client: TestClient[Litestar], username: str, database_url: str) -> None:
    sign_in_staff(client, username)
    assert client.get(PAGE).status_code == 403
    token = csrf_token(client, "/backoffice/orders")
    r = client.post(PAGE, data={"name": "sneaky", "scopes": "orders:write", "_csrf_token": token})
    assert r.status_code == 403
    assert client.post(f"{PAGE}/1/revoke", data={"_csrf_token": token}).status_code == 403
    assert clients_in_db(database_url) == []
    assert 'href="/backoffice/api-clients"' not in client.get("/backoffice/orders").text


def test_signed_out_is_sent_to_login(client: TestClient[Litestar]) -> None:
    r = client.get(PAGE, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/backoffice/login")


def test_admin_creates_a_client_sees_the_token_once_and_it_works(
    client: TestClient[Litestar], database_url: str
) -> None:
    sign_in_staff(client, "admin")
    assert 'href="/backoffice/api-clients"' in client.get("/backoffice/orders").text
    r = post_form(client, PAGE, {"name": "  Kingdee  ERP ", "scopes": ["orders:read", "orders:write"]})
    assert r.status_code == 201
    assert r.headers["cache-control"] == "no-store"
    token = TOKEN_FIELD.search(r.text).group(1)  # type: ignore[union-attr]
    assert token.startswith("op_")
    assert len(token) > 40
    [stored] = clients_in_db(database_url)
    assert stored.name == "Kingdee ERP"
    assert stored.scopes == ["orders:read", "orders:write"]
    assert token not in stored.token_hash
    assert stored.token_hash != token
    # The list never shows the token again, only its first characters.
    listing = client.get(PAGE).text
    assert token not in listing
    assert stored.token_prefix in listing
    api = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200


def test_bad_input_is_422_and_stores_nothing(client: TestClient[Litestar], database_url: str) -> None:
    sign_in_staff(client, "admin")
    r = post_form(client, PAGE, {"name": "", "scopes": []})
    assert r.status_code == 422
    assert "Enter a name." in r.text
    assert "Choose at least one permission." in r.text
    r = post_form(client, PAGE, {"name": "<script>alert(1)</script>", "scopes": ["orders:admin"]})
    assert r.status_code == 422
    assert "<script>alert(1)</script>" not in r.text  # escaped back into the form
    assert clients_in_db(database_url) == []
    assert post_form(client, PAGE, {"name": "MES", "scopes": ["orders:read"]}).status_code == 201
    r = post_form(client, PAGE, {"name": "MES", "scopes": ["orders:read"]})
    assert r.status_code == 422
    assert "exists already" in r.text
    assert len(clients_in_db(database_url)) == 1


def test_admin_revokes_a_client_and_its_token_stops_working(
    client: TestClient[Litestar], database_url: str
) -> None:
    sign_in_staff(client, "admin")
    r = post_form(client, PAGE, {"name": "EDI", "scopes": ["orders:read"]})
    token = TOKEN_FIELD.search(r.text).group(1)  # type: ignore[union-attr]
    [stored] = clients_in_db(database_url)
    r = post_form(client, f"{PAGE}/{stored.id}/revoke", {}, token_from=PAGE)
    assert r.status_code == 303
    [revoked] = clients_in_db(database_url)
    assert revoked.revoked_at is not None
    assert revoked.revoked_by == "admin"
    assert client.get("/api/v1/orders", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "Revoked" in client.get(PAGE).text
    assert post_form(client, f"{PAGE}/999999/revoke", {}, token_from=PAGE).status_code == 404
