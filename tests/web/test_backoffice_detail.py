"""The back office's order page and entry form as each role sees them (reads only: one shared seed)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from domain.parties.auth import configure_hasher
from tests.conftest import _reset_and_seed
from tests.seed import STAFF, Seed
from tests.web.conftest import Identities, english_client, make_app

BUTTON = re.compile(r'name="action" value="([a-z_]+)"')


@pytest.fixture(scope="module")
def shared(database_url: str) -> Seed:
    configure_hasher(1, 1024)
    return asyncio.run(_reset_and_seed(database_url))


@pytest.fixture(scope="module")
def shared_app(database_url: str, shared: Seed) -> Litestar:
    return make_app(database_url)


@pytest.fixture(scope="module")
def desk_browser(shared_app: Litestar) -> Iterator[TestClient[Litestar]]:
    with english_client(shared_app) as client:
        yield client


@pytest.fixture(scope="module")
def as_user(desk_browser: TestClient[Litestar]) -> Identities:
    return Identities(desk_browser, "staff")


def buttons(html: str) -> set[str]:
    return set(BUTTON.findall(html))


@pytest.mark.parametrize(
    ("username", "order", "expected"),
    [
        ("sales", "c001_draft", {"submit", "cancel"}),
        ("cs", "c001_draft", {"submit", "cancel"}),
        ("salesmgr", "c001_draft", {"submit", "cancel"}),
        ("pmc", "c001_draft", set()),
        ("sales", "c001_submitted", {"cancel"}),  # a rep may withdraw, not confirm
        ("salesmgr", "c001_submitted", {"confirm", "return_to_draft", "hold", "cancel"}),
        ("warehouse", "c001_submitted", set()),
        ("qc", "c001_submitted", set()),
        ("pmc", "c001_in_production", {"send_to_qc", "hold"}),
        ("qc", "c001_in_production", {"send_to_qc"}),
        ("sales", "c001_in_production", set()),  # once confirmed, only the manager cancels
        ("salesmgr", "c001_in_production", {"hold", "cancel"}),
        ("admin", "c001_in_production", {"send_to_qc", "hold", "cancel"}),
        ("billing", "c002_submitted", set()),
        ("aftersales", "c002_submitted", set()),
    ],
)
def test_the_page_shows_only_the_buttons_the_role_may_press(
    as_user: Identities,
    shared: Seed,
    username: str,
    order: str,
    expected: set[str],
) -> None:
    response = as_user(username).get(f"/backoffice/orders/{shared.orders[order]}")
    assert response.status_code == 200
    assert buttons(response.text) == expected
    if expected:
        assert 'name="version" value="' in response.text
    else:
        assert "Nothing for your role to do on this order right now." in response.text
        assert "/transition" not in response.text


def test_the_order_page_shows_the_order(as_user: Identities, shared: Seed) -> None:
    order_no = shared.orders["c001_in_production"]
    response = as_user("sales").get(f"/backoffice/orders/{order_no}")
    assert response.status_code == 200
    text = response.text
    for expected in (order_no, "PO-C001-PROD", "C001", "宁波拓锐汽车部件有限公司", "HR-PI-5005", "活塞"):
        assert expected in text
    assert 'name="version" value="4"' not in text  # sales has no move here, so no form at all
    assert "In production" in text
    # The timeline names who did what (staff may see that; customers may not).
    for who in ("salesmgr", "pmc"):
        assert who in text
    admin_view = as_user("admin").get(f"/backoffice/orders/{order_no}").text
    assert 'name="version" value="4"' in admin_view


def test_every_role_can_read_the_desk(as_user: Identities, shared: Seed) -> None:
    for username in STAFF:
        response = as_user(username).get("/backoffice/orders")
        assert response.status_code == 200, username
        assert shared.orders["c002_submitted"] in response.text


def test_a_missing_order_is_404(as_user: Identities) -> None:
    response = as_user("sales").get("/backoffice/orders/SO-1999-999999")
    assert response.status_code == 404
    assert "Not found" in response.text
    assert response.headers["content-type"].startswith("text/html")


ENTRY_ROLES = ["sales", "salesmgr", "cs", "admin"]
NO_ENTRY = ["pmc", "warehouse", "qc", "logistics", "billing", "aftersales"]


@pytest.mark.parametrize("username", ENTRY_ROLES)
def test_the_order_desk_roles_get_the_entry_form(as_user: Identities, username: str) -> None:
    client = as_user(username)
    response = client.get("/backoffice/orders/new")
    assert response.status_code == 200
    assert 'action="/backoffice/orders/new"' in response.text
    assert len(re.findall(r"data-line\b", response.text)) == 1
    assert 'href="/backoffice/orders/new"' in client.get("/backoffice/orders").text


@pytest.mark.parametrize("username", NO_ENTRY)
def test_other_roles_may_not_enter_orders(as_user: Identities, username: str) -> None:
    client = as_user(username)
    assert client.get("/backoffice/orders/new").status_code == 403
    assert client.get("/backoffice/orders/new/line", params={"index": 3}).status_code == 403
    assert 'href="/backoffice/orders/new"' not in client.get("/backoffice/orders").text


def test_add_line_returns_exactly_one_row(as_user: Identities, shared: Seed) -> None:
    response = as_user("sales").get(
        "/backoffice/orders/new/line", params={"index": 3}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert len(re.findall(r"data-line\b", response.text)) == 1
    assert 'id="product-3"' in response.text
    assert 'id="quantity-3"' in response.text
    assert len(re.findall(r"<option value=\"\d+\"", response.text)) == len(shared.products)
    assert "HX-Request" in response.headers.get("vary", "")


@pytest.mark.parametrize(("index", "expected"), [("-5", "0"), ("1000", "199")])
def test_add_line_keeps_the_index_in_range(as_user: Identities, index: str, expected: str) -> None:
    response = as_user("sales").get("/backoffice/orders/new/line", params={"index": index})
    assert response.status_code == 200
    assert f'id="product-{expected}"' in response.text


def test_add_line_with_a_bad_index_is_400(as_user: Identities) -> None:
    assert as_user("sales").get("/backoffice/orders/new/line", params={"index": "x"}).status_code == 400
