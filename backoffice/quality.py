"""QC inspections in the back office: list, record/edit with characteristic rows, Excel import with a
preview, submit → approve → publish, the report and its download log, nonconformances.

QC staff and admins record and move inspections; PMC and sales read them (the domain refuses the rest).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ValidationException
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InvalidTransition, NotFound, ValidationFailed
from domain.i18n import N_, Msg
from domain.orders.drafts import parse_int
from domain.quality import excel, queries, rules
from domain.quality.inputs import RawCharacteristic, parse_characteristics, parse_header, split_samples
from domain.quality.models import Characteristic
from domain.quality.rules import MAX_CHARACTERISTICS
from domain.quality.services import (
    close_nonconformance,
    create_inspection,
    record_download,
    transition_inspection,
    update_inspection,
)
from web.auth import StaffViewer, client_ip, require_signed_in
from web.flash import flash_cookie
from web.pdf import pdf_response
from web.quality_labels import QC
from web.templating import page

ROW_FIELDS = ("c_name", "c_nominal", "c_lower", "c_upper", "c_unit", "c_samples")
BASE = "/backoffice/quality"


def _form_rows(form: Any) -> list[tuple[str, ...]]:
    """The characteristic rows as sent: one list per field, zipped into rows (missing cells blank)."""
    columns = [form.getall(name) if name in form else [] for name in ROW_FIELDS]
    count = max((len(c) for c in columns), default=0)
    if count > MAX_CHARACTERISTICS + 20:
        raise ValidationException("too many rows")
    return [tuple(str(c[i]) if i < len(c) else "" for c in columns) for i in range(count)]


def _raw(rows: list[tuple[str, ...]]) -> list[RawCharacteristic]:
    return [
        RawCharacteristic(n, nom, lo, up, unit, tuple(split_samples(s))) for n, nom, lo, up, unit, s in rows
    ]


def _rows_of(chars: list[Characteristic]) -> list[tuple[str, ...]]:
    return [
        (c.name, queries._plain(c.nominal), queries._plain(c.lower_tol), queries._plain(c.upper_tol), c.unit,
         " ".join(c.measured or ()))
        for c in chars
    ]  # fmt: skip


def _header_values(form: Any) -> dict[str, str]:
    return {k: str(form.get(k, "")) for k in ("order_line_id", "lot_no", "standard", "standard_version",
                                                "instrument", "notes")}  # fmt: skip


class QualityController(Controller):
    path = "/quality"
    guards = [require_signed_in]  # noqa: RUF012

    # --- lists ---------------------------------------------------------------------------------------

    @get("/inspections", name="bo:qc_inspections")
    async def index(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer,
        status: str = "", page_no: str = Parameter(query="page", default="1"),
    ) -> Template:  # fmt: skip
        rules.authorize_read(viewer.roles)
        page_number = parse_int(page_no) or 1
        rows, has_next = await queries.list_inspections(db_session, status=status, page=page_number)
        context = {
            "viewer": viewer, "rows": rows, "has_next": has_next, "page_no": page_number, "status": status,
            "statuses": [s.value for s in rules.InspectionStatus], "qc": QC,
            "can_record": rules.may_record(viewer.roles),
        }  # fmt: skip
        return page(request, "backoffice/quality/index.html", context, block="inspection_table")

    @get("/orders/{order_no:str}", name="bo:qc_order")
    async def order(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order_no: str
    ) -> Template:
        """The order's inspections: a page of its own, and the block the order page loads lazily."""
        rules.authorize_read(viewer.roles)
        order, rows = await queries.order_inspections(db_session, order_no)
        context = {"viewer": viewer, "order": order, "rows": rows, "qc": QC,
                   "can_record": rules.may_record(viewer.roles)}  # fmt: skip
        return page(request, "backoffice/quality/order.html", context, block="order_qc")

    @get("/nonconformances", name="bo:qc_ncs")
    async def nonconformances(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        status: str = "open",
    ) -> Template:
        rules.authorize_read(viewer.roles)
        context = {
            "viewer": viewer, "rows": await queries.list_nonconformances(db_session, status=status),
            "status": status if status in ("open", "closed", "all") else "open", "qc": QC,
            "can_close": not rules.NC_CLOSE_ROLES.isdisjoint(viewer.roles), "errors": {}, "note_value": {},
        }  # fmt: skip
        return page(request, "backoffice/quality/nonconformances.html", context, block="nc_table")

    @post("/nonconformances/{nc_id:int}/close", name="bo:qc_nc_close")
    async def close_nc(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, nc_id: int
    ) -> Any:
        form = await request.form()
        version = parse_int(str(form.get("version", "")))
        if version is None:
            raise ValidationException("missing version")
        try:
            await close_nonconformance(db_session, nonconformance_id=nc_id, expected_version=version,
                                       note=str(form.get("note", "")), actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            context = {
                "viewer": viewer, "rows": await queries.list_nonconformances(db_session, status="open"),
                "status": "open", "qc": QC, "can_close": True,
                "errors": {f"note-{nc_id}": exc.errors.get("note")}, "note_value": {nc_id: str(form.get("note", ""))},
            }  # fmt: skip
            return page(request, "backoffice/quality/nonconformances.html", context, block="nc_table",
                        status_code=422)  # fmt: skip
        response = Redirect(f"{BASE}/nonconformances", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Nonconformance closed.")))
        return response

    # --- recording -----------------------------------------------------------------------------------

    @get("/inspections/new", name="bo:qc_new")
    async def new(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order: str = ""
    ) -> Template:
        rules.authorize_record(viewer.roles)
        order_row, _ = await queries.order_inspections(db_session, order[:20])
        return await self._form(request, db_session, viewer, order=order_row, inspection=None, values={},
                                rows=[("", "", "", "", "mm", "")], errors={})  # fmt: skip

    @get("/inspections/row", name="bo:qc_row")
    async def row(self, viewer: StaffViewer, index: int = 1) -> Template:
        """One more empty characteristic row, appended by htmx."""
        rules.authorize_record(viewer.roles)
        context = {
            "index": min(max(index, 0), MAX_CHARACTERISTICS),
            "row": ("", "", "", "", "mm", ""),
            "errors": {},
        }
        return Template(template_name="backoffice/quality/_char_row.html", context=context,
                        headers={"Vary": "HX-Request"})  # fmt: skip

    @post("/inspections/new", name="bo:qc_create")
    async def create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order: str = ""
    ) -> Any:
        rules.authorize_record(viewer.roles)
        order_row, _ = await queries.order_inspections(db_session, order[:20])
        form = await request.form()
        rows, values = _form_rows(form), _header_values(form)
        if form.get("action") == "add_row":  # the no-JavaScript path of "add row"
            return await self._form(request, db_session, viewer, order=order_row, inspection=None, values=values,
                                    rows=[*rows, ("", "", "", "", "mm", "")], errors={})  # fmt: skip
        header, errors = parse_header(values)
        parsed = parse_characteristics(_raw(rows), require_rows=False)
        errors.update(parsed.errors)
        if header is not None and not errors:
            try:
                inspection = await create_inspection(db_session, order_no=order_row.order_no, header=header,
                                                     rows=parsed.rows, actor=viewer.actor())  # fmt: skip
            except ValidationFailed as exc:
                errors = exc.errors
        if errors:
            await db_session.rollback()
            order_row, _ = await queries.order_inspections(db_session, order[:20])
            return await self._form(request, db_session, viewer, order=order_row, inspection=None, values=values,
                                    rows=rows, errors=errors, status_code=422)  # fmt: skip
        response = Redirect(f"{BASE}/inspections/{inspection.id}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Inspection saved.")))
        return response

    @get("/inspections/{inspection_id:int}", name="bo:qc_inspection")
    async def detail(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        inspection_id: int,
    ) -> Template:
        rules.authorize_read(viewer.roles)
        view = await queries.get_inspection(db_session, inspection_id)
        return page(request, "backoffice/quality/detail.html", self._detail_context(view, viewer, {}))

    @get("/inspections/{inspection_id:int}/edit", name="bo:qc_edit")
    async def edit(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        inspection_id: int,
    ) -> Template:
        rules.authorize_record(viewer.roles)
        view = await queries.get_inspection(db_session, inspection_id)
        return await self._edit_form(request, db_session, viewer, view)

    @post("/inspections/{inspection_id:int}/edit", name="bo:qc_update")
    async def update(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        inspection_id: int,
    ) -> Any:
        rules.authorize_record(viewer.roles)
        form = await request.form()
        version = parse_int(str(form.get("version", "")))
        if version is None:
            raise ValidationException("missing version")
        rows, values = _form_rows(form), _header_values(form)
        view = await queries.get_inspection(db_session, inspection_id)
        if form.get("action") == "add_row":
            return await self._form(request, db_session, viewer, order=view.order, inspection=view.inspection,
                                    values=values, rows=[*rows, ("", "", "", "", "mm", "")], errors={},
                                    version=version)  # fmt: skip
        header, errors = parse_header(values)
        parsed = parse_characteristics(_raw(rows), require_rows=False)
        errors.update(parsed.errors)
        if header is not None and not errors:
            try:
                await update_inspection(db_session, inspection_id=inspection_id, expected_version=version,
                                        header=header, rows=parsed.rows, actor=viewer.actor())  # fmt: skip
            except ValidationFailed as exc:
                errors = exc.errors
        if errors:
            await db_session.rollback()
            view = await queries.get_inspection(db_session, inspection_id)
            return await self._form(request, db_session, viewer, order=view.order, inspection=view.inspection,
                                    values=values, rows=rows, errors=errors, version=version,
                                    status_code=422)  # fmt: skip
        response = Redirect(f"{BASE}/inspections/{inspection_id}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Inspection saved.")))
        return response

    @post("/inspections/{inspection_id:int}/import", name="bo:qc_import")
    async def import_excel(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        inspection_id: int,
    ) -> Any:
        """Read the sheet and show the edit form filled with its rows (the preview); nothing is stored
        until the form is saved. A sheet with any error shows the errors and fills nothing."""
        rules.authorize_record(viewer.roles)
        view = await queries.get_inspection(db_session, inspection_id)
        if view.inspection.status != rules.InspectionStatus.DRAFT:
            raise InvalidTransition("import", view.inspection.status)
        form = await request.form()
        upload = form.get("file")
        data = await upload.read(excel.MAX_FILE_BYTES + 1) if isinstance(upload, UploadFile) else b""
        result = excel.read_measurements(data)
        if not result.ok:
            if not result.errors:
                result.errors.append(excel.CellError(0, "", Msg(N_("The sheet has no characteristics."))))
            return await self._edit_form(request, db_session, viewer, view, import_errors=result.errors,
                                         status_code=422)  # fmt: skip
        rows = [
            (r.name, queries._plain(r.nominal), queries._plain(r.lower_tol), queries._plain(r.upper_tol), r.unit,
             " ".join(str(v) for v in r.measured))
            for r in result.rows
        ]  # fmt: skip
        values = {
            "order_line_id": str(view.inspection.order_line_id), "lot_no": view.inspection.lot_no,
            "standard": view.inspection.standard, "standard_version": view.inspection.standard_version,
            "instrument": view.inspection.instrument, "notes": view.inspection.notes,
        }  # fmt: skip
        return await self._form(request, db_session, viewer, order=view.order, inspection=view.inspection,
                                values=values, rows=rows, errors={}, imported=len(rows))  # fmt: skip

    @get("/template.xlsx", name="bo:qc_template")
    async def template(self, viewer: StaffViewer) -> Response[bytes]:
        rules.authorize_read(viewer.roles)
        return Response(
            content=excel.template(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="qc-measurements-template.xlsx"'},
        )

    @post("/inspections/{inspection_id:int}/transition", name="bo:qc_transition")
    async def transition(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        inspection_id: int,
    ) -> Any:
        form = await request.form()
        action = str(form.get("action", ""))
        version = parse_int(str(form.get("version", "")))
        if action not in rules.ACTIONS or version is None:
            raise ValidationException("unknown action or missing version")
        try:
            await transition_inspection(db_session, inspection_id=inspection_id, action=action,
                                        expected_version=version, actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            view = await queries.get_inspection(db_session, inspection_id)
            return page(request, "backoffice/quality/detail.html", self._detail_context(view, viewer, exc.errors),
                        block="qc_actions", status_code=422)  # fmt: skip
        response = Redirect(f"{BASE}/inspections/{inspection_id}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Inspection is now: %(status)s."),
                                             status=QC.status(rules.TRANSITIONS[action][1])))  # fmt: skip
        return response

    @get("/reports/{file_name:str}", name="bo:qc_report_pdf")
    async def report_pdf(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, file_name: str
    ) -> Response[bytes]:
        rules.authorize_read(viewer.roles)
        if not file_name.endswith(".pdf"):
            raise NotFound(file_name[:64])
        report = await queries.staff_report(db_session, file_name.removesuffix(".pdf"))
        record_download(db_session, report, actor=viewer.actor(), ip=client_ip(request))
        return pdf_response(report)

    # --- helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _detail_context(
        view: queries.InspectionView, viewer: StaffViewer, errors: dict[str, Any]
    ) -> dict[str, Any]:
        i = view.inspection
        return {
            "viewer": viewer, "view": view, "i": i, "qc": QC, "errors": errors,
            "chars": queries.characteristic_views(i.characteristics),
            "actions": rules.available_actions(i.status, roles=viewer.roles, actor_id=viewer.id,
                                               inspector_id=i.inspector_id),
            "can_edit": rules.may_record(viewer.roles) and i.status == rules.InspectionStatus.DRAFT,
        }  # fmt: skip

    async def _edit_form(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer,
                         view: queries.InspectionView, *, import_errors: list[Any] | None = None,
                         status_code: int = 200) -> Template:  # fmt: skip
        i = view.inspection
        values = {
            "order_line_id": str(i.order_line_id), "lot_no": i.lot_no, "standard": i.standard,
            "standard_version": i.standard_version, "instrument": i.instrument, "notes": i.notes,
        }  # fmt: skip
        rows = _rows_of(i.characteristics) or [("", "", "", "", "mm", "")]
        return await self._form(request, db_session, viewer, order=view.order, inspection=i, values=values,
                                rows=rows, errors={}, import_errors=import_errors or [],
                                status_code=status_code)  # fmt: skip

    @staticmethod
    async def _form(
        request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, *, order: Any,
        inspection: Any, values: dict[str, str], rows: list[tuple[str, ...]], errors: dict[str, Any],
        version: int | None = None, import_errors: list[Any] | None = None, imported: int = 0,
        status_code: int = 200,
    ) -> Template:  # fmt: skip
        context = {
            "viewer": viewer, "order": order, "inspection": inspection, "values": values, "rows": rows,
            "errors": errors, "lines": await queries.order_lines(db_session, order.id),
            "version": version if version is not None else (inspection.version if inspection else None),
            "import_errors": import_errors or [], "imported": imported, "qc": QC,
        }  # fmt: skip
        return page(
            request, "backoffice/quality/form.html", context, block="qc_form", status_code=status_code
        )
