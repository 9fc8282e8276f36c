"""Process photos in the portal: the list per stage on an order, one photo with its annotations, drawing a
new annotation (a customer's QC engineer), replying. Every read goes through the customer's scope."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import File, Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.annotations import queries
from domain.annotations.permissions import may_annotate
from domain.annotations.services import create_annotation, reply_to_annotation
from domain.annotations.w3c import MAX_REGIONS, MAX_TEXT
from domain.errors import NotFound, ValidationFailed
from domain.i18n import N_
from domain.orders.queries import get_customer_order
from web.auth import CustomerViewer, require_signed_in
from web.flash import flash_cookie
from web.photo_files import annotation_page_response, body_language, photo_file, photo_thumbnail
from web.templating import page


def _region_inputs(form: Any) -> list[str]:
    """Regions come one per field from the drawing script, or several in one field separated by ';'
    (typed by hand when scripts are off)."""
    return [part for value in form.getall("regions", []) for part in str(value).split(";")]


class PortalPhotosController(Controller):
    path = ""
    guards = [require_signed_in]  # noqa: RUF012

    @get("/photos/{photo_id:int}/annotations.jsonld", name="portal:photo_annotations_w3c")
    async def w3c_page(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer,
                       photo_id: int) -> Response[Any]:  # fmt: skip
        """The photo's annotations and replies as a W3C AnnotationPage, exactly as stored."""
        await queries.stored_file(
            db_session, photo_id, customer_id=viewer.customer_id
        )  # the same scope check as the file itself
        annotations = await queries.annotations_of_photo(db_session, photo_id)
        return annotation_page_response(str(request.url), queries.documents_of(annotations))

    @get("/photos/{photo_id:int}/thumb", name="portal:photo_thumb")
    async def thumb(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer,
                    photo_id: int) -> File:  # fmt: skip
        key, _content_type = await queries.stored_file(db_session, photo_id, customer_id=viewer.customer_id)
        return await photo_thumbnail(request, key, photo_id)

    @get("/photos/{photo_id:int}/file", name="portal:photo_file")
    async def file(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer,
                   photo_id: int) -> File:  # fmt: skip
        key, content_type = await queries.stored_file(db_session, photo_id, customer_id=viewer.customer_id)
        return photo_file(request, key, content_type, photo_id)

    @get("/orders/{order_no:str}/photos", name="portal:order_photos")
    async def order_photos(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer,
                           order_no: str) -> Template:  # fmt: skip
        """The photos of an order per stage: the order page loads this block lazily, and it is a page of
        its own without scripts."""
        order = await get_customer_order(db_session, viewer.customer_id, order_no)
        stages = queries.group_by_stage(await queries.photos_of_order(db_session, order.id))
        context = {"viewer": viewer, "order": order, "stages": stages}
        return page(request, "portal/photos/index.html", context, block="order_photos")

    @get("/orders/{order_no:str}/photos/{photo_id:int}", name="portal:photo")
    async def photo(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer,
                    order_no: str, photo_id: int) -> Template:  # fmt: skip
        return await self._photo_page(request, db_session, viewer, order_no, photo_id)

    @post("/orders/{order_no:str}/photos/{photo_id:int}/annotations", name="portal:annotate")
    async def annotate(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer,
                       order_no: str, photo_id: int) -> Any:  # fmt: skip
        photo = await queries.get_photo(db_session, photo_id, customer_id=viewer.customer_id)
        if photo.order_no != order_no:
            raise NotFound(order_no)
        form = await request.form()
        regions, text = _region_inputs(form), str(form.get("text", ""))
        try:
            annotation = await create_annotation(db_session, photo_id=photo_id, text=text, regions=regions,
                                                 language=body_language(), actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            values = {"text": text, "regions": "; ".join(r.strip() for r in regions if r.strip())}
            return await self._photo_page(request, db_session, viewer, order_no, photo_id, errors=exc.errors,
                                          values=values, status_code=422)  # fmt: skip
        response = Redirect(
            f"/portal/orders/{order_no}/photos/{photo_id}#annotation-{annotation.id}", status_code=303
        )
        response.cookies.append(
            flash_cookie(request, "success", N_("Your annotation was sent to the team lead."))
        )
        return response

    @post("/annotations/{annotation_id:int}/replies", name="portal:annotation_reply")
    async def reply(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer,
                    annotation_id: int) -> Any:  # fmt: skip
        photo_id = await queries.photo_of_annotation(
            db_session, annotation_id, customer_id=viewer.customer_id
        )
        photo = await queries.get_photo(db_session, photo_id, customer_id=viewer.customer_id)
        text = str((await request.form()).get("text", ""))
        try:
            await reply_to_annotation(db_session, annotation_id=annotation_id, text=text, language=body_language(),
                                      actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            errors = {f"reply-{annotation_id}": exc.errors["text"]}
            return await self._photo_page(request, db_session, viewer, photo.order_no, photo_id, errors=errors,
                                          values={f"reply-{annotation_id}": text}, status_code=422)  # fmt: skip
        return Redirect(
            f"/portal/orders/{photo.order_no}/photos/{photo_id}#annotation-{annotation_id}", status_code=303
        )

    @staticmethod
    async def _photo_page(
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: CustomerViewer,
        order_no: str,
        photo_id: int,
        *,
        errors: dict[str, Any] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Template:
        photo = await queries.get_photo(db_session, photo_id, customer_id=viewer.customer_id)
        if photo.order_no != order_no:  # a real photo under another order's address: not here
            raise NotFound(order_no)
        context = {
            "viewer": viewer,
            "photo": photo,
            "items": queries.numbered(await queries.annotations_of_photo(db_session, photo_id)),
            "can_annotate": may_annotate(viewer.actor()),
            "errors": errors or {},
            "values": values or {},
            "max_regions": MAX_REGIONS,
            "max_text": MAX_TEXT,
            "file_url": f"/portal/photos/{photo_id}/file",
        }
        return page(request, "portal/photos/photo.html", context, status_code=status_code)
