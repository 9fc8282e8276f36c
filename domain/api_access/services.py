"""API clients: created and revoked by an admin, found by the SHA-256 of their bearer token."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.api_access.models import ApiClient
from domain.base import utcnow
from domain.errors import Forbidden, NotFound, ValidationFailed
from domain.i18n import N_, Msg
from domain.parties.roles import StaffRole

# What a client may be allowed to do. Each API route names the one scope it needs.
SCOPES = ("orders:read", "orders:write")
TOKEN_PREFIX = "op_"  # noqa: S105 (a prefix, not a secret)
MAX_NAME = 100
# last_used_at is a hint for the admin ("is this integration still alive?"), not an audit trail:
# writing it on every call would turn each read into a write, so it is refreshed at most this often.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def hash_token(token: str) -> str:
    # A plain hash is enough (no salt, no slow KDF): the token is 256 random bits, not a password
    # a person chose, so there is nothing to guess; and a lookup by hash keeps each call one query.
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def _authorize_admin(actor: Actor) -> None:
    if actor.kind != "staff" or StaffRole.ADMIN not in actor.roles:
        raise Forbidden("api clients")


async def list_clients(session: AsyncSession, actor: Actor) -> list[ApiClient]:
    _authorize_admin(actor)
    return list(
        (
            await session.scalars(
                select(ApiClient).order_by(ApiClient.revoked_at.is_not(None), ApiClient.name)
            )
        ).all()
    )


async def create_client(
    session: AsyncSession, *, name: str, scopes: Iterable[str], actor: Actor, token: str | None = None
) -> tuple[ApiClient, str]:
    """A new client and its token (returned once; only its hash is kept). ``token`` is for demo data."""
    _authorize_admin(actor)
    name = " ".join(name.split())
    wanted = sorted(set(scopes))
    errors: dict[str, Msg] = {}
    if not name:
        errors["name"] = Msg(N_("Enter a name."))
    elif len(name) > MAX_NAME:
        errors["name"] = Msg(N_("At most %(max)s characters."), max=MAX_NAME)
    elif await session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        errors["name"] = Msg(N_("An API client with this name exists already."))
    if not wanted or any(s not in SCOPES for s in wanted):
        errors["scopes"] = Msg(N_("Choose at least one permission."))
    if errors:
        raise ValidationFailed(errors)
    token = token or new_token()
    client = ApiClient(
        name=name, scopes=wanted, token_hash=hash_token(token), token_prefix=token[:12], created_by=actor.name
    )
    session.add(client)
    await session.flush()
    return client, token


async def revoke_client(session: AsyncSession, client_id: int, actor: Actor) -> ApiClient:
    _authorize_admin(actor)
    client = await session.get(ApiClient, client_id)
    if client is None:
        raise NotFound(str(client_id))
    if client.revoked_at is None:  # revoking twice keeps the first time and person
        client.revoked_at = utcnow()
        client.revoked_by = actor.name
        await session.flush()
    return client


async def authenticate(session: AsyncSession, token: str) -> ApiClient | None:
    """The active client this bearer token belongs to, or None. Reads only (see ``touch``)."""
    if not token or len(token) > 200:
        return None
    client = await session.scalar(select(ApiClient).where(ApiClient.token_hash == hash_token(token)))
    if client is None or client.revoked_at is not None:
        return None
    return client


def touch(client: ApiClient, now: dt.datetime | None = None) -> None:
    """Note the call on the client (in the caller's transaction), at most once per resolution."""
    now = now or utcnow()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
        client.last_used_at = now


def api_actor(client: ApiClient) -> Actor:
    """Orders entered through the API are the factory's own intake, like a sales desk: the submit step
    of the state machine asks for a desk role, and this actor carries exactly that one."""
    return Actor(kind="system", id=None, name=f"API: {client.name}"[:100], roles=frozenset({StaffRole.SALES}))
