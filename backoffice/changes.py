"""改 in the back office: raise a change for a customer, the approver's queue, approve / reject,
the impact report, order revisions with their diff, and re-verifying a signed PDF."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ValidationException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.changes import queries
from domain.changes.services import decide, may_request, order_for
from domain.changes.signing import report_for, verify_pdf
from domain.errors import Forbidden, ValidationFailed
from domain.i18n import N_
from domain.orders.drafts import parse_int
from web.auth import StaffViewer, require_signed_in
from web.change_labels import LABELS
from web.change_views import change_form_context, iso_date, pdf_response, submit_change_form
from web.flash import flash_cookie
from web.templating import page


class ChangeDeskController(Controller):
    path = "/changes"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:changes")
    async def index(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, status: str = ""
    ) -> Template:
        context = {
            "viewer": viewer,
            "queue": await queries.queue_for(db_session, viewer.actor()),
            "recent": await queries.recent_requests(db_session, status=status),
            "status": status if status in ("pending", "approved", "rejected") else "",
            "lbl": LABELS,
        }
        return page(request, "backoffice/changes/index.html", context, block="recent")

    @get("/verify", name="bo:changes_verify")
    async def verify_form(self, request: Request[Any, Any, Any], viewer: StaffViewer) -> Template:
        return page(
            request, "backoffice/changes/verify.html", {"viewer": viewer, "result": None, "errors": {}}
        )

    @post("/verify", name="bo:changes_verify_post")
    async def verify(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Template:
        form = await request.form()
        upload = form.get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        try:
            result = await verify_pdf(db_session, data)
        except ValidationFailed as exc:
            context = {"viewer": viewer, "result": None, "errors": exc.errors}
            return page(request, "backoffice/changes/verify.html", context, status_code=422)
        return page(
            request, "backoffice/changes/verify.html", {"viewer": viewer, "result": result, "errors": {}}
        )

    @get("/{number:str}", name="bo:change")
    async def detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, number: str
    ) -> Template:
        view = await queries.get_request(db_session, number, viewer.actor())
        return page(request, "backoffice/changes/detail.html", self._context(view, viewer, {}, ""))

    @post("/{number:str}/decide", name="bo:change_decide")
    async def decide(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, number: str
    ) -> Any:
        form = await request.form()
        decision = str(form.get("decision", ""))
        version = parse_int(str(form.get("version", "")))
        comment = str(form.get("comment", ""))
        if decision not in ("approve", "reject") or version is None:
            raise ValidationException("unknown decision or missing version")
        try:
            cr = await decide(db_session, number=number, decision=decision, comment=comment,
                              expected_version=version, actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            view = await queries.get_request(db_session, number, viewer.actor())
            context = self._context(view, viewer, exc.errors, comment)
            return page(request, "backoffice/changes/detail.html", context, block="decide", status_code=422)
        message = {
            "approved": N_("Change request %(number)s approved and applied to the order."),
            "rejected": N_("Change request %(number)s rejected."),
        }.get(cr.status, N_("Your approval of %(number)s is recorded; it moves to the next step."))
        response = Redirect(f"/backoffice/changes/{number}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", message, number=number))
        return response

    @get("/{number:str}/report.pdf", name="bo:change_report")
    async def report(self, db_session: AsyncSession, viewer: StaffViewer, number: str) -> Response[bytes]:
        view = await queries.get_request(db_session, number, viewer.actor())
        return pdf_response(await report_for(db_session, view), f"{number}.pdf")

    @staticmethod
    def _context(view: Any, viewer: StaffViewer, errors: dict[str, Any], comment: str) -> dict[str, Any]:
        return {"viewer": viewer, "view": view, "cr": view.request, "errors": errors, "comment": comment,
                "lbl": LABELS, "iso": iso_date}  # fmt: skip


class OrderChangesController(Controller):
    """Per-order pages: raise a change on the customer's behalf, and the order's revisions."""

    path = "/orders/{order_no:str}"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/changes/new", name="bo:change_new")
    async def new(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order_no: str
    ) -> Template:
        if not may_request(viewer.actor()):
            raise Forbidden("change requests are raised by sales and customer service")
        order = await order_for(db_session, order_no, viewer.actor())
        context = await change_form_context(db_session, order, viewer, values={}, errors={})
        return page(request, "backoffice/changes/new.html", context)

    @post("/changes", name="bo:change_create")
    async def create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order_no: str
    ) -> Any:
        cr = await submit_change_form(request, db_session, viewer, order_no, "backoffice/changes/new.html")
        if isinstance(cr, Template):
            return cr
        response = Redirect(f"/backoffice/changes/{cr.number}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Change request %(number)s raised (level %(level)s)."),
                                             number=cr.number, level=cr.level))  # fmt: skip
        return response

    @get("/revisions", name="bo:order_revisions")
    async def revisions(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order_no: str,
        a: str = "", b: str = "",
    ) -> Template:  # fmt: skip
        order = await order_for(db_session, order_no, viewer.actor())
        revisions = await queries.revisions_of(db_session, order.id)
        numbers = [rev.revision_no for rev, _ in revisions]
        ra, rb = parse_int(a), parse_int(b)
        if (ra is None or rb is None) and len(numbers) >= 2:
            ra, rb = numbers[-2], numbers[-1]
        rows = queries.compare(revisions, ra, rb) if ra is not None and rb is not None else None
        context = {"viewer": viewer, "order": order, "revisions": revisions, "a": ra, "b": rb, "rows": rows,
                   "lbl": LABELS}  # fmt: skip
        return page(request, "backoffice/changes/revisions.html", context, block="diff")
