"""Error answers of the JSON API as RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from sqlalchemy.orm.exc import StaleDataError

from api.auth import InsufficientScope, InvalidToken, MissingToken
from domain.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from web import i18n
from web.errors import EXCEPTION_HANDLERS as WEB_HANDLERS

log = logging.getLogger("orderpulse.api")
PROBLEM_JSON = "application/problem+json"
BEARER_REALM = 'Bearer realm="orderpulse"'


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details; ``errors`` maps a field of the request (``lines[0].quantity``) to
    what is wrong with it."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: dict[str, str] = msgspec.field(default_factory=dict)


# Problem types are URNs: stable identifiers a client can switch on, not links to follow.
TYPES = {
    400: ("urn:orderpulse:problem:bad-request", "The request was not understood"),
    401: ("urn:orderpulse:problem:unauthorized", "A valid bearer token is required"),
    403: ("urn:orderpulse:problem:forbidden", "The token does not allow this"),
    404: ("urn:orderpulse:problem:not-found", "Not found"),
    405: ("urn:orderpulse:problem:method-not-allowed", "Method not allowed"),
    409: ("urn:orderpulse:problem:conflict", "Conflict"),
    413: ("urn:orderpulse:problem:too-large", "The request body is too large"),
    422: ("urn:orderpulse:problem:validation", "The request has invalid fields"),
    500: ("urn:orderpulse:problem:server-error", "Something went wrong on our side"),
}


def problem(
    status: int,
    detail: str = "",
    *,
    errors: Mapping[str, str] | None = None,
    type_: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response[Problem]:
    default_type, default_title = TYPES.get(status, TYPES[500] if status >= 500 else TYPES[400])
    body = Problem(
        type=type_ or default_type, title=title or default_title, status=status, detail=detail,
        errors=dict(errors or {}),
    )  # fmt: skip
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=dict(headers or {}))


def problem_text(response: Response[Problem]) -> str:
    """The problem's JSON as stored for an idempotent replay."""
    return msgspec.json.encode(response.content).decode()


_DOMAIN_LINE = re.compile(r"^lines-(\d+)-(\w+)$")


def field_name(domain_key: str) -> str:
    """Domain error keys (``lines-0-product``, as form fields are named) in the API's JSON terms."""
    if m := _DOMAIN_LINE.match(domain_key):
        name = {"product": "part_no"}.get(m.group(2), m.group(2))
        return f"lines[{m.group(1)}].{name}"
    return domain_key


def validation_problem(exc: ValidationFailed) -> Response[Problem]:
    errors = {field_name(k): i18n.translate(v) for k, v in exc.errors.items()}
    return problem(422, "; ".join(f"{k}: {v}" for k, v in errors.items()), errors=errors)


def unauthorized(detail: str, *, invalid: bool) -> Response[Problem]:
    # RFC 6750 §3: no error code when no token was sent, invalid_token when one was and it is no good.
    challenge = BEARER_REALM + (', error="invalid_token"' if invalid else "")
    return problem(401, detail, headers={"WWW-Authenticate": challenge})


def _handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    if isinstance(exc, MissingToken | InvalidToken):
        return unauthorized(str(exc.detail), invalid=isinstance(exc, InvalidToken))
    if isinstance(exc, InsufficientScope):
        challenge = BEARER_REALM + ', error="insufficient_scope"'
        return problem(403, str(exc.detail), headers={"WWW-Authenticate": challenge})
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list) else []
        # Litestar names the body as a whole "data" (its parameter); the API's readers know it as the body.
        body_errors = {
            ("body" if e.get("key") == "data" else str(e.get("key", ""))): str(e.get("message", ""))
            for e in extra
            if e.get("source") == "body"
        }
        if body_errors:
            # The JSON was well-formed but does not fit the schema: unknown or missing fields, wrong types.
            detail = "; ".join(f"{k}: {v}" for k, v in body_errors.items())
            return problem(422, detail, errors=body_errors)
        return problem(400, str(exc.detail))
    if isinstance(exc, ValidationFailed):
        return validation_problem(exc)
    if isinstance(exc, NotFound):
        return problem(404, "There is nothing here.")
    if isinstance(exc, Forbidden):
        return problem(403, "The token does not allow this.")
    if isinstance(exc, StaleVersion | StaleDataError | InvalidTransition):
        return problem(409, "The order was changed in the meantime; read it again.")
    if isinstance(exc, ClientException | HTTPException) and exc.status_code < 500:
        return problem(exc.status_code, str(exc.detail), headers=exc.headers)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500)


# Litestar picks the handler of the nearest class in the exception's MRO across all layers, so every
# class the app maps to an HTML page must be mapped here too, or the page would win for /api.
EXCEPTION_HANDLERS: dict[Any, Any] = {
    exc: _handle
    for exc in (
        *WEB_HANDLERS,
        ClientException,
        ValidationException,
        ValidationFailed,
        MissingToken,
        InvalidToken,
        InsufficientScope,
    )
}


def for_api_paths(handlers: Mapping[Any, Any]) -> dict[Any, Any]:
    """The app's handlers, answering problem+json instead under /api/: errors raised before a route
    is found (an unknown path, a method the path does not have) never reach the API router's own."""

    def wrap(handler: Any) -> Any:
        def answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
            if request.url.path.startswith("/api/"):
                return _handle(request, exc)
            return handler(request, exc)

        return answer

    return {exc: wrap(handler) for exc, handler in handlers.items()}


def spec(status: int, description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=description, media_type=PROBLEM_JSON, generate_examples=False
    )


COMMON_RESPONSES = {
    400: spec(400, "Malformed JSON, or a missing or malformed header or query parameter"),
    401: spec(401, "No bearer token, or one that is unknown or revoked"),
    403: spec(403, "The token lacks the scope this operation needs"),
    422: spec(422, "Well-formed JSON that breaks the schema or a business rule; `errors` names the fields"),
}
