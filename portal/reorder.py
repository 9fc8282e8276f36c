"""Order again: a buyer copies one of their past orders, edits quantities, date and PO, and submits."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import today_local
from domain.errors import ValidationFailed
from domain.i18n import N_
from domain.intake import reorder as rules
from web.auth import CustomerViewer, require_signed_in
from web.flash import flash_cookie
from web.templating import page


class PortalReorderController(Controller):
    path = "/orders/{order_no:str}/reorder"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="portal:reorder")
    async def form(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Template:
        source = await rules.source_order(db_session, viewer.actor(), order_no)
        return self._page(request, viewer, source, rules.prefill(source, today_local()), {})

    @post("/", name="portal:reorder_submit")
    async def submit(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Any:
        source = await rules.source_order(db_session, viewer.actor(), order_no)
        form = await request.form()
        values = rules.ReorderForm(
            requested_date=str(form.get("requested_date", ""))[:40],
            customer_po=str(form.get("customer_po", ""))[:200],
            special_requirements=str(form.get("special_requirements", ""))[:4000],
            quantities=[str(form.get(f"quantity-{i}", ""))[:40] for i in range(len(source.lines))],
        )
        try:
            order = await rules.reorder(db_session, viewer.actor(), source, values, today=today_local())
        except ValidationFailed as exc:
            return self._page(request, viewer, source, values, exc.errors, status_code=422)
        response = Redirect(f"/portal/orders/{order.order_no}", status_code=303)
        response.cookies.append(
            flash_cookie(request, "success", N_("Order %(order_no)s submitted."), order_no=order.order_no)
        )
        return response

    @staticmethod
    def _page(
        request: Request[Any, Any, Any],
        viewer: CustomerViewer,
        source: Any,
        values: rules.ReorderForm,
        errors: dict[str, Any],
        status_code: int = 200,
    ) -> Template:
        context = {
            "viewer": viewer,
            "source": source,
            "values": values,
            "errors": errors,
            "today": today_local(),
        }
        return page(
            request, "portal/orders/reorder.html", context, block="reorder_form", status_code=status_code
        )
