"""催 and 评 on the portal: ask for an earlier date, follow and settle the answer, rate a delivery."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.errors import NotFound, ValidationFailed
from domain.expedite import queries as expedite_queries
from domain.expedite import services as expedite
from domain.feedback.models import DeliveryRating
from domain.feedback.services import RATEABLE, parse_rating, rate_order
from domain.i18n import N_
from domain.orders import queries
from domain.orders.drafts import parse_date, parse_int
from domain.parties.roles import CustomerRole
from web.auth import CustomerViewer, require_signed_in
from web.flash import flash_cookie
from web.templating import page


class PortalServiceController(Controller):
    path = "/orders/{order_no:str}"
    guards = [require_signed_in]  # noqa: RUF012

    async def _expedite_page(
        self, request: Request[Any, Any, Any], db: AsyncSession, viewer: CustomerViewer, order_no: str,
        *, values: dict[str, str] | None = None, errors: dict[str, Any] | None = None, status_code: int = 200,
    ) -> Template:  # fmt: skip
        order = await queries.get_customer_order(db, viewer.customer_id, order_no)
        context = {
            "viewer": viewer,
            "order": order,
            "requests": await expedite_queries.requests_for_order(db, order.id),
            "can_ask": viewer.role == CustomerRole.BUYER and order.status in expedite.EXPEDITABLE,
            "values": values or {},
            "errors": errors or {},
        }
        return page(
            request, "portal/service/expedite.html", context, block="expedite_form", status_code=status_code
        )

    @get("/expedite", name="portal:expedite")
    async def expedite_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Template:
        return await self._expedite_page(request, db_session, viewer, order_no)

    @post("/expedite", name="portal:expedite_create")
    async def expedite_create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Any:
        form = await request.form()
        values = {k: str(form.get(k, ""))[:2100] for k in ("line", "wanted_date", "reason")}
        settings = request.app.state.settings
        try:
            await expedite.request_expedite(
                db_session, order_no=order_no, line_no=parse_int(values["line"]) if values["line"] else None,
                wanted_date=parse_date(values["wanted_date"]), reason=values["reason"], actor=viewer.actor(),
                now=utcnow(), sla_hours=settings.expedite_sla_hours,
            )  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._expedite_page(
                request, db_session, viewer, order_no, values=values, errors=exc.errors, status_code=422
            )
        response = Redirect(f"/portal/orders/{order_no}/expedite", status_code=303)
        response.cookies.append(
            flash_cookie(request, "success", N_("Request sent. PMC will answer you here."))
        )
        return response

    @post("/expedite/{request_id:int}/{action:str}", name="portal:expedite_decide")
    async def expedite_decide(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str,
        request_id: int, action: str,
    ) -> Any:  # fmt: skip
        # The order in the path must be the request's, and the viewer's: both are checked.
        order = await queries.get_customer_order(db_session, viewer.customer_id, order_no)
        form = await request.form()
        version = parse_int(str(form.get("version", ""))) or 0
        note = str(form.get("note", ""))[:2000]
        owned = await expedite_queries.get_request(db_session, request_id)
        if owned.order_id != order.id:
            raise NotFound(str(request_id))
        try:
            if action == "choose":
                await expedite.choose(db_session, request_id=request_id, expected_version=version,
                                      index=parse_int(str(form.get("index", ""))), actor=viewer.actor())  # fmt: skip
                message = N_("You accepted the alternative. The plan follows it now.")
            elif action == "reject":
                await expedite.reject(db_session, request_id=request_id, expected_version=version, note=note,
                                      actor=viewer.actor())  # fmt: skip
                message = N_("You declined the alternatives. The request is closed.")
            elif action == "withdraw":
                await expedite.withdraw(db_session, request_id=request_id, expected_version=version, note=note,
                                        actor=viewer.actor())  # fmt: skip
                message = N_("Request withdrawn.")
            else:
                raise NotFound(action)
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._expedite_page(
                request, db_session, viewer, order_no, errors=exc.errors, status_code=422
            )
        response = Redirect(f"/portal/orders/{order_no}/expedite", status_code=303)
        response.cookies.append(flash_cookie(request, "success", message))
        return response

    async def _rating_page(
        self, request: Request[Any, Any, Any], db: AsyncSession, viewer: CustomerViewer, order_no: str,
        *, values: dict[str, str] | None = None, errors: dict[str, Any] | None = None, status_code: int = 200,
    ) -> Template:  # fmt: skip
        order = await queries.get_customer_order(db, viewer.customer_id, order_no)
        rating = await db.scalar(select(DeliveryRating).where(DeliveryRating.order_id == order.id))
        context = {
            "viewer": viewer,
            "order": order,
            "rating": rating,
            "can_rate": rating is None and viewer.role == CustomerRole.BUYER and order.status in RATEABLE,
            "values": values or {},
            "errors": errors or {},
        }
        return page(
            request, "portal/service/rating.html", context, block="rating_form", status_code=status_code
        )

    @get("/rating", name="portal:rating")
    async def rating_page(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Template:
        return await self._rating_page(request, db_session, viewer, order_no)

    @post("/rating", name="portal:rating_create")
    async def rating_create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Any:
        form = await request.form()
        values = {
            k: str(form.get(k, ""))[:2100]
            for k in ("delivery_score", "quality_score", "service_score", "comment")
        }
        rating, errors = parse_rating(values)
        if rating is not None:
            try:
                await rate_order(db_session, order_no=order_no, rating=rating, actor=viewer.actor())
            except ValidationFailed as exc:
                await db_session.rollback()
                errors = exc.errors
        if errors:
            return await self._rating_page(request, db_session, viewer, order_no, values=values, errors=errors,
                                           status_code=422)  # fmt: skip
        response = Redirect(f"/portal/orders/{order_no}/rating", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Thank you for your rating.")))
        return response
