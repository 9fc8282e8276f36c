"""Two requests with one Idempotency-Key at the same moment: exactly one order, on either database."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.seed import Seed
from tests.web.api_helpers import bearer, make_client, order_body
from tests.web.conftest import count_orders

TOKEN = "op_test_race_token"


def post_together(app: Litestar, requests: list[tuple[dict[str, Any], dict[str, str]]]) -> list[Any]:
    """All requests at once, in one event loop, against one app (and its connection pool)."""

    async def go() -> list[Any]:
        async with AsyncTestClient(app=app) as client:
            return await asyncio.gather(
                *(client.post("/api/v1/orders", json=body, headers=headers) for body, headers in requests)
            )

    return asyncio.run(go())


def test_concurrent_same_key_creates_one_order(app: Litestar, seeded: Seed, database_url: str) -> None:
    make_client(database_url, "racer", ["orders:write"], TOKEN)
    before = count_orders(database_url)
    headers = bearer(TOKEN, **{"Idempotency-Key": "race-1"})
    answers = post_together(app, [(order_body(po="RACE-1"), headers)] * 4)
    statuses = sorted(r.status_code for r in answers)
    # Each loser either saw the claim in flight (409) or, if the winner had finished, got its answer.
    assert statuses.count(201) >= 1, [r.text for r in answers]
    assert set(statuses) <= {201, 409}, [r.text for r in answers]
    created = {r.json()["order_no"] for r in answers if r.status_code == 201}
    assert len(created) == 1
    assert count_orders(database_url) == before + 1


def test_concurrent_different_keys_same_po_creates_one_order(
    app: Litestar, seeded: Seed, database_url: str
) -> None:
    """Not an idempotency case: three keys, one PO. The PO rule (a unique constraint) still lets one win."""
    make_client(database_url, "racer", ["orders:write"], TOKEN)
    before = count_orders(database_url)
    answers = post_together(
        app, [(order_body(po="RACE-PO"), bearer(TOKEN, **{"Idempotency-Key": f"k{i}"})) for i in range(3)]
    )
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [201, 422, 422], [r.text for r in answers]
    assert count_orders(database_url) == before + 1
