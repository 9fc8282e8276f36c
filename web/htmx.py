"""A redirect that answers an htmx request becomes ``HX-Redirect``: htmx then loads the target as a page.

Without this the browser's fetch follows the 303 itself and htmx swaps the whole next page into the
form's target (a page inside the page), and the flash message is spent on that hidden fetch.
Handlers keep answering a successful POST with a plain 303, which is also what works without JavaScript.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send


class HtmxRedirectMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        if headers.get(b"hx-request") != b"true" or headers.get(b"hx-boosted") == b"true":
            await self.app(scope, receive, send)
            return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                response_headers = MutableScopeHeaders.from_message(message)
                location = response_headers.get("location")
                if location:
                    del response_headers["location"]
                    response_headers["HX-Redirect"] = location
                    message["status"] = 200
            await send(message)

        await self.app(scope, receive, send_wrapper)
