"""The notification list and the bell, built once and mounted by each face (staff and portal users have
their own notifications, told apart by the recipient column)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import Parameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.notifications.models import Notification
from domain.notifications.services import list_notifications, mark_read, unread_count
from domain.orders.drafts import parse_int
from web.auth import Face, require_signed_in, safe_next
from web.i18n import current_locale, gettext
from web.templating import page


def _recipient(face: Face, request: Request[Any, Any, Any]) -> dict[str, int]:
    uid = int(request.session["uid"])
    return {"staff_user_id": uid} if face.name == "staff" else {"customer_user_id": uid}


def render_message(item: Notification) -> str:
    """The message in the reader's language. A parameter with an English twin (``stage`` / ``stage_en``)
    takes the twin for English readers, so a stage name is not left in Chinese."""
    params = dict(item.params or {})
    if current_locale() == "en":
        params.update({k.removesuffix("_en"): v for k, v in params.items() if k.endswith("_en")})
    try:
        return gettext(item.message, **params)
    except (KeyError, TypeError, ValueError):  # a stored message whose parameters no longer fit
        return gettext(item.message)


def notifications_controller(face: Face) -> type[Controller]:
    base = f"{face.prefix}/notifications"
    template = f"{face.templates}/notifications/index.html"

    class NotificationsController(Controller):
        path = "/notifications"
        guards = [require_signed_in]  # noqa: RUF012
        include_in_schema = False

        @get("/", name=f"{face.name}:notifications")
        async def index(self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: Any,
                        page_no: str = Parameter(query="page", default="1")) -> Template:  # fmt: skip
            result = await list_notifications(
                db_session, **_recipient(face, request), page=parse_int(page_no) or 1
            )
            context = {
                "viewer": viewer,
                "result": result,
                "items": [(n, render_message(n)) for n in result.items],
                "base": base,
            }
            return page(request, template, context, block="notification_list")

        @get("/badge", name=f"{face.name}:notifications_badge")
        async def badge(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Template:
            """The bell's count, loaded after the page (and refreshed) so pages need not each count."""
            count = await unread_count(db_session, **_recipient(face, request))
            return Template(template_name="components/notification_badge.html",
                            context={"count": count, "base": base}, headers={"Cache-Control": "no-store"})  # fmt: skip

        @post("/{notification_id:int}/open", name=f"{face.name}:notification_open")
        async def open(
            self, request: Request[Any, Any, Any], db_session: AsyncSession, notification_id: int
        ) -> Redirect:
            """Mark read and go to what it is about. Someone else's id marks nothing and leads nowhere."""
            recipient = _recipient(face, request)
            await mark_read(db_session, **recipient, ids=[notification_id])
            column = Notification.staff_user_id if face.name == "staff" else Notification.customer_user_id
            link = await db_session.scalar(
                select(Notification.link).where(
                    Notification.id == notification_id, column == next(iter(recipient.values()))
                )
            )
            return Redirect(safe_next(link, face) if link else base, status_code=303)

        @post("/read-all", name=f"{face.name}:notifications_read_all")
        async def read_all(self, request: Request[Any, Any, Any], db_session: AsyncSession) -> Redirect:
            await mark_read(db_session, **_recipient(face, request))
            return Redirect(base, status_code=303)

    return NotificationsController
