"""What both faces' change pages share: the change form's context and the PDF answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Response
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.services import active_products
from domain.changes.apply import refusal
from domain.changes.services import current_lines
from web.change_labels import LABELS


def iso_date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def pdf_response(data: bytes, filename: str) -> Response[bytes]:
    return Response(
        content=data,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def change_form_context(
    db_session: AsyncSession, order: Any, viewer: Any, *, values: dict[str, str], errors: dict[str, Any]
) -> dict[str, Any]:
    return {
        "viewer": viewer,
        "order": order,
        "lines": await current_lines(db_session, order),
        "products": await active_products(db_session),
        "values": values,
        "errors": errors,
        "refusal": refusal(order.status),
        "lbl": LABELS,
    }


def form_values(form: Any) -> dict[str, str]:
    return {str(k): str(form.get(k, "")) for k in form}
