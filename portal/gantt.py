"""The customer's production Gantt of one order, as JSON for static/js/gantt.js (the order page loads
it only when its section scrolls into view, so the page itself costs no more than before)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Response, get
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.production.gantt import order_gantt
from web.auth import CustomerViewer, require_signed_in
from web.i18n import current_locale, gettext


class PortalGanttController(Controller):
    path = "/orders"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/{order_no:str}/gantt.json", name="portal:order_gantt")
    async def gantt_json(
        self, db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Response[dict[str, Any]]:
        chart = await order_gantt(
            db_session, viewer.customer_id, order_no, lang=current_locale(), now=utcnow()
        )
        body = chart.to_json()
        # The script's words travel with the data, not in the order page (which must stay small).
        body["labels"] = {
            "planned": gettext("Planned"),
            "actual": gettext("Actual"),
            "today": gettext("Today"),
            "late": gettext("Late"),
            "done": gettext("done"),
            "line": gettext("Line"),
            "due": gettext("Due"),
            "waiting": gettext("Not started"),
            "running": gettext("In progress"),
            "finished": gettext("Finished"),
        }
        if not chart.planned:
            body["empty"] = (
                gettext(
                    "Production is planned when we confirm your order; the schedule of each line appears here then."
                )
                if chart.awaiting_planning
                else gettext("There is no production schedule to show for this order.")
            )
        # Progress changes during the day and differs per customer: never cache it anywhere.
        return Response(body, headers={"Cache-Control": "no-store", "Vary": "Cookie"})
