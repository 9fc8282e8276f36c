"""Excel import at the order desk: template, upload, preview with row errors, import in steps with progress.

The uploaded file stays on the server under a random key tied to the uploader (in the database) and to
their session; preview and import both parse that same file, so what is imported is what was previewed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Response, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import today_local
from domain.catalog.models import Product
from domain.errors import ValidationFailed
from domain.i18n import N_
from domain.intake import excel, services
from domain.intake.template import build_template
from domain.orders.permissions import authorize_entry
from domain.parties.models import Customer
from web.auth import STAFF, StaffViewer, require_signed_in
from web.flash import flash_cookie
from web.templating import is_fragment_request, page

BASE = "/backoffice/imports/excel"
PREVIEW_ORDERS = 200  # orders listed on the preview; the counts cover all
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _store(request: Request[Any, Any, Any]) -> services.UploadStore:
    return services.UploadStore(request.app.state.settings.upload_dir)


def _session_tag(request: Request[Any, Any, Any]) -> str:
    """A digest of the sign-in session's id (the cookie rotates at every sign-in). Kept with the upload
    instead of writing the upload's key into the session: the session row is written only at sign-in."""
    cookie = request.cookies.get(STAFF.cookie, "")
    return hashlib.sha256(cookie.encode()).hexdigest()


class ExcelImportController(Controller):
    path = "/imports/excel"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:excel_import")
    async def upload_form(self, request: Request[Any, Any, Any], viewer: StaffViewer) -> Template:
        authorize_entry(viewer.actor())
        return page(request, "backoffice/intake/upload.html", {"viewer": viewer, "errors": {}})

    @get("/template.xlsx", name="bo:excel_template")
    async def template(self, db_session: AsyncSession, viewer: StaffViewer) -> Response[bytes]:
        authorize_entry(viewer.actor())
        customers = (
            await db_session.execute(
                select(Customer.code, Customer.name).where(Customer.active).order_by(Customer.code)
            )
        ).all()
        products = (
            await db_session.execute(
                select(Product.part_no, Product.name).where(Product.active).order_by(Product.part_no)
            )
        ).all()
        data = build_template(
            [tuple(c) for c in customers],  # type: ignore[misc]
            [tuple(p) for p in products],  # type: ignore[misc]
            example_date=today_local() + dt.timedelta(days=45),
        )
        return Response(
            data,
            media_type=XLSX,
            headers={
                "Content-Disposition": 'attachment; filename="orderpulse-order-import.xlsx"',
                "Cache-Control": "no-store",
            },
        )

    @post("/", name="bo:excel_upload")
    async def upload(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Any:
        authorize_entry(viewer.actor())
        form = await request.form()
        upload = form.get("file")
        data = await upload.read() if isinstance(upload, UploadFile) else b""
        filename = upload.filename if isinstance(upload, UploadFile) else ""
        try:
            record = await services.register_upload(
                db_session, _store(request), data=data, filename=filename, actor=viewer.actor(),
                session_tag=_session_tag(request),
            )  # fmt: skip
        except ValidationFailed as exc:
            context = {"viewer": viewer, "errors": exc.errors}
            return page(request, "backoffice/intake/upload.html", context, status_code=422)
        return Redirect(f"{BASE}/{record.key}", status_code=303)

    @get("/{key:str}", name="bo:excel_preview")
    async def preview(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, key: str
    ) -> Template:
        record = await services.get_import(db_session, key, viewer.actor(), session_tag=_session_tag(request))
        if record.status != "uploaded":
            return page(request, "backoffice/intake/progress.html", {"viewer": viewer, "record": record},
                        block="progress")  # fmt: skip
        parsed = await services.preview(db_session, _store(request).read(key), today=today_local())
        context = {
            "viewer": viewer,
            "record": record,
            "parsed": parsed,
            "shown_orders": parsed.orders[:PREVIEW_ORDERS],
            "column_labels": excel.COLUMN_LABELS,
            "errors": {},
        }
        return page(request, "backoffice/intake/preview.html", context)

    @post("/{key:str}/import", name="bo:excel_start")
    async def start(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, key: str
    ) -> Any:
        record = await services.get_import(
            db_session, key, viewer.actor(), session_tag=_session_tag(request), for_update=True
        )
        if record.status == "uploaded":
            data = _store(request).read(key)
            try:
                await services.start_import(
                    db_session, record, data, actor=viewer.actor(), today=today_local()
                )
            except ValidationFailed:
                response = Redirect(f"{BASE}/{key}", status_code=303)
                response.cookies.append(
                    flash_cookie(request, "danger", N_("The file holds no valid order to import."))
                )
                return response  # fmt: skip
            await services.import_step(db_session, record, actor=viewer.actor())
            if record.status == "done":
                _store(request).delete(key)
        return Redirect(f"{BASE}/{key}", status_code=303)

    @post("/{key:str}/step", name="bo:excel_step")
    async def step(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, key: str
    ) -> Any:
        """One more slice of the import. htmx calls it again and again from the progress bar; without
        JavaScript the page's Continue button does."""
        record = await services.get_import(
            db_session, key, viewer.actor(), session_tag=_session_tag(request), for_update=True
        )
        await services.import_step(db_session, record, actor=viewer.actor())
        if record.status == "done":
            _store(request).delete(key)
        if is_fragment_request(request):
            return page(request, "backoffice/intake/progress.html", {"viewer": viewer, "record": record},
                        block="progress")  # fmt: skip
        return Redirect(f"{BASE}/{key}", status_code=303)
