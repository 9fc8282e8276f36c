"""API clients (admin only): create a client and see its token once, revoke a client."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.api_access.services import SCOPES, create_client, list_clients, revoke_client
from domain.errors import ValidationFailed
from domain.i18n import N_
from web.auth import StaffViewer, require_signed_in
from web.flash import flash_cookie
from web.templating import page

SCOPE_LABELS = {"orders:read": N_("Read orders"), "orders:write": N_("Create orders")}


class ApiClientsController(Controller):
    path = "/api-clients"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:api_clients")
    async def index(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Template:
        return await self._page(request, db_session, viewer)

    @post("/", name="bo:api_client_create")
    async def create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Template:
        form = await request.form()
        name = str(form.get("name", ""))[:500]
        scopes = [str(s) for s in form.getall("scopes")] if "scopes" in form else []
        try:
            client, token = await create_client(db_session, name=name, scopes=scopes, actor=viewer.actor())
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._page(request, db_session, viewer, errors=exc.errors, values={"name": name, "scopes": scopes},
                                    status_code=422)  # fmt: skip
        # The token is shown on this answer only (never in a redirect's cookie or URL); no-store keeps
        # it out of caches, and reloading the page cannot show it again.
        return await self._page(request, db_session, viewer, created=(client.name, token), status_code=201)

    @post("/{client_id:int}/revoke", name="bo:api_client_revoke")
    async def revoke(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, client_id: int
    ) -> Redirect:
        client = await revoke_client(db_session, client_id, viewer.actor())
        response = Redirect("/backoffice/api-clients", status_code=303)
        response.cookies.append(
            flash_cookie(request, "success", N_("API client %(name)s revoked."), name=client.name)
        )
        return response

    @staticmethod
    async def _page(
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        *,
        errors: dict[str, Any] | None = None,
        values: dict[str, Any] | None = None,
        created: tuple[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        context = {
            "viewer": viewer,
            "clients": await list_clients(db_session, viewer.actor()),
            "scopes": [(s, SCOPE_LABELS[s]) for s in SCOPES],
            "errors": errors or {},
            "values": values or {"name": "", "scopes": list(SCOPES)},
            "created": created,
        }
        return page(request, "backoffice/api_clients/index.html", context, status_code=status_code)
