"""The customer's window: sign in, look up orders, follow them. Every read is scoped to the viewer's company."""

from __future__ import annotations

from typing import Any

from litestar import Router, get
from litestar.di import Provide
from litestar.response import Redirect

from domain.parties.auth import verify_customer_user
from domain.parties.models import CustomerUser
from portal.annotations import PortalPhotosController
from portal.changes import PortalChangesController
from portal.gantt import PortalGanttController
from portal.orders import PortalOrdersController
from portal.quality import PortalQualityController
from portal.reorder import PortalReorderController
from portal.service import PortalServiceController
from web.auth import PORTAL, customer_viewer
from web.notifications_ui import notifications_controller
from web.signin import signin_controller


def _session_data(user: CustomerUser) -> dict[str, Any]:
    return {
        "uid": user.id,
        "username": user.username,
        "name": user.display_name,
        "role": user.role,
        "customer_id": user.customer_id,
        "customer_code": user.customer.code,
        "customer_name": user.customer.name,
    }


@get("/", include_in_schema=False)
async def home() -> Redirect:
    return Redirect(PORTAL.home_path, status_code=303)


def build_router(session_middleware: Any) -> Router:
    return Router(
        path=PORTAL.prefix,
        route_handlers=[
            home,
            signin_controller(PORTAL, verify_customer_user, _session_data),
            PortalOrdersController,
            PortalServiceController,
            PortalQualityController,
            PortalGanttController,
            PortalReorderController,
            PortalChangesController,
            PortalPhotosController,
            notifications_controller(PORTAL),
        ],
        middleware=[session_middleware],
        dependencies={"viewer": Provide(customer_viewer, sync_to_thread=False)},
        include_in_schema=False,
    )
