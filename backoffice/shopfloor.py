"""Shop floor: work-center queues, the operation card (start / report / finish / photos), and the
production section of the order page. Rules live in domain.production.progress; this parses forms,
picks the template, and shows errors next to the fields (422) or the current state on a stale form (409)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.errors import InvalidTransition, StaleVersion, ValidationFailed
from domain.i18n import N_
from domain.orders.drafts import parse_int
from domain.production import progress, queries
from domain.production.photos import MAX_BYTES, PhotoStore
from web.auth import StaffViewer, require_signed_in
from web.flash import flash_cookie
from web.i18n import fmt_datetime, gettext
from web.templating import is_fragment_request, page

CARD = "backoffice/shopfloor/operation.html"
MSG_STALE = N_("Changed by %(name)s at %(time)s: this is the current state. Check it and try again.")
MSG_NOT_NOW = N_("That step is not possible in the operation's current state (%(status)s).")
MSG_DONE = {
    "start": N_("Operation started."),
    "report": N_("Quantity reported."),
    "finish": N_("Operation finished."),
    "photo": N_("Photo uploaded."),
}


class ShopFloorController(Controller):
    path = "/shopfloor"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:shopfloor")
    async def index(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Template:
        centers = await queries.my_work_centers(db_session, viewer.actor(), now=utcnow())
        return page(request, "backoffice/shopfloor/index.html", {"viewer": viewer, "centers": centers})

    @get("/work-centers/{wc_id:int}", name="bo:shopfloor_queue")
    async def queue(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, wc_id: int
    ) -> Template:
        wc, rows = await queries.work_center_queue(db_session, wc_id, viewer.actor())
        context = {"viewer": viewer, "wc": wc, "rows": rows, "now": utcnow(), "limit": queries.QUEUE_LIMIT}
        return page(request, "backoffice/shopfloor/queue.html", context)

    @get("/operations/{op_id:int}", name="bo:shopfloor_operation")
    async def operation(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, op_id: int
    ) -> Template:
        return await self._card(request, db_session, viewer, op_id)

    @post("/operations/{op_id:int}/{action:str}", name="bo:shopfloor_command")
    async def command(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        op_id: int,
        action: str,
    ) -> Any:
        if action not in ("start", "report", "finish"):
            from litestar.exceptions import NotFoundException

            raise NotFoundException()
        form = await request.form()
        values = {k: str(form.get(k, "")) for k in ("note", "quantity_done", "version")}
        version = parse_int(values["version"])
        actor = viewer.actor()
        try:
            if version is None:
                raise ValidationFailed({"operation": N_("The form is incomplete; reload the page.")})
            if action == "start":
                await progress.start_operation(
                    db_session, op_id, expected_version=version, actor=actor, note=values["note"]
                )
            elif action == "report":
                qty = progress.parse_quantity(values["quantity_done"])
                await progress.report_quantity(
                    db_session,
                    op_id,
                    quantity_done=qty,
                    expected_version=version,
                    actor=actor,
                    note=values["note"],
                )
            else:
                text = values["quantity_done"].strip()
                qty = progress.parse_quantity(text) if text else None
                await progress.finish_operation(
                    db_session,
                    op_id,
                    expected_version=version,
                    actor=actor,
                    note=values["note"],
                    quantity_done=qty,
                )
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._card(request, db_session, viewer, op_id, errors=exc.errors, values=values,
                                    form=action, status_code=422)  # fmt: skip
        except StaleVersion as exc:
            await db_session.rollback()
            notice = gettext(MSG_STALE) % {
                "name": exc.changed_by or "?",
                "time": fmt_datetime(exc.changed_at),
            }
            return await self._card(request, db_session, viewer, op_id, notice=notice, status_code=409)
        except InvalidTransition as exc:
            await db_session.rollback()
            notice = gettext(MSG_NOT_NOW) % {"status": exc.status}
            return await self._card(request, db_session, viewer, op_id, notice=notice, status_code=409)
        return await self._done(request, db_session, viewer, op_id, action)

    @post(
        "/operations/{op_id:int}/photos",
        name="bo:shopfloor_photo",
        request_max_body_size=MAX_BYTES + 1024 * 1024,
    )
    async def photo(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, op_id: int
    ) -> Any:
        form = await request.form()
        upload = form.get("photo")
        caption = str(form.get("caption", ""))
        data, filename = b"", ""
        if isinstance(upload, UploadFile):
            data, filename = await upload.read(), upload.filename or ""
        store = PhotoStore(request.app.state.settings.upload_dir)
        try:
            await progress.add_photo(db_session, op_id, data, filename, caption, viewer.actor(), store)
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._card(request, db_session, viewer, op_id, errors=exc.errors,
                                    values={"caption": caption}, form="photo", status_code=422)  # fmt: skip
        except InvalidTransition as exc:
            await db_session.rollback()
            notice = gettext(MSG_NOT_NOW) % {"status": exc.status}
            return await self._card(request, db_session, viewer, op_id, notice=notice, status_code=409)
        return await self._done(request, db_session, viewer, op_id, "photo")

    @get("/orders/{order_no:str}/production", name="bo:shopfloor_order")
    async def order_production(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order_no: str
    ) -> Template:
        """The order page's production section: loaded by htmx into the page, or a page of its own."""
        order, jobs = await queries.order_production(db_session, order_no)
        context = {"viewer": viewer, "order": order, "jobs": jobs, "now": utcnow()}
        return page(request, "backoffice/shopfloor/production.html", context, block="production")

    # --- helpers ---

    @staticmethod
    async def _done(
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        op_id: int,
        action: str,
    ) -> Any:
        if is_fragment_request(request):  # htmx: the fresh card in place, with a toast beside it
            return await ShopFloorController._card(request, db_session, viewer, op_id, done=MSG_DONE[action])
        response = Redirect(f"/backoffice/shopfloor/operations/{op_id}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", MSG_DONE[action]))
        return response

    @staticmethod
    async def _card(
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        op_id: int,
        *,
        errors: dict[str, Any] | None = None,
        values: dict[str, str] | None = None,
        form: str = "",
        notice: str = "",
        done: str = "",
        status_code: int = 200,
    ) -> Template:
        card = await queries.operation_card(db_session, op_id, viewer.actor())
        context = {
            "viewer": viewer,
            "card": card,
            "errors": errors or {},
            "values": values or {},
            "form": form,
            "notice": notice,
            "done": done,
            "now": utcnow(),
        }
        return page(request, CARD, context, block="op_card", status_code=status_code)
