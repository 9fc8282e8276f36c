"""One-shot messages after a redirect ("Order SO-2026-000123 submitted"), carried in a signed cookie.

A cookie rather than the session: the session is written only at sign-in and sign-out, so a POST
that changes an order never also has to write the session row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

FLASH_COOKIE = "op_flash"
_STATE_KEY = "op_flashes"


def _sign(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()[:32]


def flash_cookie(request: Request[Any, Any, Any], kind: str, msgid: str, **params: Any) -> Cookie:
    """A cookie holding one message; attach it to the redirect that follows a successful POST."""
    payload = base64.urlsafe_b64encode(
        json.dumps([kind, msgid, params], ensure_ascii=False).encode()
    ).decode()
    secret = request.app.state.settings.secret_key
    return Cookie(
        key=FLASH_COOKIE, value=f"{payload}.{_sign(secret, payload.encode())}", path="/", httponly=True,
        samesite="lax", secure=request.app.state.settings.secure_cookies, max_age=60,
    )  # fmt: skip


def pop_flashes(request: Request[Any, Any, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """Read the pending message (once per request) and mark the cookie for deletion."""
    state = request.scope.setdefault("state", {})
    if _STATE_KEY in state:
        return state[_STATE_KEY]
    raw = request.cookies.get(FLASH_COOKIE, "")
    messages: list[tuple[str, str, dict[str, Any]]] = []
    payload, _, signature = raw.partition(".")
    secret = request.app.state.settings.secret_key
    if payload and hmac.compare_digest(signature, _sign(secret, payload.encode())):
        try:
            kind, msgid, params = json.loads(base64.urlsafe_b64decode(payload.encode()))
            messages.append((str(kind), str(msgid), dict(params)))
        except (ValueError, TypeError):
            messages = []
    state[_STATE_KEY] = messages
    return messages


class FlashMiddleware:
    """Deletes the flash cookie once a page has shown its message (the page pops it while rendering,
    which happens before the response starts)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and scope.get("state", {}).get(_STATE_KEY):
                headers = MutableScopeHeaders.from_message(message)
                headers.add(
                    "Set-Cookie", Cookie(key=FLASH_COOKIE, value="", path="/", max_age=0).to_header(header="")
                )
            await send(message)

        await self.app(scope, receive, send_wrapper)
