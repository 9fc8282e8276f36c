"""PMC's expedite queue (催) and after-sales care (评): the back-office side of the customer's requests."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.errors import Forbidden, ValidationFailed
from domain.expedite import queries as expedite_queries
from domain.expedite import services as expedite
from domain.feedback import queries as feedback_queries
from domain.feedback.services import CARE_ROLES, close_ticket
from domain.i18n import N_
from domain.orders.drafts import parse_date, parse_int
from domain.parties.roles import StaffRole
from web.auth import StaffViewer, require_signed_in
from web.flash import flash_cookie
from web.templating import page

CARE_VIEW_ROLES = CARE_ROLES | {StaffRole.SALES_MANAGER, StaffRole.CUSTOMER_SERVICE}
RATINGS_VIEW_ROLES = CARE_VIEW_ROLES | {StaffRole.SALES}


def _need(viewer: StaffViewer, roles: frozenset[str]) -> None:
    if roles.isdisjoint(viewer.roles):
        raise Forbidden(f"needs one of {sorted(roles)}")


class ExpediteDeskController(Controller):
    path = "/expedite"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:expedite")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        show: str = "waiting",
    ) -> Template:
        _need(viewer, expedite_queries.VIEW_ROLES)
        items = await expedite_queries.queue(db_session, now=utcnow(), waiting_only=show != "all")
        context = {"viewer": viewer, "items": items, "show": "all" if show == "all" else "waiting"}
        return page(request, "backoffice/service/expedite_queue.html", context, block="queue")

    async def _detail(
        self, request: Request[Any, Any, Any], db: AsyncSession, viewer: StaffViewer, request_id: int,
        *, values: dict[str, Any] | None = None, errors: dict[str, Any] | None = None, status_code: int = 200,
    ) -> Template:  # fmt: skip
        _need(viewer, expedite_queries.VIEW_ROLES)
        item = await expedite_queries.get_request(db, request_id)
        context = {
            "viewer": viewer,
            "r": item,
            "can_answer": not expedite.ANSWER_ROLES.isdisjoint(viewer.roles) and item.status == "open",
            "values": values or {},
            "errors": errors or {},
        }
        return page(
            request,
            "backoffice/service/expedite_detail.html",
            context,
            block="answer",
            status_code=status_code,
        )

    @get("/{request_id:int}", name="bo:expedite_detail")
    async def detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, request_id: int
    ) -> Template:
        return await self._detail(request, db_session, viewer, request_id)

    @post("/{request_id:int}/check", name="bo:expedite_check")
    async def check(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, request_id: int
    ) -> Redirect:
        await expedite.run_check(db_session, request_id=request_id, actor=viewer.actor(), now=utcnow())
        return Redirect(f"/backoffice/expedite/{request_id}#feasibility", status_code=303)

    @post("/{request_id:int}/answer", name="bo:expedite_answer")
    async def answer(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, request_id: int
    ) -> Any:
        form = await request.form()
        values = {
            k: str(form.get(k, ""))[:2100] for k in ("outcome", "new_date", "explanation", "compensation")
        }
        rows = [
            {k: str(form.get(f"alt_{n}_{k}", ""))[:300] for k in ("date", "quantity", "note")}
            for n in (1, 2, 3)
        ]
        values["alternatives"] = rows  # type: ignore[assignment]
        version = parse_int(str(form.get("version", ""))) or 0
        errors: dict[str, Any] = {}
        try:
            item = await expedite_queries.get_request(db_session, request_id)
            line_qty = item.line.quantity if item.line is not None else None
            alternatives = (
                expedite.parse_alternatives(rows, errors, line_qty) if values["outcome"] == "partial" else []
            )
            if errors:
                raise ValidationFailed(errors)
            await expedite.answer(
                db_session, request_id=request_id, expected_version=version, outcome=values["outcome"],
                new_date=parse_date(values["new_date"]), alternatives=alternatives,
                explanation=values["explanation"], compensation=values["compensation"], actor=viewer.actor(),
            )  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._detail(request, db_session, viewer, request_id, values=values, errors=exc.errors,
                                      status_code=422)  # fmt: skip
        response = Redirect(f"/backoffice/expedite/{request_id}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Answer sent to the customer.")))
        return response


class CareDeskController(Controller):
    path = "/care"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:care")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        show: str = "open",
    ) -> Template:
        _need(viewer, CARE_VIEW_ROLES)
        status = show if show in ("open", "closed") else "all"
        tickets = await feedback_queries.list_tickets(db_session, status=status)
        return page(
            request,
            "backoffice/service/care_list.html",
            {"viewer": viewer, "tickets": tickets, "show": status},
        )

    async def _detail(
        self, request: Request[Any, Any, Any], db: AsyncSession, viewer: StaffViewer, ticket_id: int,
        *, resolution: str = "", errors: dict[str, Any] | None = None, status_code: int = 200,
    ) -> Template:  # fmt: skip
        _need(viewer, CARE_VIEW_ROLES)
        ticket = await feedback_queries.get_ticket(db, ticket_id)
        history = await feedback_queries.customer_feedback(
            db, ticket.customer_id, exclude_ticket_id=ticket.id
        )
        context = {
            "viewer": viewer,
            "ticket": ticket,
            "history": history,
            "can_close": not CARE_ROLES.isdisjoint(viewer.roles) and ticket.status == "open",
            "resolution": resolution,
            "errors": errors or {},
        }
        return page(request, "backoffice/service/care_detail.html", context, status_code=status_code)

    @get("/{ticket_id:int}", name="bo:care_detail")
    async def detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, ticket_id: int
    ) -> Template:
        return await self._detail(request, db_session, viewer, ticket_id)

    @post("/{ticket_id:int}/close", name="bo:care_close")
    async def close(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, ticket_id: int
    ) -> Any:
        form = await request.form()
        resolution = str(form.get("resolution", ""))[:2100]
        try:
            await close_ticket(db_session, ticket_id=ticket_id, expected_version=parse_int(str(form.get("version", ""))) or 0,
                               resolution=resolution, actor=viewer.actor())  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._detail(request, db_session, viewer, ticket_id, resolution=resolution, errors=exc.errors,
                                      status_code=422)  # fmt: skip
        response = Redirect(f"/backoffice/care/{ticket_id}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", N_("Care ticket closed.")))
        return response


class RatingsController(Controller):
    path = "/ratings"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:ratings")
    async def index(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Template:
        _need(viewer, RATINGS_VIEW_ROLES)
        rows = await feedback_queries.ratings_by_customer(db_session)
        return page(request, "backoffice/service/ratings.html", {"viewer": viewer, "rows": rows})
