"""Idempotency-Key semantics (draft-ietf-httpapi-idempotency-key-header): a retried create returns
the first answer instead of creating twice.

The first request with a key *claims* it: a row under the unique (client, key) constraint, committed
at once in a transaction of its own, so a concurrent second request with the same key finds it and
is told 409 instead of running too. The first request's answer is stored on the row: a success in
the same transaction as the order it created (both or neither), an error in a transaction of its
own (the request's own rolls back). A request that dies without an answer releases the claim.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.api_access.models import IdempotencyRecord
from domain.base import utcnow
from domain.errors import DomainError

# Keys are kept at least this long (the draft asks servers to publish it; the API docs say it).
KEEP_FOR = dt.timedelta(hours=24)
# A claim older than this without an answer belongs to a request that died (process killed between
# claim and answer): the next retry may take it over instead of being told 409 forever.
ABANDONED_AFTER = dt.timedelta(minutes=5)
MAX_KEY = 255


class KeyInFlight(DomainError):
    """The first request with this key is still running (409)."""


class KeyReused(DomainError):
    """The key was used before with a different request (422)."""


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str  # the JSON text exactly as first sent
    headers: dict[str, str]


@dataclass(frozen=True)
class Claim:
    record_id: int


def parse_key(header: str | None) -> str | None:
    """The key from the header: an RFC 8941 sf-string (``"abc"``) or, leniently, the bare token.
    None when it is missing, empty, too long or not printable ASCII."""
    value = (header or "").strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if not value or len(value) > MAX_KEY or not all(" " <= ch <= "~" for ch in value):
        return None
    return value


def fingerprint(payload: Any) -> str:
    """Same request ⇔ same fingerprint: the parsed body in canonical form, so key order and
    whitespace do not make a retry look like a different request."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def claim(
    session: AsyncSession,
    *,
    client_id: int,
    key: str,
    method: str,
    path: str,
    fingerprint: str,
    now: dt.datetime | None = None,
) -> Claim | StoredResponse:
    """Claim ``key`` for this request, or answer what the first request with it answered.
    Raises KeyReused (other request under this key) or KeyInFlight. The caller commits at once."""
    now = now or utcnow()
    try:
        async with session.begin_nested():
            record = IdempotencyRecord(
                client_id=client_id, key=key, method=method, path=path, fingerprint=fingerprint
            )
            session.add(record)
            await session.flush()
        return Claim(record.id)
    except IntegrityError:
        pass  # the key is taken: read who holds it below
    existing = await session.scalar(
        select(IdempotencyRecord)
        .where(IdempotencyRecord.client_id == client_id, IdempotencyRecord.key == key)
        # The row as it is now, not as this session may still hold it (complete() writes past the ORM).
        .execution_options(populate_existing=True)
    )
    if existing is None:  # purged between our insert and this read: vanishingly rare, so retry later
        raise KeyInFlight(key)
    if (existing.fingerprint, existing.method, existing.path) != (fingerprint, method, path):
        raise KeyReused(key)
    if existing.response_status is not None:
        return StoredResponse(
            existing.response_status, existing.response_body or "", existing.response_headers
        )
    if existing.updated_at < now - ABANDONED_AFTER:
        # Take the abandoned claim over, compare-and-set on its timestamp so only one retry wins it.
        taken = await session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == existing.id,
                IdempotencyRecord.updated_at == existing.updated_at,
                IdempotencyRecord.response_status.is_(None),
            )
            .values(updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return Claim(existing.id)
    raise KeyInFlight(key)


async def complete(
    session: AsyncSession, claimed: Claim, *, status: int, body: str, headers: dict[str, str] | None = None
) -> None:
    """Store the answer to replay. In the order's transaction for a success; in one of its own for an error."""
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == claimed.record_id)
        .values(
            response_status=status, response_body=body, response_headers=headers or {}, completed_at=utcnow()
        )
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, claimed: Claim) -> None:
    """Give the key back after a failure that produced no answer worth replaying (a crash, a 5xx)."""
    await session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.id == claimed.record_id, IdempotencyRecord.response_status.is_(None)
        )
    )


async def purge(
    session: AsyncSession, *, now: dt.datetime | None = None, keep_for: dt.timedelta = KEEP_FOR
) -> int:
    """Forget keys older than ``keep_for``; answers how many went. Run daily (``litestar api purge-keys``)."""
    cutoff = (now or utcnow()) - keep_for
    result = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff))
    return result.rowcount or 0  # type: ignore[attr-defined]
