"""The promise on the back office: the review queue, the credit override and re-check, and the
quick-entry preview. The rules are in domain/promise; this module translates HTTP into those calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ValidationFailed
from domain.i18n import N_, Msg
from domain.orders import queries as order_queries
from domain.orders.drafts import parse_int, raw_from_form
from domain.orders.permissions import authorize_entry
from domain.production import gantt
from domain.production.gantt import SCHEDULE_ROLES
from domain.promise import queries, service
from domain.promise.models import PromiseCheck
from domain.promise.preview import preview_order
from web.auth import StaffViewer, require_signed_in
from web.flash import flash_cookie
from web.templating import page

CHECKS = ("credit", "kitting", "capacity")


def as_msgs(items: list[dict[str, Any]]) -> list[tuple[str, Msg]]:
    """Stored flags and suggestions (message id + params) as (check, message) for the ``msg`` filter."""
    return [(x["check"], Msg(x["message"], **x.get("params", {}))) for x in items]


def load_window(day: dt.date | None) -> tuple[str, str]:
    """A week either side of ``day`` for the load heat map link."""
    day = day or dt.date.today()
    return (day - dt.timedelta(days=7)).isoformat(), (day + dt.timedelta(days=7)).isoformat()


async def promise_panel(db_session: AsyncSession, order: Any, viewer: StaffViewer) -> dict[str, Any] | None:
    """What the order page shows of the promise, for the roles that may read it (None otherwise)."""
    if not service.may_read_review(viewer.roles):
        return None
    checks = await queries.checks_for_order(db_session, order.id)
    latest: PromiseCheck | None = checks[0] if checks else None
    grid = None
    if latest is not None and latest.status == "red" and not SCHEDULE_ROLES.isdisjoint(viewer.roles):
        # The floor's load around the date in question, for the reviewer deciding on it (two queries).
        anchor = latest.promised_date or latest.requested_date
        grid = await gantt.load_by_day(db_session, start=anchor - dt.timedelta(days=7), days=15)
    return {
        "grid": grid,
        "latest": latest,
        "history": checks[1:],
        "flags": as_msgs(latest.flags) if latest else [],
        "suggestions": as_msgs(latest.suggestions) if latest else [],
        "credit_open": service.credit_flag_open(latest),
        "can_override": service.may_override_credit(viewer.roles) and order.status == "submitted",
        "can_recheck": service.may_recheck(viewer.roles) and order.status == "submitted",
        "load_window": load_window(latest.promised_date if latest else None),
    }


class PromiseReviewController(Controller):
    path = "/review"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:review")
    async def index(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, check: str = ""
    ) -> Template:
        service.authorize_review(viewer.actor())
        check = check if check in CHECKS else ""
        items = await queries.review_queue(db_session, check=check)
        context = {
            "viewer": viewer,
            "items": [(item, as_msgs(item.flags), as_msgs(item.suggestions)) for item in items],
            "check": check,
            "checks": CHECKS,
            "can_override": service.may_override_credit(viewer.roles),
        }
        return page(request, "backoffice/promise/review.html", context, block="queue")

    @post("/{order_no:str}/override", name="bo:promise_override")
    async def override(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order_no: str
    ) -> Any:
        form = await request.form()
        version = parse_int(str(form.get("version", "")))
        reason = str(form.get("reason", ""))
        if version is None:
            raise ValidationException("missing version")
        try:
            await service.override_credit(
                db_session, order_no=order_no, expected_version=version, reason=reason, actor=viewer.actor()
            )
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._order_page(request, db_session, viewer, order_no, exc.errors, reason)
        return self._back(request, order_no, N_("Credit flag on %(order_no)s overridden."))

    @post("/{order_no:str}/recheck", name="bo:promise_recheck")
    async def recheck(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order_no: str
    ) -> Any:
        form = await request.form()
        version = parse_int(str(form.get("version", "")))
        if version is None:
            raise ValidationException("missing version")
        try:
            await service.recheck_order(
                db_session, order_no=order_no, expected_version=version, actor=viewer.actor()
            )
        except ValidationFailed as exc:
            await db_session.rollback()
            return await self._order_page(request, db_session, viewer, order_no, exc.errors, "")
        return self._back(request, order_no, N_("Order %(order_no)s checked again."))

    @staticmethod
    def _back(request: Request[Any, Any, Any], order_no: str, message: str) -> Redirect:
        response = Redirect(f"/backoffice/orders/{order_no}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", message, order_no=order_no))
        return response

    @staticmethod
    async def _order_page(
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        order_no: str,
        errors: dict[str, Any],
        reason: str,
    ) -> Template:
        from backoffice.orders import OrderDeskController

        order = await order_queries.get_order(db_session, order_no)
        context = OrderDeskController._detail_context(order, viewer, {}, "")
        context["promise"] = await promise_panel(db_session, order, viewer)
        context["promise_errors"] = errors
        context["reason"] = reason
        return page(request, "backoffice/orders/detail.html", context, block="promise", status_code=422)


class QuickEntryPreviewController(Controller):
    path = "/orders/new/preview"
    guards = [require_signed_in]  # noqa: RUF012

    @post("/", name="bo:order_preview")
    async def preview(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Template:
        """The promise for the form as typed so far: a dry run, nothing is stored."""
        authorize_entry(viewer.actor())
        form = await request.form()
        raw = raw_from_form({key: form.getall(key) for key in form})
        result = await preview_order(db_session, raw)
        await db_session.rollback()  # a read: make sure nothing of it could be committed
        context: dict[str, Any] = {"preview": result}
        if result is not None:
            context["flags"] = as_msgs(result.evaluation.flags)
            context["suggestions"] = as_msgs(result.evaluation.suggestions)
        return Template(
            template_name="backoffice/promise/_preview.html",
            context=context,
            headers={"Vary": "HX-Request", "Cache-Control": "no-store"},
        )
