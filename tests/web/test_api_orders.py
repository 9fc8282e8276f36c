"""/api/v1/orders over HTTP: authentication, scopes, problem+json errors, idempotent create, reads, feed."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.api_access.models import ApiClient, IdempotencyRecord
from domain.orders.models import OrderEvent, SalesOrder
from tests.seed import Seed
from tests.web.api_helpers import bearer, make_client, order_body
from tests.web.conftest import count_orders, run_db

WRITER, READER = "op_test_writer_token", "op_test_reader_token"


@pytest.fixture
def tokens(database_url: str, seeded: Seed) -> dict[str, int]:
    return {
        "writer": make_client(database_url, "ERP", ["orders:read", "orders:write"], WRITER),
        "reader": make_client(database_url, "BI", ["orders:read"], READER),
    }


def create(client: TestClient[Litestar], body: Any, key: str | None = "k-1", token: str = WRITER) -> Any:
    headers = bearer(token)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/orders", json=body, headers=headers)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["type"]
    assert body["title"]
    return body


def test_create_submits_an_api_order(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    before = count_orders(database_url)
    r = create(client, order_body())
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "submitted"
    assert body["channel"] == "api"
    assert body["customer"] == "C001"
    assert [(line["part_no"], line["quantity"]) for line in body["lines"]] == [
        ("HR-BC-1001", "120"),
        ("HR-BU-3003", "12.5"),
    ]
    # 120 × 38.50 + 12.5 × 4.25 = 4620.00 + 53.13 (rounded half up)
    assert body["total_net"] == "4673.13"
    assert r.headers["location"] == f"/api/v1/orders/{body['order_no']}"
    assert count_orders(database_url) == before + 1

    async def timeline(s: AsyncSession) -> list[tuple[str, str]]:
        rows = await s.execute(
            select(OrderEvent.kind, OrderEvent.actor_name)
            .join(SalesOrder, SalesOrder.id == OrderEvent.order_id)
            .where(SalesOrder.order_no == body["order_no"])
            .order_by(OrderEvent.id)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]

    assert run_db(database_url, timeline) == [
        ("created", "API: ERP"),
        ("transition", "API: ERP"),
        ("promise", "API: ERP"),  # the promise at the door runs on submit, for every channel
    ]


def test_missing_and_invalid_tokens_are_401_with_a_challenge(
    client: TestClient[Litestar], tokens: dict[str, int]
) -> None:
    r = client.get("/api/v1/orders")
    body = assert_problem(r, 401)
    assert r.headers["www-authenticate"] == 'Bearer realm="orderpulse"'
    assert "Bearer" in body["detail"]
    r = client.get("/api/v1/orders", headers=bearer("op_not_a_real_token"))
    assert_problem(r, 401)
    assert 'error="invalid_token"' in r.headers["www-authenticate"]
    r = client.get("/api/v1/orders", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_problem(r, 401)


def test_revoked_token_is_401(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    from domain.api_access.services import revoke_client
    from tests.web.api_helpers import ADMIN

    assert client.get("/api/v1/orders", headers=bearer(READER)).status_code == 200
    run_db(database_url, lambda s: revoke_client(s, tokens["reader"], ADMIN))
    assert_problem(client.get("/api/v1/orders", headers=bearer(READER)), 401)


def test_wrong_scope_is_403(client: TestClient[Litestar], tokens: dict[str, int], database_url: str) -> None:
    before = count_orders(database_url)
    r = create(client, order_body(), token=READER)
    assert_problem(r, 403)
    assert 'error="insufficient_scope"' in r.headers["www-authenticate"]
    assert count_orders(database_url) == before


def test_malformed_json_is_400(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    before = count_orders(database_url)
    r = client.post(
        "/api/v1/orders",
        content=b'{"customer": "C001", ',
        headers=bearer(WRITER, **{"Idempotency-Key": "m1", "Content-Type": "application/json"}),
    )
    assert_problem(r, 400)
    assert count_orders(database_url) == before


def test_missing_idempotency_key_is_400(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    before = count_orders(database_url)
    body = assert_problem(create(client, order_body(), key=None), 400)
    assert "Idempotency-Key" in body["detail"]
    assert_problem(create(client, order_body(), key="tab\there"), 400)  # a control character
    assert count_orders(database_url) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"lines": [{"part_no": "HR-BC-1001", "quantity": "1", "discount": 5}]}, "discount"),
        ({"customer": 17}, "customer"),
        ({"requested_date": "next tuesday"}, "requested_date"),
        ({"lines": []}, "lines"),
        ({"customer_po": "P" * 65}, "customer_po"),
    ],
)
def test_unknown_fields_and_wrong_types_are_422_naming_the_field(
    client: TestClient[Litestar],
    tokens: dict[str, int],
    database_url: str,
    changes: dict[str, Any],
    field: str,
) -> None:
    before = count_orders(database_url)
    body = assert_problem(create(client, order_body(**changes)), 422)
    assert field in body["detail"]
    assert body["errors"]
    assert "data" not in body["errors"]  # Litestar's parameter name is not the API's business
    assert count_orders(database_url) == before


def test_business_rule_errors_are_422_per_field(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    before = count_orders(database_url)
    bad = order_body(
        customer="C999",
        lines=[{"part_no": "NOPE-1", "quantity": "5"}, {"part_no": "HR-BC-1001", "quantity": "-3"},
               {"part_no": "<script>alert(1)</script>", "quantity": "1"}],
    )  # fmt: skip
    body = assert_problem(create(client, bad), 422)
    assert set(body["errors"]) == {"customer", "lines[0].part_no", "lines[1].quantity", "lines[2].part_no"}
    assert "C999" in body["errors"]["customer"]
    assert count_orders(database_url) == before


def test_duplicate_customer_po_names_the_existing_order(
    client: TestClient[Litestar], tokens: dict[str, int], seeded: Seed, database_url: str
) -> None:
    before = count_orders(database_url)
    body = assert_problem(create(client, order_body(po="PO-C001-1"), key="dup-po"), 422)
    assert seeded.orders["c001_submitted"] in body["errors"]["customer_po"]
    assert count_orders(database_url) == before


def test_same_key_same_body_replays_the_first_answer(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    before = count_orders(database_url)
    first = create(client, order_body(), key="replay-1")
    assert first.status_code == 201
    # The same body with its keys in another order is the same request.
    second = client.post(
        "/api/v1/orders",
        content=__import__("json").dumps(dict(reversed(list(order_body().items())))),
        headers=bearer(WRITER, **{"Idempotency-Key": '"replay-1"', "Content-Type": "application/json"}),
    )
    assert second.status_code == 201
    assert second.content == first.content
    assert second.headers["location"] == first.headers["location"]
    assert count_orders(database_url) == before + 1


def test_error_answers_are_replayed_too(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    first = create(client, order_body(customer="C999"), key="err-1")
    assert_problem(first, 422)
    again = create(client, order_body(customer="C999"), key="err-1")
    assert again.status_code == 422
    assert again.json() == first.json()


def test_same_key_different_body_is_422(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    assert create(client, order_body(), key="k-diff").status_code == 201
    before = count_orders(database_url)
    body = assert_problem(create(client, order_body(po="OTHER-PO"), key="k-diff"), 422)
    assert body["type"].endswith("idempotency-key-reused")
    assert count_orders(database_url) == before


def test_keys_are_scoped_per_client(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    other = make_client(database_url, "MES", ["orders:write", "orders:read"], "op_test_other_token")
    assert other
    assert create(client, order_body(po="SCOPE-1"), key="shared-key").status_code == 201
    # Another client's same key is its own key: a new order (different PO, else it would be a duplicate).
    r = create(client, order_body(po="SCOPE-2"), key="shared-key", token="op_test_other_token")
    assert r.status_code == 201, r.text


def test_key_in_flight_is_409(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    """A claim without an answer is a first request still running (claimed straight in the database)."""
    import msgspec

    from api.schemas import OrderIn
    from domain.api_access import idempotency as idem

    body = order_body(po="FLIGHT-1")
    fp = idem.fingerprint(msgspec.to_builtins(msgspec.convert(body, OrderIn)))

    async def claim(s: AsyncSession) -> Any:
        return await idem.claim(
            s, client_id=tokens["writer"], key="flying", method="POST", path="/api/v1/orders", fingerprint=fp
        )

    assert isinstance(run_db(database_url, claim), idem.Claim)
    before = count_orders(database_url)
    r = create(client, body, key="flying")
    assert assert_problem(r, 409)["type"].endswith("idempotency-key-in-flight")
    assert count_orders(database_url) == before


def test_read_one_order(client: TestClient[Litestar], tokens: dict[str, int], seeded: Seed) -> None:
    order_no = seeded.orders["c001_submitted"]
    r = client.get(f"/api/v1/orders/{order_no}", headers=bearer(READER))
    assert r.status_code == 200
    body = r.json()
    assert body["order_no"] == order_no
    assert body["customer_po"] == "PO-C001-1"
    assert [line["quantity"] for line in body["lines"]] == ["100", "20"]
    assert_problem(client.get("/api/v1/orders/SO-1999-000001", headers=bearer(READER)), 404)


def test_feed_pages_by_cursor_in_a_stable_order(
    client: TestClient[Litestar], tokens: dict[str, int], seeded: Seed
) -> None:
    seen: list[str] = []
    params: dict[str, Any] = {"changed_since": "2000-01-01T00:00:00+08:00", "limit": 2}
    for _ in range(10):
        r = client.get("/api/v1/orders", params=params, headers=bearer(READER))
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 2
        seen += [item["order_no"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        params = {"cursor": page["next_cursor"], "limit": 2}
    assert sorted(seen) == sorted(seeded.orders.values())
    assert len(seen) == len(set(seen))
    # Nothing changed after now.
    r = client.get("/api/v1/orders", params={"changed_since": "2999-01-01T00:00:00Z"}, headers=bearer(READER))
    assert r.json() == {"items": [], "next_cursor": None}


def test_feed_refuses_bad_parameters(client: TestClient[Litestar], tokens: dict[str, int]) -> None:
    assert_problem(client.get("/api/v1/orders", params={"cursor": "garbage!"}, headers=bearer(READER)), 400)
    assert_problem(
        client.get("/api/v1/orders", params={"changed_since": "yesterday"}, headers=bearer(READER)), 400
    )
    assert_problem(client.get("/api/v1/orders", params={"limit": "100000"}, headers=bearer(READER)), 400)


def test_api_ignores_csrf_and_cookies(client: TestClient[Litestar], tokens: dict[str, int]) -> None:
    """No CSRF token, no session: the bearer token alone decides."""
    r = create(client, order_body(po="NO-CSRF"), key="csrf-free")
    assert r.status_code == 201
    assert "set-cookie" not in {k.lower() for k in r.headers}


def test_last_used_is_recorded(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    client.get("/api/v1/orders", headers=bearer(READER))

    async def last_used(s: AsyncSession) -> Any:
        return await s.scalar(select(ApiClient.last_used_at).where(ApiClient.id == tokens["reader"]))

    assert run_db(database_url, last_used) is not None


def test_purge_forgets_old_keys(
    client: TestClient[Litestar], tokens: dict[str, int], database_url: str
) -> None:
    import datetime as dt

    from domain.api_access import idempotency as idem
    from domain.base import utcnow

    assert create(client, order_body(po="PURGE-1"), key="old-key").status_code == 201

    async def purge(s: AsyncSession, now: dt.datetime) -> int:
        return await idem.purge(s, now=now)

    async def count(s: AsyncSession) -> int:
        return await s.scalar(select(func.count()).select_from(IdempotencyRecord)) or 0

    assert run_db(database_url, lambda s: purge(s, utcnow() + dt.timedelta(hours=23))) == 0
    assert run_db(database_url, count) == 1
    assert run_db(database_url, lambda s: purge(s, utcnow() + dt.timedelta(hours=25))) == 1
    assert run_db(database_url, count) == 0
