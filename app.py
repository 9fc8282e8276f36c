"""Composition root: settings, database, sessions, templates, middleware, the two faces, CLI commands."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import click
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from advanced_alchemy.extensions.litestar.store import SQLAlchemyStore
from litestar import Litestar, Request, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, Cookie, State
from litestar.plugins import CLIPluginProtocol
from litestar.response import Redirect, Response
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine

import api
import backoffice
import domain.models  # noqa: F401  (registers every table on the metadata)
import portal
from config import ROOT, Settings
from domain.parties.auth import configure_hasher
from integrations.dingtalk import callback as dingtalk
from web import i18n
from web.auth import FACES, PORTAL, face_of, safe_next
from web.errors import EXCEPTION_HANDLERS
from web.flash import FlashMiddleware
from web.htmx import HtmxRedirectMiddleware
from web.security import add_security_headers
from web.sessions import FaceSessionConfig, SessionStoreItem
from web.static_cache import cache_versioned_static
from web.templating import template_engine

log = logging.getLogger("orderpulse")


def build_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(
            settings.database_url, echo=settings.echo_sql, connect_args={"timeout": 15}
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            # WAL for readers during writes; FULL so a committed order survives a power cut.
            cursor = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=15000"):
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        return engine
    return create_async_engine(
        settings.database_url, echo=settings.echo_sql, pool_size=10, max_overflow=10, pool_pre_ping=True
    )


def build_alchemy(settings: Settings, engine: AsyncEngine | None = None) -> SQLAlchemyAsyncConfig:
    return SQLAlchemyAsyncConfig(
        engine_instance=engine or build_engine(settings),
        # Commit on 2xx and on the 303 after a successful POST; roll back on 4xx/5xx.
        before_send_handler="autocommit_include_redirects",
        session_config=AsyncSessionConfig(expire_on_commit=False),
        alembic_config=AlembicAsyncConfig(script_location=str(ROOT / "migrations"), render_as_batch=True),
        create_all=False,
    )


@get("/healthz", include_in_schema=False, cache=False)
async def healthz(db_session: AsyncSession) -> Response[dict[str, str]]:
    try:
        await db_session.execute(text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        return Response({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return Response({"status": "ok", "database": "ok"})


@get("/", include_in_schema=False)
async def root() -> Redirect:
    return Redirect("/portal/orders", status_code=303)


@get("/lang/{code:str}", include_in_schema=False)
async def switch_language(request: Request[Any, Any, Any], code: str, next: str = "") -> Redirect:
    face = face_of(next) or PORTAL
    response = Redirect(safe_next(next, face), status_code=303)
    if code in i18n.LOCALES:
        response.cookies.append(
            Cookie(
                key=i18n.LANG_COOKIE,
                value=code,
                path="/",
                max_age=365 * 24 * 3600,
                samesite="lax",
                httponly=True,
            )
        )
    return response


class DemoCLIPlugin(CLIPluginProtocol):
    """`litestar demo load`: the demo factory, loaded idempotently (make run calls it)."""

    def on_cli_init(self, cli: click.Group) -> None:
        @cli.group(name="demo")
        def demo_group() -> None:
            """Demo data."""

        @demo_group.command(name="load")
        @click.option("--orders", default=320, show_default=True, help="How many orders to create.")
        def load(orders: int) -> None:
            """Load the demo factory (skipped if it is already there) and print the demo logins."""
            from demo.factory import load_demo, print_logins

            async def run() -> bool:
                settings = Settings()
                configure_hasher(settings.argon2_time_cost, settings.argon2_memory_kib)
                engine = build_engine(settings)
                try:
                    async with AsyncSession(engine, expire_on_commit=False) as session:
                        created = await load_demo(session, orders=orders)
                        await session.commit()
                        return created
                finally:
                    await engine.dispose()

            created = asyncio.run(run())
            click.echo(
                "Demo factory loaded." if created else "Demo factory already present; nothing changed."
            )
            print_logins(click.echo)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings()
    configure_hasher(settings.argon2_time_cost, settings.argon2_memory_kib)
    i18n.load_catalogs()
    alchemy = build_alchemy(settings)

    def session_config(face: Any) -> FaceSessionConfig:
        return FaceSessionConfig(
            key=face.cookie, store=f"{face.name}_sessions", path=face.prefix, httponly=True, samesite="lax",
            secure=settings.secure_cookies, max_age=settings.session_max_age_s, renew_on_access=False,
        )  # fmt: skip

    staff_sessions, portal_sessions = session_config(FACES[0]), session_config(FACES[1])
    stores = {
        f"{face.name}_sessions": SQLAlchemyStore(alchemy, model=SessionStoreItem, namespace=face.name)
        for face in FACES
    }
    static = create_static_files_router(
        path="/static",
        directories=[ROOT / "static"],
        cache_control=CacheControlHeader(max_age=86400, public=True),
        include_in_schema=False,
    )
    return Litestar(
        route_handlers=[
            root,
            healthz,
            switch_language,
            static,
            backoffice.build_router(staff_sessions.middleware),
            portal.build_router(portal_sessions.middleware),
            api.build_router(),
            dingtalk.build_router(),
        ],
        plugins=[SQLAlchemyPlugin(config=alchemy), DemoCLIPlugin(), *api.plugins()],
        state=State({"settings": settings, "alchemy": alchemy}),
        stores=stores,
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="op_csrf",
            header_name="x-csrftoken",
            cookie_httponly=True,
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
        ),
        template_config=TemplateConfig(instance=template_engine()),
        before_send=[
            api.docs_csp,
            add_security_headers,
            cache_versioned_static,
        ],  # every answer, also those from outside the middleware stack
        middleware=[
            HtmxRedirectMiddleware,
            i18n.LocaleMiddleware,
            FlashMiddleware,
        ],
        exception_handlers=api.for_api_paths(EXCEPTION_HANDLERS),
        debug=settings.debug,
        openapi_config=api.openapi_config(),
    )


app = create_app()
