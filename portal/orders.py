"""查: the customer's orders and one order's progress. Every query goes through the customer scope."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import Parameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orders import queries
from domain.orders.customer_view import Stage, customer_progress, stage_of
from domain.orders.drafts import parse_int
from domain.promise import queries as promise_queries
from web.auth import CustomerViewer, require_signed_in
from web.templating import page


class PortalOrdersController(Controller):
    path = "/orders"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="portal:orders")
    async def index(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: CustomerViewer,
        stage: str = "",
        po: str = "",
        page_no: str = Parameter(query="page", default="1"),
    ) -> Template:
        result = await queries.list_customer_orders(
            db_session, viewer.customer_id, stage=stage, po=po, page=parse_int(page_no) or 1
        )
        context = {
            "viewer": viewer,
            "result": result,
            "stage": stage if stage in Stage.__members__.values() else "",
            "po": po[:64],
            "stages": [s.value for s in Stage],  # the customer path, then paused and cancelled
            "stage_of": stage_of,
        }
        return page(request, "portal/orders/index.html", context, block="order_list")

    @get("/{order_no:str}", name="portal:order")
    async def detail(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Template:
        order = await queries.get_customer_order(db_session, viewer.customer_id, order_no)
        context = {
            "viewer": viewer,
            "order": order,
            "stage": stage_of(order.status),
            "progress": customer_progress(order.status, order.events),
            "in_review": await promise_queries.in_review(db_session, order),
        }
        return page(request, "portal/orders/detail.html", context)
