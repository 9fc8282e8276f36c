"""The JSON API for other systems (/api/v1): bearer tokens with scopes, problem+json errors."""

from __future__ import annotations

from typing import Any

from litestar import Router

from api.auth import require_scope
from api.cli import ApiCLIPlugin
from api.docs import StrictStructSchemaPlugin, docs_csp, openapi_config
from api.orders import OrdersApi
from api.problems import EXCEPTION_HANDLERS, for_api_paths

__all__ = ["build_router", "docs_csp", "for_api_paths", "openapi_config", "plugins"]

# An API body is an order of at most a few hundred lines, never megabytes.
MAX_BODY = 512 * 1024


def build_router() -> Router:
    return Router(
        path="/api/v1",
        route_handlers=[OrdersApi],
        guards=[require_scope],
        exception_handlers=EXCEPTION_HANDLERS,
        # Token authentication, no cookies: nothing a forged cross-site form could ride on.
        opt={"exclude_from_csrf": True},
        request_max_body_size=MAX_BODY,
    )


def plugins() -> list[Any]:
    """`litestar api purge-keys`, and schemas that say when unknown fields are refused."""
    return [ApiCLIPlugin(), StrictStructSchemaPlugin()]
