"""The schedule seen from the planning desk: a work-center Gantt over a chosen window, and the load heat
map (work center × day, % of capacity). Planning roles and team leads only."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import today_local, utcnow
from domain.errors import ValidationFailed
from domain.orders.drafts import parse_int
from domain.production import gantt
from web.auth import StaffViewer, require_signed_in
from web.i18n import current_locale
from web.templating import page


def _window(start: str, end: str) -> tuple[gantt.Window, dict[str, str]]:
    """The asked-for window, or the default one with the errors to show next to the fields."""
    today = today_local()
    try:
        return gantt.parse_window(start, end, today=today), {}
    except ValidationFailed as exc:
        return gantt.parse_window("", "", today=today), exc.errors


class ProductionChartsController(Controller):
    path = "/production"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/gantt", name="bo:production_gantt")
    async def center_gantt(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        start: str = "",
        end: str = "",
        center: str = "",
    ) -> Template:
        await gantt.authorize_schedule(db_session, viewer.actor())
        window, errors = _window(start, end)
        centers = await gantt.work_centers(db_session)
        center_id = parse_int(center)
        if center_id not in {c.id for c in centers}:
            center_id = None
        chart = await gantt.work_center_gantt(
            db_session, window, now=utcnow(), lang=current_locale(), work_center_id=center_id
        )
        context = {
            "viewer": viewer,
            "window": window,
            "values": {"start": start[:20] if errors else window.start.isoformat(),
                       "end": end[:20] if errors else window.end.isoformat(), "center": center_id},
            "errors": errors,
            "centers": centers,
            "chart": chart,
            "figure": json.dumps(chart.to_json(), ensure_ascii=False, separators=(",", ":")),
            "max_days": gantt.MAX_WINDOW_DAYS,
        }  # fmt: skip
        return page(request, "backoffice/production/gantt.html", context, status_code=422 if errors else 200)

    @get("/load", name="bo:production_load")
    async def load(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: StaffViewer,
        start: str = "",
        end: str = "",
    ) -> Template:
        await gantt.authorize_schedule(db_session, viewer.actor())
        window, errors = _window(start, end)
        grid = await gantt.load_by_day(db_session, start=window.start, days=window.days)
        context = {
            "viewer": viewer,
            "window": window,
            "values": {"start": start[:20] if errors else window.start.isoformat(),
                       "end": end[:20] if errors else window.end.isoformat()},
            "errors": errors,
            "grid": grid,
            "figure": json.dumps(grid.to_json(), ensure_ascii=False, separators=(",", ":")),
            "max_days": gantt.MAX_WINDOW_DAYS,
        }  # fmt: skip
        return page(request, "backoffice/production/load.html", context, status_code=422 if errors else 200)
