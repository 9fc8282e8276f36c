"""What both faces' change pages share: the change form's context and the PDF answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.services import active_products
from domain.changes.apply import refusal
from domain.changes.models import ChangeRequest
from domain.changes.proposal import raw_from_form
from domain.changes.services import current_lines, order_for, request_change
from domain.errors import ValidationFailed
from domain.orders.drafts import parse_int
from web.change_labels import LABELS
from web.templating import page


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


async def submit_change_form(
    request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Any, order_no: str, template: str
) -> ChangeRequest | Template:
    """Raise a change request from the posted form (both faces); on bad input the form again, with its
    errors next to the fields (422) and nothing stored."""
    form = await request.form()
    version = parse_int(str(form.get("version", "")))
    if version is None:
        raise ValidationException("missing version")
    try:
        return await request_change(db_session, order_no=order_no, raw=raw_from_form(form),
                                    expected_version=version, actor=viewer.actor())  # fmt: skip
    except ValidationFailed as exc:
        await db_session.rollback()
        order = await order_for(db_session, order_no, viewer.actor())
        context = await change_form_context(
            db_session, order, viewer, values=form_values(form), errors=exc.errors
        )
        return page(request, template, context, block="change_form", status_code=422)
