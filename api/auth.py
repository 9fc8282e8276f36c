"""Bearer-token authentication of API clients, and the scope each route needs (a route guard)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncSession

from domain.api_access.models import ApiClient
from domain.api_access.services import authenticate

CLIENT_KEY = "api_client"


class MissingToken(NotAuthorizedException):
    """No bearer token on the request (401 with a challenge)."""


class InvalidToken(NotAuthorizedException):
    """A token that is unknown or revoked (401)."""


class InsufficientScope(PermissionDeniedException):
    """A valid token without the scope the route needs (403)."""


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def request_session(connection: ASGIConnection[Any, Any, Any, Any]) -> AsyncSession:
    """The request's own database session (the one the handler's ``db_session`` will be)."""
    return connection.app.state["alchemy"].provide_session(connection.app.state, connection.scope)


async def require_scope(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Every API route names its scope in ``opt["scope"]``; the client goes into the scope for it."""
    token = bearer_token(connection)
    if token is None:
        raise MissingToken("Send the API token as 'Authorization: Bearer <token>'.")
    client = await authenticate(request_session(connection), token)
    if client is None:
        raise InvalidToken("The token is unknown or has been revoked.")
    needed = handler.opt.get("scope")
    if not needed or needed not in client.scopes:
        raise InsufficientScope(f"This operation needs the scope '{needed}'.")
    connection.scope[CLIENT_KEY] = client  # type: ignore[literal-required]


def provide_client(request: Any) -> ApiClient:
    return request.scope[CLIENT_KEY]
