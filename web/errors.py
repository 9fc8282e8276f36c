"""Error answers: a page in the face's layout, a toast for htmx, a redirect to sign-in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.orm.exc import StaleDataError

from domain.errors import Forbidden, InvalidTransition, NotFound, StaleVersion
from domain.i18n import N_
from web import i18n
from web.auth import NotSignedIn, customer_viewer, face_of, return_path, staff_viewer
from web.i18n import fmt_datetime, gettext
from web.templating import is_fragment_request

log = logging.getLogger("orderpulse")
Handler = Callable[[Request[Any, Any, Any], Exception], Response[Any]]

TITLES = {
    400: N_("The request was not understood"),
    403: N_("You do not have permission to do this"),
    404: N_("Not found"),
    405: N_("Not allowed"),
    409: N_("This record was changed in the meantime"),
    429: N_("Too many requests"),
    500: N_("Something went wrong on our side"),
}


def _viewer(request: Request[Any, Any, Any]) -> Any:
    face = face_of(request.url.path)
    if face is None or "session" not in request.scope:
        return None
    try:
        return staff_viewer(request) if face.name == "staff" else customer_viewer(request)
    except (NotSignedIn, KeyError):
        return None


def error_response(
    request: Request[Any, Any, Any], status: int, detail: str = "", *, reload: bool = False
) -> Response[Any]:
    title = gettext(TITLES.get(status, TITLES[500]))
    face = face_of(request.url.path)
    context = {
        "status": status,
        "title": title,
        "detail": detail,
        "reload": return_path(request) if reload else None,
        "viewer": _viewer(request),
    }
    if is_fragment_request(request):
        # htmx: show the message as a toast instead of replacing the part of the page that was asked for.
        return Template(
            template_name="components/toast_fragment.html",
            context={**context, "tone": "danger"},
            status_code=status,
            headers={"HX-Retarget": "#toasts", "HX-Reswap": "beforeend", "Vary": "HX-Request"},
        )
    layout = f"{face.templates}/error.html" if face else "error.html"
    return Template(template_name=layout, context=context, status_code=status)


def not_signed_in(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    face = face_of(request.url.path)
    login = face.login_path if face else "/"
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"{login}?next={quote(target)}" if request.method == "GET" else login
    if request.headers.get("hx-request") == "true":
        return Response(content="", status_code=401, headers={"HX-Redirect": location})
    return Redirect(path=location, status_code=303)


def stale(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, StaleVersion):
        detail = gettext("Changed by %(name)s at %(time)s. Reload the page to see the current version.") % {
            "name": exc.changed_by or "?",
            "time": fmt_datetime(exc.changed_at),
        }
    else:
        detail = gettext("Someone else saved a change first. Reload the page to see the current version.")
    return error_response(request, 409, detail, reload=True)


def invalid_transition(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    return error_response(
        request,
        409,
        gettext("That step is not possible in the order's current status. Reload the page."),
        reload=True,
    )


def not_found(request: Request[Any, Any, Any], _: Exception) -> Response[Any]:
    return error_response(request, 404, gettext("There is nothing here, or you have no access to it."))


def forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    detail = gettext("Your role does not allow this action.")
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        detail = gettext("The form expired or was sent from another site. Reload the page and try again.")
    return error_response(request, 403, detail)


def http_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = exc.status_code if isinstance(exc, HTTPException) else HTTP_500_INTERNAL_SERVER_ERROR
    if status >= 500:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = gettext("Check the address or the values sent.") if isinstance(exc, ValidationException) else ""
    return error_response(request, status, detail)


def _in_readers_language(handler: Handler) -> Handler:
    """Errors raised outside the route's middleware (an unknown path, a failed CSRF check) are answered
    after LocaleMiddleware has left: every handler chooses the reader's language itself."""

    def answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
        i18n.set_locale(i18n.locale_of(request.scope))
        return handler(request, exc)

    return answer


EXCEPTION_HANDLERS: dict[Any, Any] = {
    exc: _in_readers_language(handler)
    for exc, handler in {
        NotSignedIn: not_signed_in,
        NotFound: not_found,
        NotFoundException: not_found,
        Forbidden: forbidden,
        PermissionDeniedException: forbidden,
        StaleVersion: stale,
        StaleDataError: stale,
        InvalidTransition: invalid_transition,
        HTTPException: http_error,
        Exception: http_error,
    }.items()
}
