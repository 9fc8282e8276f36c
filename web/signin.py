"""The sign-in and sign-out handlers, built once and mounted by each face with its own users and cookie."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Controller, MediaType, Request, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import Throttled
from domain.parties.auth import ThrottlePolicy
from web.auth import Face, check_credentials, client_ip, safe_next
from web.i18n import gettext, ngettext
from web.sessions import rotate_session
from web.templating import page

Verify = Callable[[AsyncSession, str, str], Awaitable[Any]]
SessionData = Callable[[Any], dict[str, Any]]


def signin_controller(face: Face, verify: Verify, session_data: SessionData) -> type[Controller]:
    template = f"{face.templates}/login.html"

    class SignInController(Controller):
        path = ""
        include_in_schema = False

        @get("/login", name=f"{face.name}:login")
        async def form(self, request: Request[Any, Any, Any], next: str = "") -> Template:
            if request.session.get("uid"):
                return Redirect(safe_next(next, face), status_code=303)  # type: ignore[return-value]
            return page(request, template, {"next": next, "username": "", "error": "", "viewer": None})

        @post("/login", name=f"{face.name}:login_post")
        async def submit(self, request: Request[Any, Any, Any], state: State) -> Any:
            form = await request.form()
            username = str(form.get("username", "")).strip()
            password = str(form.get("password", ""))
            target = str(form.get("next", ""))
            context = {"next": target, "username": username[:64], "viewer": None}
            if not username or not password:
                error = gettext("Enter your username and password.")
                return page(request, template, {**context, "error": error}, status_code=422)
            settings = state.settings
            policy = ThrottlePolicy(
                settings.login_window_s, settings.login_max_per_account, settings.login_max_per_ip
            )
            alchemy: SQLAlchemyAsyncConfig = state.alchemy
            try:
                async with alchemy.get_session() as db:
                    user = await check_credentials(
                        db, face=face, username=username, password=password[:1024], ip=client_ip(request),
                        policy=policy, verify=verify,
                    )  # fmt: skip
                    data = session_data(user) if user is not None else None
                    await db.commit()
            except Throttled as exc:
                minutes = max(1, (exc.retry_after_s + 59) // 60)
                error = ngettext(
                    "Too many failed sign-ins. Try again in %(num)s minute.",
                    "Too many failed sign-ins. Try again in %(num)s minutes.",
                    minutes,
                )
                return Template(
                    template_name=template, context={**context, "error": error}, status_code=429,
                    headers={"Retry-After": str(exc.retry_after_s)}, media_type=MediaType.HTML,
                )  # fmt: skip
            if data is None:
                error = gettext("Wrong username or password.")
                return page(request, template, {**context, "error": error}, status_code=401)
            rotate_session(request, data)
            return Redirect(safe_next(target, face), status_code=303)

        @post("/logout", name=f"{face.name}:logout")
        async def logout(self, request: Request[Any, Any, Any]) -> Redirect:
            request.clear_session()
            return Redirect(face.login_path, status_code=303)

    SignInController.__name__ = f"{face.name.title()}SignInController"
    return SignInController
