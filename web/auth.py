"""What both faces share about signing in: who the viewer is, the guard, and the throttled check.

Each face owns its routes, its session cookie and its users table; this module only holds the
mechanics that would otherwise be written twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.parties import auth as auth_rules


@dataclass(frozen=True)
class Face:
    name: str  # "staff" | "portal"
    prefix: str
    cookie: str
    templates: str  # the folder under templates/ holding this face's pages and base layout

    @property
    def login_path(self) -> str:
        return f"{self.prefix}/login"

    @property
    def home_path(self) -> str:
        return f"{self.prefix}/orders"


STAFF = Face(name="staff", prefix="/backoffice", cookie="op_staff_session", templates="backoffice")
PORTAL = Face(name="portal", prefix="/portal", cookie="op_portal_session", templates="portal")
FACES = (STAFF, PORTAL)


def face_of(path: str) -> Face | None:
    for face in FACES:
        if path == face.prefix or path.startswith(face.prefix + "/"):
            return face
    return None


@dataclass(frozen=True)
class StaffViewer:
    id: int
    username: str
    name: str
    roles: frozenset[str]

    def actor(self) -> Actor:
        return Actor(kind="staff", id=self.id, name=self.name, roles=self.roles)


@dataclass(frozen=True)
class CustomerViewer:
    id: int
    username: str
    name: str
    role: str
    customer_id: int
    customer_code: str
    customer_name: str

    def actor(self) -> Actor:
        return Actor(kind="customer", id=self.id, name=self.name, roles=frozenset({self.role}),
                     customer_id=self.customer_id)  # fmt: skip


class NotSignedIn(NotAuthorizedException):
    """Raised by the guard; the error handler answers with a redirect to the face's login page."""


def require_signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if not connection.session.get("uid"):
        raise NotSignedIn()


def staff_viewer(request: Request[Any, Any, Any]) -> StaffViewer:
    s = request.session
    if not s.get("uid"):
        raise NotSignedIn()
    return StaffViewer(id=s["uid"], username=s["username"], name=s["name"], roles=frozenset(s["roles"]))


def customer_viewer(request: Request[Any, Any, Any]) -> CustomerViewer:
    s = request.session
    if not s.get("uid"):
        raise NotSignedIn()
    return CustomerViewer(
        id=s["uid"], username=s["username"], name=s["name"], role=s["role"], customer_id=s["customer_id"],
        customer_code=s["customer_code"], customer_name=s["customer_name"],
    )  # fmt: skip


def client_ip(request: Request[Any, Any, Any]) -> str:
    # Behind nginx the proxy sets X-Real-IP (uvicorn/granian with --proxy-headers fill client.host).
    return request.client.host if request.client else "unknown"


def safe_next(target: str | None, face: Face) -> str:
    """Only same-site paths inside this face; anything else (//evil, https://…) goes home."""
    if not target:
        return face.home_path
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith(face.prefix + "/") or target.startswith("//"):
        return face.home_path
    return target


def return_path(request: Request[Any, Any, Any]) -> str:
    """The page to come back to: this page for a GET; for a POST, the page its form was on (the
    Referer, when it is ours) or else the page above the form's action (…/SO-1/transition → …/SO-1)."""
    if request.method in ("GET", "HEAD"):
        return request.url.path + (f"?{request.url.query}" if request.url.query else "")
    face = face_of(request.url.path)
    if face is None:
        return "/"
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith(face.prefix + "/"):
        return referer.path + (f"?{referer.query}" if referer.query else "")
    parent = request.url.path.rstrip("/").rsplit("/", 1)[0]
    return parent if parent.startswith(face.prefix + "/") else face.home_path


U = TypeVar("U")


async def check_credentials(
    session: AsyncSession,
    *,
    face: Face,
    username: str,
    password: str,
    ip: str,
    policy: auth_rules.ThrottlePolicy,
    verify: Callable[[AsyncSession, str, str], Awaitable[U | None]],
) -> U | None:
    """Throttle check, password check, and the attempt recorded. The caller commits ``session``:
    it must be a session of its own, because a failed sign-in answers 4xx and the request's
    transaction rolls back — the failure would be forgotten and the throttle never trip."""
    username = username.strip()[:64]
    await auth_rules.check_throttle(session, face=face.name, username=username, ip=ip, policy=policy)
    user = await verify(session, username, password)
    auth_rules.record_attempt(session, face=face.name, username=username, ip=ip, succeeded=user is not None)
    return user
