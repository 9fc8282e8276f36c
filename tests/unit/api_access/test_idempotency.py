"""Idempotency-Key semantics in the domain: claim, replay, mismatch, in flight, abandoned, purge."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.api_access import idempotency as idem
from domain.api_access.services import create_client
from domain.base import utcnow

ADMIN = Actor(kind="staff", id=None, name="admin", roles=frozenset({"admin"}))


@pytest.fixture
async def client_id(session: AsyncSession) -> int:
    client, _ = await create_client(
        session, name="ERP", scopes=["orders:write"], actor=ADMIN, token="op_unit"
    )
    return client.id


async def claim(
    session: AsyncSession, client_id: int, key: str = "k", fp: str = "f" * 64, **kw: object
) -> object:
    return await idem.claim(
        session, client_id=client_id, key=key, method="POST", path="/api/v1/orders", fingerprint=fp, **kw
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("header", "key"),
    [("abc", "abc"), ('"8e03978e-40d5-43e8-bc93-6894a57f9324"', "8e03978e-40d5-43e8-bc93-6894a57f9324"),
     ('"a \\"quoted\\" key"', 'a "quoted" key'), ("  spaced  ", "spaced"), ("", None), ('""', None), (None, None),
     ("x" * 256, None), ("tab\tkey", None), ("中文", None)],
)  # fmt: skip
def test_parse_key(header: str | None, key: str | None) -> None:
    assert idem.parse_key(header) == key


def test_fingerprint_ignores_key_order_but_not_values() -> None:
    a = {"customer": "C001", "lines": [{"part_no": "P", "quantity": "1"}]}
    b = {"lines": [{"quantity": "1", "part_no": "P"}], "customer": "C001"}
    assert idem.fingerprint(a) == idem.fingerprint(b)
    assert idem.fingerprint(a) != idem.fingerprint({**a, "customer": "C002"})
    # The order of lines is part of the order.
    two = {"lines": [{"part_no": "P"}, {"part_no": "Q"}]}
    assert idem.fingerprint(two) != idem.fingerprint({"lines": [{"part_no": "Q"}, {"part_no": "P"}]})


async def test_first_claim_then_in_flight_then_replay(session: AsyncSession, client_id: int) -> None:
    first = await claim(session, client_id)
    assert isinstance(first, idem.Claim)
    with pytest.raises(idem.KeyInFlight):
        await claim(session, client_id)
    await idem.complete(session, first, status=201, body='{"order_no":"SO-1"}', headers={"Location": "/x"})
    again = await claim(session, client_id)
    assert again == idem.StoredResponse(201, '{"order_no":"SO-1"}', {"Location": "/x"})


async def test_different_request_under_the_key_is_refused(session: AsyncSession, client_id: int) -> None:
    await claim(session, client_id, fp="a" * 64)
    with pytest.raises(idem.KeyReused):
        await claim(session, client_id, fp="b" * 64)


async def test_keys_belong_to_their_client(session: AsyncSession, client_id: int) -> None:
    other, _ = await create_client(
        session, name="MES", scopes=["orders:write"], actor=ADMIN, token="op_unit2"
    )
    assert isinstance(await claim(session, client_id), idem.Claim)
    assert isinstance(await claim(session, other.id), idem.Claim)


async def test_abandoned_claim_can_be_taken_over_once(session: AsyncSession, client_id: int) -> None:
    first = await claim(session, client_id)
    assert isinstance(first, idem.Claim)
    later = utcnow() + idem.ABANDONED_AFTER + dt.timedelta(seconds=1)
    taken = await claim(session, client_id, now=later)
    assert taken == first
    with pytest.raises(idem.KeyInFlight):  # the take-over refreshed the claim: a second retry waits
        await claim(session, client_id, now=later)


async def test_release_gives_the_key_back(session: AsyncSession, client_id: int) -> None:
    first = await claim(session, client_id)
    assert isinstance(first, idem.Claim)
    await idem.release(session, first)
    assert isinstance(await claim(session, client_id), idem.Claim)


async def test_purge_keeps_a_day(session: AsyncSession, client_id: int) -> None:
    first = await claim(session, client_id)
    assert isinstance(first, idem.Claim)
    assert await idem.purge(session, now=utcnow() + dt.timedelta(hours=23, minutes=59)) == 0
    assert await idem.purge(session, now=utcnow() + idem.KEEP_FOR + dt.timedelta(seconds=5)) == 1
    assert isinstance(await claim(session, client_id), idem.Claim)  # forgotten: a new request
