"""改 in the portal: the buyer requests a change on an order, follows it along the approval chain, reads
the impact summary and signs the change-impact report. Every read is scoped to the viewer's company."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.changes import queries
from domain.changes.report import sha256
from domain.changes.services import may_request, order_for
from domain.changes.signing import may_sign, report_for, sign_report
from domain.errors import Forbidden, ValidationFailed
from domain.i18n import N_
from web.auth import CustomerViewer, client_ip, require_signed_in
from web.change_labels import LABELS
from web.change_views import change_form_context, iso_date, pdf_response, submit_change_form
from web.flash import flash_cookie
from web.templating import page


class PortalChangesController(Controller):
    guards = [require_signed_in]  # noqa: RUF012

    @get("/changes", name="portal:changes")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: CustomerViewer,
        order: str = "",
    ) -> Template:
        order_id = None
        if order:
            order_id = (await order_for(db_session, order[:20], viewer.actor())).id
        rows = await queries.recent_requests(db_session, customer_id=viewer.customer_id, order_id=order_id)
        context = {"viewer": viewer, "rows": rows, "order_no": order[:20] if order_id else "", "lbl": LABELS}
        return page(request, "portal/changes/index.html", context)

    @get("/orders/{order_no:str}/changes/new", name="portal:change_new")
    async def new(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Template:
        order = await order_for(db_session, order_no, viewer.actor())  # another company's → 404 first
        if not may_request(viewer.actor()):
            raise Forbidden("only buyers request changes")
        context = await change_form_context(db_session, order, viewer, values={}, errors={})
        return page(request, "portal/changes/new.html", context)

    @post("/orders/{order_no:str}/changes", name="portal:change_create")
    async def create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Any:
        cr = await submit_change_form(request, db_session, viewer, order_no, "portal/changes/new.html")
        if isinstance(cr, Template):
            return cr
        response = Redirect(f"/portal/changes/{cr.number}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Change request %(number)s sent for approval."),
                                             number=cr.number))  # fmt: skip
        return response

    @get("/changes/{number:str}", name="portal:change")
    async def detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, number: str
    ) -> Template:
        view = await queries.get_request(db_session, number, viewer.actor())
        return page(
            request, "portal/changes/detail.html", await self._context(db_session, view, viewer, {}, {})
        )

    @get("/changes/{number:str}/report.pdf", name="portal:change_report")
    async def report(self, db_session: AsyncSession, viewer: CustomerViewer, number: str) -> Response[bytes]:
        view = await queries.get_request(db_session, number, viewer.actor())
        return pdf_response(await report_for(db_session, view), f"{number}.pdf")

    @post("/changes/{number:str}/sign", name="portal:change_sign")
    async def sign(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, number: str
    ) -> Any:
        form = await request.form()
        values = {"typed_name": str(form.get("typed_name", "")), "confirm": bool(form.get("confirm"))}
        try:
            await sign_report(db_session, number=number, typed_name=values["typed_name"], confirmed=values["confirm"],
                              shown_sha256=str(form.get("report_sha256", "")), ip=client_ip(request),
                              actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            view = await queries.get_request(db_session, number, viewer.actor())
            context = await self._context(db_session, view, viewer, exc.errors, values)
            return page(request, "portal/changes/detail.html", context, block="sign", status_code=422)
        response = Redirect(f"/portal/changes/{number}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Report signed."), number=number))
        return response

    @staticmethod
    async def _context(
        db_session: AsyncSession,
        view: Any,
        viewer: CustomerViewer,
        errors: dict[str, Any],
        values: dict[str, Any],
    ) -> dict[str, Any]:
        can_sign = may_sign(view, viewer.actor())
        return {
            "viewer": viewer, "view": view, "cr": view.request, "errors": errors, "values": values, "lbl": LABELS, "iso": iso_date,
            "can_sign": can_sign,
            # The hash of exactly the report the page links to; the signature must match it.
            "report_sha256": sha256(await report_for(db_session, view)) if can_sign else "",
        }  # fmt: skip
