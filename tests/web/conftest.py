"""Web-test fixtures: an English-speaking client, direct database reads, and a fuller order desk.

The pages default to zh_CN; the web tests read English text, so their client says so
(Accept-Language: en) and the assertions do not depend on whether the Chinese catalog is compiled.
The language tests build their own clients.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from domain.actors import Actor
from domain.base import today_local
from domain.orders.drafts import LineDraft, OrderDraft
from domain.orders.models import SalesOrder
from domain.orders.services import create_order
from domain.parties.auth import configure_hasher
from domain.parties.models import Customer
from tests.conftest import _reset_and_seed, make_settings
from tests.seed import Seed

BASE_URL = "http://testserver.local"
T = TypeVar("T")


@pytest.fixture(scope="session", autouse=True)
def one_template_engine() -> Iterator[None]:
    """Every app in the run shares one Jinja environment, so each template is compiled once per run
    instead of once per test (compiling the layouts is most of a first request's time)."""
    import app as app_module

    original = app_module.template_engine
    engine = original()
    app_module.template_engine = lambda: engine  # type: ignore[assignment]
    yield
    app_module.template_engine = original  # type: ignore[assignment]


def english_client(app: Litestar) -> TestClient[Litestar]:
    client = TestClient(app=app, base_url=BASE_URL)
    client.headers["Accept-Language"] = "en"
    return client


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with english_client(app) as c:
        yield c


def run_db(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run ``work`` in a session of its own and commit (outside the app, as a second observer)."""

    async def go() -> T:
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            async with AsyncSession(engine, expire_on_commit=False) as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(go())


def count_orders(database_url: str) -> int:
    async def work(s: AsyncSession) -> int:
        return await s.scalar(select(func.count()).select_from(SalesOrder)) or 0

    return run_db(database_url, work)


def order_state(database_url: str, order_no: str) -> tuple[str, int]:
    """(status, version) of an order, read straight from the database."""

    async def work(s: AsyncSession) -> tuple[str, int]:
        row = (
            await s.execute(
                select(SalesOrder.status, SalesOrder.version).where(SalesOrder.order_no == order_no)
            )
        ).one()
        return row[0], row[1]

    return run_db(database_url, work)


def stored_order(database_url: str, **where: Any) -> SalesOrder | None:
    async def work(s: AsyncSession) -> SalesOrder | None:
        return await s.scalar(select(SalesOrder).filter_by(**where))

    return run_db(database_url, work)


# --- a fuller desk for the list pages: three customers, 34 orders over a month ---------------------------

DESK_STATUSES = ("submitted", "confirmed", "in_production", "qc", "shipped", "cancelled")
DESK_ORDERS = 30


async def add_desk_orders(session: AsyncSession, seed: Seed) -> None:
    """30 more orders with spread-out dates, amounts, statuses; C003 is zero-rated (export)."""
    acme = Customer(code="C003", name="Acme Fasteners GmbH", contract_tax_rate=Decimal("0"))
    session.add(acme)
    await session.flush()
    seed.customers["C003"] = acme.id
    customers = [seed.customers["C001"], seed.customers["C002"], acme.id]
    sales = Actor(kind="staff", id=seed.staff["sales"], name="sales", roles=frozenset({"sales"}))
    today = today_local()
    for i in range(DESK_ORDERS):
        order = await create_order(
            session,
            OrderDraft(
                customer_id=customers[i % 3],
                requested_date=today + dt.timedelta(days=10 + (i * 11) % 37),
                lines=[LineDraft(seed.products[i % 5], Decimal(7 + (i * 13) % 29))],
                customer_po=f"DESK-PO-{i:03d}",
            ),
            sales,
        )
        await session.execute(
            update(SalesOrder)
            .where(SalesOrder.id == order.id)
            .values(
                status=DESK_STATUSES[i % len(DESK_STATUSES)],
                order_date=today - dt.timedelta(days=(i * 7) % 30),
                promised_date=None if i % 4 == 0 else today + dt.timedelta(days=5 + (i * 5) % 41),
            )
        )
        seed.orders[f"desk_{i}"] = order.order_no


def reset_with_desk(database_url: str) -> Seed:
    configure_hasher(1, 1024)
    seed = asyncio.run(_reset_and_seed(database_url))
    run_db(database_url, lambda s: add_desk_orders(s, seed))
    return seed


def make_app(database_url: str, **overrides: object) -> Litestar:
    from app import create_app

    return create_app(make_settings(database_url, **overrides))


class Identities:
    """One browser that can be any of several signed-in users of a face: each signs in once, then the
    session cookie is swapped. (Several TestClients open on one app at a time do not shut down cleanly.)"""

    def __init__(self, client: TestClient[Litestar], face: str) -> None:
        self.client = client
        self.prefix = "/backoffice" if face == "staff" else "/portal"
        self.cookie = "op_staff_session" if face == "staff" else "op_portal_session"
        self.session_ids: dict[str, str] = {}

    def __call__(self, username: str) -> TestClient[Litestar]:
        from tests.helpers import post_form
        from tests.seed import PASSWORD

        jar, domain = self.client.cookies, urlsplit(BASE_URL).hostname
        if username not in self.session_ids:
            if jar.get(self.cookie, domain=domain, path=self.prefix):
                jar.delete(self.cookie, domain=domain, path=self.prefix)  # so signing in keeps the others
            response = post_form(
                self.client, f"{self.prefix}/login", {"username": username, "password": PASSWORD}
            )
            assert response.status_code == 303, response.text[:300]
            self.session_ids[username] = jar.get(self.cookie, domain=domain, path=self.prefix) or ""
        jar.set(self.cookie, self.session_ids[username], domain=domain, path=self.prefix)
        return self.client
