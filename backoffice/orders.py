"""The order desk: list with search/filter/sort/pages, order detail with the role's actions, quick entry."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.exceptions import ValidationException
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from backoffice.promise import promise_panel
from domain.base import today_local
from domain.catalog.services import active_products
from domain.errors import ValidationFailed
from domain.i18n import N_
from domain.orders import lifecycle, queries
from domain.orders.drafts import parse_date, parse_draft, parse_int, raw_from_form
from domain.orders.permissions import authorize_entry, may_enter_orders
from domain.orders.services import create_order, transition_order
from web.auth import StaffViewer, require_signed_in
from web.flash import flash_cookie
from web.labels import STATUS, label
from web.templating import page


def _form_lists(form: Any) -> dict[str, Any]:
    return {key: form.getall(key) for key in form}


class OrderDeskController(Controller):
    path = "/orders"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:orders")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        q: str = "",
        status: str = "",
        customer: str = "",
        date_from: str = "",
        date_to: str = "",
        sort: str = "order_no",
        direction: str = Parameter(query="dir", default="desc"),
        page_no: str = Parameter(query="page", default="1"),
    ) -> Template:
        f = queries.OrderFilter(
            q=q,
            status=status,
            customer_id=parse_int(customer),
            date_from=parse_date(date_from),
            date_to=parse_date(date_to),
            sort=sort,
            direction=direction,
            page=parse_int(page_no) or 1,
        )
        result = await queries.list_orders(db_session, f)
        context = {
            "viewer": viewer,
            "result": result,
            "filter": f,
            "customers": await queries.customers_for_filter(db_session),
            "statuses": [s.value for s in lifecycle.Status],
            "can_enter": may_enter_orders(viewer.roles),
        }
        return page(request, "backoffice/orders/index.html", context, block="order_table")

    @get("/new", name="bo:order_new")
    async def new(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Template:
        authorize_entry(viewer.actor())
        return await self._entry_form(request, db_session, viewer, values={}, lines=[("", "")], errors={})

    @get("/new/line", name="bo:order_new_line")
    async def new_line(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, index: int = 1
    ) -> Template:
        """One more empty line row, appended by htmx ("add line")."""
        authorize_entry(viewer.actor())
        index = min(max(index, 0), 199)
        context = {
            "products": await active_products(db_session),
            "index": index,
            "line": ("", ""),
            "errors": {},
        }
        return Template(
            template_name="backoffice/orders/_line_row.html", context=context, headers={"Vary": "HX-Request"}
        )

    @post("/new", name="bo:order_create")
    async def create(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer
    ) -> Any:
        authorize_entry(viewer.actor())
        form = _form_lists(await request.form())
        raw = raw_from_form(form)
        action = (form.get("action") or ["save"])[0]
        values = {k: (v[0] if v else "") for k, v in form.items() if k not in ("product", "quantity")}
        lines = [(line.product, line.quantity) for line in raw.lines] or [("", "")]
        if action == "add_line":  # the no-JavaScript path of "add line"
            return await self._entry_form(
                request, db_session, viewer, values=values, lines=[*lines, ("", "")], errors={}
            )
        draft, errors = parse_draft(raw, today=today_local(), channel="quick_entry")
        if draft is not None:
            try:
                order = await create_order(db_session, draft, viewer.actor(), submit=(action == "submit"))
            except ValidationFailed as exc:
                errors = exc.errors
        if errors:
            return await self._entry_form(request, db_session, viewer, values=values, lines=lines, errors=errors,
                                          status_code=422)  # fmt: skip
        message = (
            N_("Order %(order_no)s submitted.")
            if action == "submit"
            else N_("Order %(order_no)s saved as draft.")
        )
        response = Redirect(f"/backoffice/orders/{order.order_no}", status_code=303)
        response.cookies.append(flash_cookie(request, "success", message, order_no=order.order_no))
        return response

    @get("/{order_no:str}", name="bo:order")
    async def detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order_no: str
    ) -> Template:
        order = await queries.get_order(db_session, order_no)
        context = self._detail_context(order, viewer, {}, "")
        context["promise"] = await promise_panel(db_session, order, viewer)
        return page(request, "backoffice/orders/detail.html", context)

    @post("/{order_no:str}/transition", name="bo:order_transition")
    async def transition(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: StaffViewer, order_no: str
    ) -> Any:
        form = await request.form()
        action = str(form.get("action", ""))
        version = parse_int(str(form.get("version", "")))
        comment = str(form.get("comment", ""))
        if action not in lifecycle.ACTIONS or version is None:
            raise ValidationException("unknown action or missing version")
        try:
            order = await transition_order(
                db_session, order_no=order_no, action=action, expected_version=version,
                actor=viewer.actor(), comment=comment,
            )  # fmt: skip
        except ValidationFailed as exc:
            await db_session.rollback()
            order = await queries.get_order(db_session, order_no)
            context = self._detail_context(order, viewer, exc.errors, comment)
            return page(request, "backoffice/orders/detail.html", context, block="actions", status_code=422)
        response = Redirect(f"/backoffice/orders/{order.order_no}", status_code=303)
        response.cookies.append(
            flash_cookie(
                request,
                "success",
                N_("Order %(order_no)s is now: %(status)s."),
                order_no=order.order_no,
                status=label(STATUS, order.status),  # the reader's language: same request
            )
        )
        return response

    # --- helpers ---

    @staticmethod
    def _detail_context(
        order: Any, viewer: StaffViewer, errors: dict[str, Any], comment: str
    ) -> dict[str, Any]:
        transitions = lifecycle.available_transitions(order.status, viewer.roles)
        return {
            "viewer": viewer,
            "order": order,
            "transitions": transitions,
            "comment_required_for": [t.action for t in transitions if t.needs_comment],
            "errors": errors,
            "comment": comment,
        }

    @staticmethod
    async def _entry_form(
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        *,
        values: dict[str, str],
        lines: list[tuple[str, str]],
        errors: dict[str, Any],
        status_code: int = 200,
    ) -> Template:
        context = {
            "viewer": viewer,
            "values": values,
            "lines": lines,
            "errors": errors,
            "customers": await queries.customers_for_filter(db_session),
            "products": await active_products(db_session),
            "today": today_local(),
        }
        return page(
            request, "backoffice/orders/new.html", context, block="entry_form", status_code=status_code
        )
