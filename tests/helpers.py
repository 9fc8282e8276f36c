"""Web-test helpers: CSRF token from a page, signing in, counting SQL statements."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from tests.seed import PASSWORD

_TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token(client: TestClient[Any], path: str) -> str:
    response = client.get(path)
    match = _TOKEN.search(response.text)
    assert match, f"no CSRF field on {path} (status {response.status_code})"
    return match.group(1)


def post_form(client: TestClient[Any], path: str, data: dict[str, Any], *, token_from: str | None = None,
              **kwargs: Any) -> Any:  # fmt: skip
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False, **kwargs)


def sign_in_staff(client: TestClient[Any], username: str, password: str = PASSWORD) -> Any:
    response = post_form(client, "/backoffice/login", {"username": username, "password": password})
    assert response.status_code == 303, response.text[:500]
    return response


def sign_in_customer(client: TestClient[Any], username: str, password: str = PASSWORD) -> Any:
    response = post_form(client, "/portal/login", {"username": username, "password": password})
    assert response.status_code == 303, response.text[:500]
    return response
