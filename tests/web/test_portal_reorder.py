"""Portal "Order again": buyers only, own orders only, errors next to the fields, nothing stored on bad input."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import today_local
from domain.orders.models import OrderEvent, SalesOrder, SalesOrderLine
from tests.helpers import csrf_token, sign_in_customer
from tests.seed import Seed
from tests.web.conftest import count_orders, run_db

NEW_ORDER = re.compile(r"^/portal/orders/(SO-\d{4}-\d{6})$")


def url(seed: Seed, label: str = "c001_submitted") -> str:
    return f"/portal/orders/{seed.orders[label]}/reorder"


def send(
    client: TestClient[Any], path: str, data: dict[str, str], headers: dict[str, str] | None = None
) -> Any:
    return client.post(path, data={**data, "_csrf_token": csrf_token(client, path)}, headers=headers or {},
                       follow_redirects=False)  # fmt: skip


def good(**changes: str) -> dict[str, str]:
    values = {
        "requested_date": (today_local() + dt.timedelta(days=35)).isoformat(),
        "customer_po": "PO-AGAIN-7",
        "quantity-0": "250",
        "quantity-1": "",
        "special_requirements": "同上次",
    }
    values.update(changes)
    return values


def test_the_order_page_offers_order_again_to_buyers_only(client: TestClient[Any], seeded: Seed) -> None:
    sign_in_customer(client, "c001-buyer")
    page = client.get(f"/portal/orders/{seeded.orders['c001_submitted']}")
    assert f'href="{url(seeded)}"' in page.text


def test_the_form_is_prefilled_with_the_lines(client: TestClient[Any], seeded: Seed) -> None:
    sign_in_customer(client, "c001-buyer")
    page = client.get(url(seeded))
    assert page.status_code == 200
    assert 'name="quantity-0" type="text" value="100"' in page.text
    assert 'name="quantity-1" type="text" value="20"' in page.text
    assert page.text.count("data-reorder-line") == 2
    assert re.search(r'name="requested_date" type="date" value="\d{4}-\d{2}-\d{2}"', page.text)


def test_a_buyer_reorders_and_the_new_order_enters_the_same_door(
    client: TestClient[Any], seeded: Seed, database_url: str
) -> None:
    sign_in_customer(client, "c001-buyer")
    response = send(client, url(seeded), good())
    assert response.status_code == 303, response.text[:400]
    match = NEW_ORDER.match(response.headers["location"])
    assert match
    order_no = match.group(1)

    async def stored(s: AsyncSession) -> Any:
        order = await s.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no))
        assert order is not None
        lines = (
            await s.execute(
                select(SalesOrderLine.product_id, SalesOrderLine.quantity).where(
                    SalesOrderLine.order_id == order.id
                )
            )
        ).all()
        events = (
            await s.execute(
                select(OrderEvent.kind, OrderEvent.actor_kind, OrderEvent.to_status).where(
                    OrderEvent.order_id == order.id
                )
            )
        ).all()
        return order, lines, events

    order, lines, events = run_db(database_url, stored)
    assert (order.channel, order.status, order.customer_id, order.customer_po) == (
        "portal", "submitted", seeded.customers["C001"], "PO-AGAIN-7",
    )  # fmt: skip
    assert [(p, int(q)) for p, q in lines] == [(seeded.products[0], 250)]
    assert sorted(events) == [
        ("created", "customer", "draft"),
        ("promise", "customer", None),
        ("transition", "customer", "submitted"),
    ]
    assert order.special_requirements == "同上次"
    page = client.get(f"/portal/orders/{order_no}")
    assert page.status_code == 200
    assert "PO-AGAIN-7" in page.text


def test_bad_input_is_shown_next_to_the_fields_and_nothing_is_stored(
    client: TestClient[Any], seeded: Seed, database_url: str
) -> None:
    sign_in_customer(client, "c001-buyer")
    before = count_orders(database_url)
    cases = [
        (good(**{"quantity-0": "lots"}), "quantity-0-error", "Quantity must be a number."),
        (
            good(**{"quantity-0": "", "quantity-1": ""}),
            "lines-error",
            "Enter a quantity for at least one line.",
        ),
        (
            good(requested_date="2001-01-01"),
            "requested_date-error",
            "The requested date cannot be in the past.",
        ),
        (good(customer_po="PO-C001-1"), "customer_po-error", "PO number already used by order"),
        (
            good(**{"quantity-1": "<script>alert(1)</script>"}),
            "quantity-1-error",
            "Quantity must be a number.",
        ),
    ]
    for data, error_id, message in cases:
        response = send(client, url(seeded), data)
        assert response.status_code == 422, data
        assert f'id="{error_id}"' in response.text, data
        assert message in response.text, data
        assert "<script>alert(1)</script>" not in response.text
    # htmx gets only the form back, errors in place.
    response = send(client, url(seeded), good(**{"quantity-0": "-5"}), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "<html" not in response.text
    assert 'id="quantity-0-error"' in response.text
    assert count_orders(database_url) == before


def test_qc_engineers_may_look_but_not_order(
    client: TestClient[Any], seeded: Seed, database_url: str
) -> None:
    sign_in_customer(client, "c001-qe")
    page = client.get(f"/portal/orders/{seeded.orders['c001_submitted']}")
    assert page.status_code == 200
    assert "/reorder" not in page.text
    assert client.get(url(seeded)).status_code == 403
    token = csrf_token(client, "/portal/orders")
    before = count_orders(database_url)
    response = client.post(url(seeded), data={**good(), "_csrf_token": token})
    assert response.status_code == 403
    assert count_orders(database_url) == before


def test_another_customers_order_and_drafts_are_not_found(
    client: TestClient[Any], seeded: Seed, database_url: str
) -> None:
    sign_in_customer(client, "c002-buyer")
    assert client.get(url(seeded)).status_code == 404
    assert client.get(url(seeded, "c001_draft")).status_code == 404
    assert client.get("/portal/orders/SO-0000-000000/reorder").status_code == 404
    token = csrf_token(client, "/portal/orders")
    before = count_orders(database_url)
    assert client.post(url(seeded), data={**good(), "_csrf_token": token}).status_code == 404
    assert count_orders(database_url) == before


def test_signed_out_goes_to_login_and_staff_cookies_do_not_count(
    client: TestClient[Any], seeded: Seed
) -> None:
    response = client.get(url(seeded), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/portal/login")
