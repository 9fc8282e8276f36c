"""Cache headers for static files: a year, immutable, for URLs that change whenever the file does.

Our own CSS/JS are linked with ``?v=<content hash>`` (``web.templating``) and vendored files carry
their version in the file name, so a browser may keep them for good: a returning customer's phone
then fetches only the page and its data. Anything else under /static keeps the router's day-long
default, since its URL stays the same when the file changes.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

IMMUTABLE = "public, max-age=31536000, immutable"


def _versioned(scope: Scope) -> bool:
    path = scope.get("path", "")
    if not path.startswith("/static/"):
        return False
    if path.startswith("/static/vendor/"):
        return True
    query = scope.get("query_string", b"")
    return any(part.startswith(b"v=") and len(part) > 2 for part in query.split(b"&"))


async def cache_versioned_static(message: Message, scope: Scope) -> None:
    if message["type"] == "http.response.start" and message["status"] == 200 and _versioned(scope):
        MutableScopeHeaders.from_message(message)["Cache-Control"] = IMMUTABLE
