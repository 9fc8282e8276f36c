"""Process photos in the back office: the file, the photo page with the customer's annotations (reply,
resolve with a note), and the open annotations on the work centers the viewer leads."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import ValidationException
from litestar.response import File, Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.annotations import queries
from domain.annotations.permissions import may_resolve
from domain.annotations.services import reply_to_annotation, resolve_annotation
from domain.annotations.w3c import MAX_NOTE, MAX_TEXT
from domain.errors import ValidationFailed
from domain.i18n import N_
from domain.orders.drafts import parse_int
from web.auth import StaffViewer, require_signed_in
from web.flash import flash_cookie
from web.photo_files import annotation_page_response, body_language, photo_file, photo_thumbnail
from web.templating import page


class PhotoDeskController(Controller):
    path = ""
    guards = [require_signed_in]  # noqa: RUF012

    @get("/photos/{photo_id:int}/annotations.jsonld", name="bo:photo_annotations_w3c")
    async def w3c_page(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer,
                       photo_id: int) -> Response[Any]:  # fmt: skip
        """The photo's annotations and replies as a W3C AnnotationPage, exactly as stored."""
        await queries.stored_file(db_session, photo_id)  # the same scope check as the file itself
        annotations = await queries.annotations_of_photo(db_session, photo_id)
        return annotation_page_response(str(request.url), queries.documents_of(annotations))

    @get("/photos/{photo_id:int}/thumb", name="bo:photo_thumb")
    async def thumb(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer,
                    photo_id: int) -> File:  # fmt: skip
        key, _content_type = await queries.stored_file(db_session, photo_id)
        return await photo_thumbnail(request, key, photo_id)

    @get("/photos/{photo_id:int}/file", name="bo:photo_file")
    async def file(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer,
                   photo_id: int) -> File:  # fmt: skip
        key, content_type = await queries.stored_file(db_session, photo_id)
        return photo_file(request, key, content_type, photo_id)

    @get("/orders/{order_no:str}/photos", name="bo:order_photos")
    async def order_photos(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer,
                           order_no: str) -> Template:  # fmt: skip
        """An order's photos per stage: the order page loads this block when it scrolls into view."""
        photos = await queries.photos_of_order(db_session, await queries.order_id_of(db_session, order_no))
        context = {"viewer": viewer, "order_no": order_no, "stages": queries.group_by_stage(photos)}
        return page(request, "backoffice/photos/order_photos.html", context, block="order_photos")

    @get("/photos/{photo_id:int}", name="bo:photo")
    async def photo(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer,
                    photo_id: int) -> Template:  # fmt: skip
        return await self._photo_page(request, db_session, viewer, photo_id)

    @get("/annotations", name="bo:annotations_open")
    async def open_list(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Template:
        rows = await queries.open_for_staff(db_session, viewer.actor())
        context = {"viewer": viewer, "rows": rows, "limit": queries.OPEN_LIST_LIMIT}
        return page(request, "backoffice/annotations/open.html", context)

    @post("/annotations/{annotation_id:int}/replies", name="bo:annotation_reply")
    async def reply(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer,
                    annotation_id: int) -> Any:  # fmt: skip
        photo_id = await queries.photo_of_annotation(db_session, annotation_id)
        text = str((await request.form()).get("text", ""))
        try:
            await reply_to_annotation(db_session, annotation_id=annotation_id, text=text, language=body_language(),
                                      actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            key = f"reply-{annotation_id}"
            return await self._photo_page(request, db_session, viewer, photo_id, errors={key: exc.errors["text"]},
                                          values={key: text}, status_code=422)  # fmt: skip
        return Redirect(f"/backoffice/photos/{photo_id}#annotation-{annotation_id}", status_code=303)

    @post("/annotations/{annotation_id:int}/resolve", name="bo:annotation_resolve")
    async def resolve(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer,
                      annotation_id: int) -> Any:  # fmt: skip
        photo_id = await queries.photo_of_annotation(db_session, annotation_id)
        form = await request.form()
        note, version = str(form.get("note", "")), parse_int(str(form.get("version", "")))
        if version is None:
            raise ValidationException("missing version")
        try:
            await resolve_annotation(db_session, annotation_id=annotation_id, note=note, expected_version=version,
                                     actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            key = f"note-{annotation_id}"
            return await self._photo_page(request, db_session, viewer, photo_id, errors={key: exc.errors["note"]},
                                          values={key: note}, status_code=422)  # fmt: skip
        response = Redirect(f"/backoffice/photos/{photo_id}#annotation-{annotation_id}", status_code=303)
        response.cookies.append(
            flash_cookie(request, "success", N_("Marked resolved; the customer is told."))
        )
        return response

    @staticmethod
    async def _photo_page(
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        photo_id: int,
        *,
        errors: dict[str, Any] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        photo = await queries.get_photo(db_session, photo_id)
        context = {
            "viewer": viewer,
            "photo": photo,
            "items": queries.numbered(await queries.annotations_of_photo(db_session, photo_id)),
            "can_resolve": may_resolve(viewer.actor(), photo.team_lead_id),
            "errors": errors or {},
            "values": values or {},
            "max_text": MAX_TEXT,
            "max_note": MAX_NOTE,
            "file_url": f"/backoffice/photos/{photo_id}/file",
        }
        return page(request, "backoffice/photos/photo.html", context, status_code=status_code)
