"""Helpers for the JSON API tests: API clients made straight in the database, and order bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.api_access.services import create_client
from domain.base import today_local
from tests.web.conftest import run_db

ADMIN = Actor(kind="staff", id=None, name="admin", roles=frozenset({"admin"}))


def make_client(database_url: str, name: str, scopes: list[str], token: str) -> int:
    async def work(s: AsyncSession) -> int:
        client, _ = await create_client(s, name=name, scopes=scopes, actor=ADMIN, token=token)
        return client.id

    return run_db(database_url, work)


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def order_body(po: str | None = "API-PO-1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": "C001",
        "requested_date": (today_local() + dt.timedelta(days=40)).isoformat(),
        "customer_po": po,
        "lines": [{"part_no": "HR-BC-1001", "quantity": "120"}, {"part_no": "HR-BU-3003", "quantity": 12.5}],
    }
    body.update(changes)
    return body
