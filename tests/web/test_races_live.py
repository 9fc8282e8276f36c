"""Races through a real server (uvicorn on 127.0.0.1, one event loop serving requests concurrently),
on SQLite and on PostgreSQL: one Idempotency-Key sent four times at once creates one order; one PO
under three keys creates one; one DingTalk approval delivered three times at once creates one."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from domain.base import today_local
from tests.e2e.server import run_app
from tests.fakes.dingtalk_server import FakeDingTalk, approval_instance, running
from tests.seed import Seed
from tests.web.api_helpers import bearer, make_client, order_body
from tests.web.conftest import count_orders
from tests.web.test_dingtalk_callback import AES_KEY, APP_KEY, APP_SECRET, PATH, TOKEN, finish_event, signed

API_TOKEN = "op_test_race_token"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeDingTalk]:
    with running(FakeDingTalk(APP_KEY, APP_SECRET)) as server:
        yield server


@pytest.fixture(scope="module")
def live(database_url: str, fake: FakeDingTalk, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = {"DINGTALK_TOKEN": TOKEN, "DINGTALK_AES_KEY": AES_KEY, "DINGTALK_APP_KEY": APP_KEY,
           "DINGTALK_APP_SECRET": APP_SECRET, "DINGTALK_API_BASE": fake.url}  # fmt: skip
    with run_app(database_url, tmp_path_factory.mktemp("race") / "app.log", **env) as url:
        yield url


def all_at_once(base: str, requests: list[dict[str, Any]]) -> list[httpx.Response]:
    async def go() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            return await asyncio.gather(*(client.post(**r) for r in requests))

    return asyncio.run(go())


def test_one_key_four_times_at_once_creates_one_order(live: str, seeded: Seed, database_url: str) -> None:
    make_client(database_url, "racer", ["orders:write"], API_TOKEN)
    before = count_orders(database_url)
    request = {"url": "/api/v1/orders", "json": order_body(po="RACE-1"),
               "headers": bearer(API_TOKEN, **{"Idempotency-Key": "race-1"})}  # fmt: skip
    answers = all_at_once(live, [request] * 4)
    statuses = sorted(r.status_code for r in answers)
    # One wins (201); each other copy either found the claim in flight (409) or, if the winner had
    # finished already, got its answer replayed (201, the same order).
    assert set(statuses) <= {201, 409}, [r.text for r in answers]
    assert {r.json()["order_no"] for r in answers if r.status_code == 201} != set()
    assert len({r.json()["order_no"] for r in answers if r.status_code == 201}) == 1
    assert count_orders(database_url) == before + 1


def test_one_po_under_three_keys_creates_one_order(live: str, seeded: Seed, database_url: str) -> None:
    make_client(database_url, "racer", ["orders:write"], API_TOKEN)
    before = count_orders(database_url)
    answers = all_at_once(
        live,
        [{"url": "/api/v1/orders", "json": order_body(po="RACE-PO"),
          "headers": bearer(API_TOKEN, **{"Idempotency-Key": f"k{i}"})} for i in range(3)],
    )  # fmt: skip
    assert sorted(r.status_code for r in answers) == [201, 422, 422], [r.text for r in answers]
    assert count_orders(database_url) == before + 1


def test_one_approval_three_times_at_once_creates_one_order(
    live: str, fake: FakeDingTalk, seeded: Seed, database_url: str
) -> None:
    requested = (today_local() + dt.timedelta(days=30)).isoformat()
    # No customer PO: only the processed-events key stands between the copies and three orders.
    fake.instances["PI-RACE"] = approval_instance(
        customer="C001", requested_date=requested, lines=[("HR-PI-5005", "9")]
    )
    fake.delay_s = 0.5  # every copy is past the "already handled?" check before the first one commits
    try:
        copies = [signed(finish_event("PI-RACE"), nonce=f"race{i:04d}") for i in range(3)]
        before = count_orders(database_url)
        answers = all_at_once(live, [{"url": PATH, "params": p, "json": b} for p, b in copies])
    finally:
        fake.delay_s = 0.0
    assert [r.status_code for r in answers] == [200, 200, 200], [r.text for r in answers]
    assert fake.calls["GET /v1.0/workflow/processInstances"] == 3  # they really overlapped
    assert count_orders(database_url) == before + 1
