"""Schemathesis against /schema/openapi.json: generated requests (valid and invalid) for every API
operation, each answer checked against the schema (status codes, content types, bodies, headers).

Kept fast and repeatable: few examples per operation, derandomized (a fixed seed)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.seed import Seed
from tests.web.api_helpers import make_client
from tests.web.conftest import BASE_URL

TOKEN = "op_test_schemathesis_token"


@pytest.fixture
def api_client(app: Litestar, seeded: Seed, database_url: str) -> Iterator[TestClient[Litestar]]:
    make_client(database_url, "schemathesis", ["orders:read", "orders:write"], TOKEN)
    with TestClient(app=app, base_url=BASE_URL) as client:
        yield client


def _schema() -> Any:
    """The app's own OpenAPI document (building the app opens no database connection)."""
    from app import create_app
    from tests.conftest import make_settings

    return schemathesis.openapi.from_dict(
        create_app(make_settings("sqlite+aiosqlite:///:memory:")).openapi_schema.to_schema()
    )


schema = _schema()


@schema.parametrize()
@settings(max_examples=30, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_matches_its_schema(case: Any, api_client: TestClient[Litestar]) -> None:
    # When schemathesis sends a (deliberately wrong) Authorization of its own, it checks for the 401.
    generated_auth = any(name.lower() == "authorization" for name in case.headers or {})
    auth = {} if generated_auth else {"Authorization": f"Bearer {TOKEN}"}
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=auth)
    sent = dict(kwargs)
    if sent.pop("cookies", None) is not None and kwargs.get("cookies"):
        api_client.cookies.update(kwargs["cookies"])
    if isinstance(sent.get("data"), bytes | str):  # raw bodies (malformed JSON) go as content for httpx
        sent["content"] = sent.pop("data")
    response = api_client.request(**sent)
    # Schema-valid orders may still break a business rule (an unknown customer code): a 422 there is
    # right, so "valid data must be accepted" does not apply to this API.
    case.validate_response(response, excluded_checks=[positive_data_acceptance], transport_kwargs=kwargs)
