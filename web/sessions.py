"""Server-side sessions in the database, one cookie per face, with the id rotated at sign-in.

The database store lets several app processes share sessions (DESIGN: nothing another process would
need is kept in memory). A request only writes its session when the data changed, so an ordinary
page costs one session read and no write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from advanced_alchemy.extensions.litestar.store import StoreModelMixin
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

ROTATE = "_rotate"
_LOADED = "op_session_loaded"
_NEW_ID = "op_session_new_id"


class SessionStoreItem(StoreModelMixin):
    __tablename__ = "session_store"


def rotate_session(connection: ASGIConnection[Any, Any, Any, Any], data: dict[str, Any]) -> None:
    """Replace the session with ``data`` under a fresh id (against session fixation)."""
    connection.set_session({**data, ROTATE: True})


class RotatingSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope.setdefault("state", {})[_LOADED] = (
            self.serialize_data(data, connection.scope) if data else b""
        )
        return data

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})
        if new_id := state.get(_NEW_ID):
            return new_id
        return super().get_session_id(connection)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        state = connection.scope.setdefault("state", {})
        cookie = connection.cookies.get(self.config.key)
        store = self.config.get_store_from_app(connection.scope["app"])
        if isinstance(scope_session, dict) and scope_session.pop(ROTATE, False):
            if cookie and cookie != "null":
                await self.delete(cookie, store=store)
            state[_NEW_ID] = self.generate_session_id()
        elif scope_session is Empty or not scope_session:
            # Signed out, or an anonymous visitor: nothing to keep. Drop the row the cookie names and
            # expire the cookie, so no empty session rows are written on every later anonymous visit.
            if not cookie:
                return
            if cookie != "null":
                await self.delete(cookie, store=store)
            params = dict(
                extract_dataclass_items(self.config, exclude_none=True, include=Cookie.__dict__.keys())
            )
            params.update(value="", max_age=0, expires=0)
            MutableScopeHeaders.from_message(message).add(
                "Set-Cookie", Cookie(key=self.config.key, **params).to_header(header="")
            )
            return
        elif cookie and state.get(_LOADED) == self.serialize_data(scope_session, connection.scope):
            return  # unchanged: nothing to write, the browser already holds the cookie
        await super().store_in_message(scope_session, message, connection)


@dataclass
class FaceSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend  # type: ignore[assignment]
