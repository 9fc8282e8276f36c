"""Pressing a button on the order page: allowed, forbidden, stale, malformed, missing a reason."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.helpers import post_form, sign_in_staff
from tests.seed import Seed
from tests.web.conftest import order_state


def press(client: TestClient[Any], order_no: str, headers: dict[str, str] | None = None, **data: str) -> Any:
    """Post the order page's form, as a browser would (with the page as Referer)."""
    page = f"/backoffice/orders/{order_no}"
    headers = {"Referer": f"{client.base_url}{page}", **(headers or {})}
    return post_form(client, f"{page}/transition", data, token_from=page, headers=headers)


def test_an_allowed_move_redirects_changes_the_order_and_says_so_once(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_submitted"]
    sign_in_staff(client, "salesmgr")
    response = press(client, order_no, action="confirm", version="2")
    assert (response.status_code, response.headers["location"]) == (303, f"/backoffice/orders/{order_no}")
    assert order_state(database_url, order_no) == ("confirmed", 3)

    page = client.get(f"/backoffice/orders/{order_no}")
    assert f"Order {order_no} is now: Confirmed." in page.text
    assert 'name="version" value="3"' in page.text
    assert f"Order {order_no} is now" not in client.get(f"/backoffice/orders/{order_no}").text  # shown once


def test_a_reason_is_kept_on_the_timeline(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    sign_in_staff(client, "pmc")
    response = press(client, order_no, action="hold", version="4", comment="Steel delivery late <b>again</b>")
    assert response.status_code == 303
    assert order_state(database_url, order_no) == ("on_hold", 5)
    page = client.get(f"/backoffice/orders/{order_no}").text
    assert "Steel delivery late &lt;b&gt;again&lt;/b&gt;" in page
    assert 'value="release"' in page


@pytest.mark.parametrize(
    ("username", "order", "action", "version"),
    [
        ("sales", "c001_submitted", "confirm", "2"),
        ("warehouse", "c001_submitted", "confirm", "2"),
        ("pmc", "c001_draft", "submit", "1"),
        ("sales", "c001_in_production", "cancel", "4"),
        ("qc", "c001_in_production", "hold", "4"),
    ],
)
def test_a_move_the_role_may_not_make_is_403_and_changes_nothing(
    client: TestClient[Litestar], seeded: Seed, database_url: str, username: str, order: str, action: str,
    version: str,
) -> None:  # fmt: skip
    order_no = seeded.orders[order]
    before = order_state(database_url, order_no)
    sign_in_staff(client, username)
    response = press(client, order_no, action=action, version=version, comment="trying")
    assert response.status_code == 403
    assert "Your role does not allow this action." in response.text
    assert order_state(database_url, order_no) == before


def test_a_stale_version_is_409_naming_who_changed_it(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]  # version 4, last changed by pmc
    sign_in_staff(client, "salesmgr")
    response = press(client, order_no, action="hold", version="3", comment="credit check")
    assert response.status_code == 409
    assert re.search(r"Changed by pmc at [^<]+\. Reload the page to see the current version\.", response.text)
    assert f'href="/backoffice/orders/{order_no}"' in response.text  # the reload link leads back to the order
    assert order_state(database_url, order_no) == ("in_production", 4)


def test_a_move_that_the_status_does_not_allow_is_409(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_submitted"]
    sign_in_staff(client, "admin")
    response = press(client, order_no, action="ship", version="2")
    assert response.status_code == 409
    assert "That step is not possible in the order's current status." in html.unescape(response.text)
    assert order_state(database_url, order_no) == ("submitted", 2)


@pytest.mark.parametrize(
    "data",
    [
        {"action": "teleport", "version": "2"},
        {"action": "", "version": "2"},
        {"action": "confirm"},
        {"action": "confirm", "version": ""},
        {"action": "confirm", "version": "two"},
        {"action": "confirm", "version": "-1"},
        {"version": "2"},
    ],
    ids=[
        "unknown-action",
        "empty-action",
        "no-version",
        "empty-version",
        "word-version",
        "negative",
        "no-action",
    ],
)
def test_a_malformed_request_is_400_and_changes_nothing(
    client: TestClient[Litestar], seeded: Seed, database_url: str, data: dict[str, str]
) -> None:
    order_no = seeded.orders["c001_submitted"]
    sign_in_staff(client, "salesmgr")
    response = press(client, order_no, **data)
    assert response.status_code == 400
    assert "The request was not understood" in response.text
    assert 'href="True"' not in response.text
    assert order_state(database_url, order_no) == ("submitted", 2)


@pytest.mark.parametrize("comment", ["", "   "])
def test_a_missing_reason_is_422_next_to_the_field(
    client: TestClient[Litestar], seeded: Seed, database_url: str, comment: str
) -> None:
    order_no = seeded.orders["c001_submitted"]
    sign_in_staff(client, "salesmgr")
    response = press(client, order_no, action="return_to_draft", version="2", comment=comment)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert re.search(r'id="comment-error"[^>]*>\s*Please give a reason\.', response.text)
    assert 'aria-describedby="comment-error"' in response.text
    assert "<html" in response.text  # without JavaScript: the whole page, with the error in place
    assert order_state(database_url, order_no) == ("submitted", 2)


def test_with_htmx_a_missing_reason_swaps_only_the_actions(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    sign_in_staff(client, "salesmgr")
    response = press(client, order_no, headers={"HX-Request": "true"}, action="cancel", version="4")
    assert response.status_code == 422
    assert "<html" not in response.text
    assert 'id="comment-error"' in response.text
    assert 'value="cancel"' in response.text  # the buttons come back with the form
    assert "HX-Request" in response.headers.get("vary", "")
    assert order_state(database_url, order_no) == ("in_production", 4)


def test_with_htmx_a_successful_move_tells_htmx_where_to_go(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_draft"]
    sign_in_staff(client, "sales")
    response = press(client, order_no, headers={"HX-Request": "true"}, action="submit", version="1")
    assert response.headers.get("HX-Redirect") == f"/backoffice/orders/{order_no}"
    assert order_state(database_url, order_no) == ("submitted", 2)


def test_a_move_on_a_missing_order_is_404(client: TestClient[Litestar], seeded: Seed) -> None:
    sign_in_staff(client, "admin")
    response = post_form(
        client, "/backoffice/orders/SO-1999-000001/transition", {"action": "confirm", "version": "1"},
        token_from="/backoffice/orders",
    )  # fmt: skip
    assert response.status_code == 404
