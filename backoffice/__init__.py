"""The supplier's back office: staff sign in here; every role sees its own actions on the same order."""

from __future__ import annotations

from typing import Any

from litestar import Router, get
from litestar.di import Provide
from litestar.response import Redirect

from backoffice.annotations import PhotoDeskController
from backoffice.api_clients import ApiClientsController
from backoffice.approval_chains import ApprovalChainsController
from backoffice.changes import ChangeDeskController, OrderChangesController
from backoffice.excel_import import ExcelImportController
from backoffice.order_export import OrderExportController
from backoffice.orders import OrderDeskController
from backoffice.production import ProductionChartsController
from backoffice.promise import PromiseReviewController, QuickEntryPreviewController
from backoffice.quality import QualityController
from backoffice.service import CareDeskController, ExpediteDeskController, RatingsController
from backoffice.shopfloor import ShopFloorController
from domain.parties.auth import verify_staff
from domain.parties.models import StaffUser
from web.auth import STAFF, staff_viewer
from web.notifications_ui import notifications_controller
from web.signin import signin_controller


def _session_data(user: StaffUser) -> dict[str, Any]:
    return {"uid": user.id, "username": user.username, "name": user.display_name, "roles": list(user.roles)}


@get("/", include_in_schema=False)
async def home() -> Redirect:
    return Redirect(STAFF.home_path, status_code=303)


def build_router(session_middleware: Any) -> Router:
    return Router(
        path=STAFF.prefix,
        route_handlers=[
            home,
            signin_controller(STAFF, verify_staff, _session_data),
            OrderDeskController,
            ExpediteDeskController,
            CareDeskController,
            RatingsController,
            QualityController,
            ProductionChartsController,
            ApiClientsController,
            ExcelImportController,
            OrderExportController,
            ChangeDeskController,
            OrderChangesController,
            ApprovalChainsController,
            ShopFloorController,
            PhotoDeskController,
            notifications_controller(STAFF),
            PromiseReviewController,
            QuickEntryPreviewController,
        ],
        middleware=[session_middleware],
        dependencies={"viewer": Provide(staff_viewer, sync_to_thread=False)},
        include_in_schema=False,
    )
