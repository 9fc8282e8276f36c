"""API clients: only admins manage them; tokens are hashed, checked, revocable; the demo client."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from demo.api import DEMO_TOKEN, ensure_demo_api_client
from domain.actors import Actor
from domain.api_access.services import (
    api_actor,
    authenticate,
    create_client,
    hash_token,
    list_clients,
    revoke_client,
    touch,
)
from domain.errors import Forbidden, ValidationFailed

ADMIN = Actor(kind="staff", id=1, name="admin", roles=frozenset({"admin"}))


@pytest.mark.parametrize(
    "actor",
    [
        Actor(kind="staff", id=2, name="sales", roles=frozenset({"sales", "sales_manager"})),
        Actor(kind="customer", id=3, name="buyer", roles=frozenset({"admin"}), customer_id=1),
        Actor.system(),
    ],
)
async def test_only_staff_admins_manage_clients(session: AsyncSession, actor: Actor) -> None:
    with pytest.raises(Forbidden):
        await create_client(session, name="x", scopes=["orders:read"], actor=actor)
    with pytest.raises(Forbidden):
        await list_clients(session, actor)
    with pytest.raises(Forbidden):
        await revoke_client(session, 1, actor)


async def test_token_is_random_hashed_and_authenticates(session: AsyncSession) -> None:
    client, token = await create_client(session, name="ERP", scopes=["orders:read"], actor=ADMIN)
    _, other = await create_client(session, name="MES", scopes=["orders:read"], actor=ADMIN)
    assert token != other
    assert len(token) >= 43
    assert client.token_hash == hash_token(token)
    assert token not in client.token_hash
    assert (await authenticate(session, token)) is client
    for wrong in ("", token + "x", token.upper(), "x" * 500):
        assert await authenticate(session, wrong) is None
    await revoke_client(session, client.id, ADMIN)
    assert await authenticate(session, token) is None


async def test_validation(session: AsyncSession) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await create_client(session, name="  ", scopes=["orders:delete"], actor=ADMIN)
    assert set(exc.value.errors) == {"name", "scopes"}
    with pytest.raises(ValidationFailed):
        await create_client(session, name="n" * 101, scopes=["orders:read"], actor=ADMIN)


async def test_touch_writes_at_most_once_a_minute(session: AsyncSession) -> None:
    client, _ = await create_client(session, name="ERP", scopes=["orders:read"], actor=ADMIN)
    t0 = dt.datetime(2026, 5, 1, 8, 0, tzinfo=dt.UTC)
    touch(client, t0)
    touch(client, t0 + dt.timedelta(seconds=30))
    assert client.last_used_at == t0
    touch(client, t0 + dt.timedelta(seconds=61))
    assert client.last_used_at == t0 + dt.timedelta(seconds=61)


async def test_api_actor_may_enter_and_submit(session: AsyncSession) -> None:
    client, _ = await create_client(session, name="n" * 100, scopes=["orders:write"], actor=ADMIN)
    actor = api_actor(client)
    assert actor.kind == "system"
    assert "sales" in actor.roles
    assert len(actor.name) <= 100  # fits OrderEvent.actor_name


async def test_demo_client_is_created_once_with_the_demo_token(session: AsyncSession) -> None:
    assert await ensure_demo_api_client(session)
    assert not await ensure_demo_api_client(session)
    client = await authenticate(session, DEMO_TOKEN)
    assert client is not None
    assert set(client.scopes) == {"orders:read", "orders:write"}
