"""Quick entry at the order desk: save, submit, add a line without JavaScript, bad input, hostile text."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import today_local
from domain.orders.models import SalesOrder, SalesOrderLine
from tests.helpers import csrf_token, sign_in_customer, sign_in_staff
from tests.seed import Seed
from tests.web.conftest import count_orders, run_db, stored_order

NEW = "/backoffice/orders/new"
ORDER_LINK = re.compile(r"^/backoffice/orders/(SO-\d{4}-\d{6})$")


def in_days(days: int) -> str:
    return (today_local() + dt.timedelta(days=days)).isoformat()


def form(seed: Seed, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "customer": str(seed.customers["C001"]),
        "requested_date": in_days(21),
        "customer_po": "PO-NEW-1",
        "special_requirements": "",
        "product": [str(seed.products[0]), str(seed.products[1])],
        "quantity": ["100", "2.5"],
        "action": "save",
    }
    values.update(changes)
    return values


def send(client: TestClient[Any], data: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return client.post(
        NEW,
        data={**data, "_csrf_token": csrf_token(client, NEW)},
        headers=headers or {},
        follow_redirects=False,
    )


def lines_of(database_url: str, order_no: str) -> list[tuple[int, Decimal]]:
    async def work(s: AsyncSession) -> list[tuple[int, Decimal]]:
        rows = await s.execute(
            select(SalesOrderLine.product_id, SalesOrderLine.quantity)
            .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
            .where(SalesOrder.order_no == order_no)
            .order_by(SalesOrderLine.line_no)
        )
        return [tuple(r) for r in rows.all()]  # type: ignore[misc]

    return run_db(database_url, work)


@pytest.mark.parametrize(
    ("action", "status", "flash"), [("save", "draft", "saved as draft"), ("submit", "submitted", "submitted")]
)
def test_a_two_line_order_is_saved_or_submitted(
    client: TestClient[Litestar], seeded: Seed, database_url: str, action: str, status: str, flash: str
) -> None:
    sign_in_staff(client, "sales")
    before = count_orders(database_url)
    response = send(client, form(seeded, action=action))
    assert response.status_code == 303
    match = ORDER_LINK.match(response.headers["location"])
    assert match
    order_no = match.group(1)
    assert count_orders(database_url) == before + 1
    order = stored_order(database_url, order_no=order_no)
    assert order is not None
    assert (order.status, order.customer_po, order.channel, order.line_count) == (
        status,
        "PO-NEW-1",
        "quick_entry",
        2,
    )
    assert order.requested_date == today_local() + dt.timedelta(days=21)
    assert lines_of(database_url, order_no) == [
        (seeded.products[0], Decimal("100")),
        (seeded.products[1], Decimal("2.5")),
    ]
    page = client.get(response.headers["location"])
    assert f"Order {order_no} {flash}." in page.text


def test_empty_rows_are_ignored_and_full_width_digits_understood(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    sign_in_staff(client, "cs")
    response = send(
        client,
        form(seeded, product=["", str(seeded.products[2]), ""], quantity=["", "１２０", ""], customer_po=""),
    )
    assert response.status_code == 303
    order_no = response.headers["location"].rsplit("/", 1)[1]
    assert lines_of(database_url, order_no) == [(seeded.products[2], Decimal("120"))]
    order = stored_order(database_url, order_no=order_no)
    assert order is not None
    assert order.customer_po is None


def test_add_line_without_javascript_rerenders_with_one_more_row(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    sign_in_staff(client, "salesmgr")
    before = count_orders(database_url)
    response = send(client, form(seeded, action="add_line", customer_po="PO-KEEP-ME"))
    assert response.status_code == 200
    assert len(re.findall(r"data-line\b", response.text)) == 3
    assert 'id="product-2"' in response.text
    assert 'value="PO-KEEP-ME"' in response.text
    assert 'value="2.5"' in response.text  # what was typed survives the round trip
    assert "Please correct the marked fields" not in response.text
    assert count_orders(database_url) == before


BAD_INPUT = [
    ("no-customer", {"customer": ""}, "customer", "Choose a customer."),
    ("unknown-customer", {"customer": "999999"}, "customer", "Choose a customer."),
    (
        "past-date",
        {"requested_date": in_days(-1)},
        "requested_date",
        "The requested date cannot be in the past.",
    ),
    ("bad-date", {"requested_date": "31/12/2026"}, "requested_date", "Enter a date as YYYY-MM-DD."),
    ("qty-zero", {"quantity": ["0", "1"]}, "lines-0-quantity", "Quantity must be greater than zero."),
    ("qty-word", {"quantity": ["1", "abc"]}, "lines-1-quantity", "Quantity must be a number."),
    ("qty-negative", {"quantity": ["-3", "1"]}, "lines-0-quantity", "Quantity must be greater than zero."),
    ("unknown-product", {"product": ["999999", "1"]}, "lines-0-product", "Unknown product."),
    ("no-lines", {"product": ["", ""], "quantity": ["", ""]}, "lines", "Add at least one line."),
    ("po-too-long", {"customer_po": "P" * 65}, "customer_po", "At most 64 characters."),
]


@pytest.mark.parametrize(
    ("changes", "field", "message"), [b[1:] for b in BAD_INPUT], ids=[b[0] for b in BAD_INPUT]
)
def test_bad_input_is_422_with_the_error_at_the_field_and_nothing_stored(
    client: TestClient[Litestar],
    seeded: Seed,
    database_url: str,
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    sign_in_staff(client, "sales")
    before = count_orders(database_url)
    response = send(client, form(seeded, **changes))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert re.search(rf'id="{field}-error"[^>]*>\s*{re.escape(message)}', response.text), response.text[
        -3000:
    ]
    assert "Please correct the marked fields. Nothing was saved." in response.text
    assert count_orders(database_url) == before


def test_a_duplicate_po_names_the_existing_order(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    sign_in_staff(client, "sales")
    before = count_orders(database_url)
    response = send(client, form(seeded, customer_po="PO-C001-1", action="submit"))
    assert response.status_code == 422
    existing = seeded.orders["c001_submitted"]
    assert re.search(
        rf'id="customer_po-error"[^>]*>\s*PO number already used by order {existing}\.', response.text
    )
    assert count_orders(database_url) == before
    # The same PO for the other customer is fine.
    response = send(client, form(seeded, customer=str(seeded.customers["C002"]), customer_po="PO-C001-1"))
    assert response.status_code == 303
    assert count_orders(database_url) == before + 1


def test_with_htmx_errors_come_back_as_the_form_fragment(client: TestClient[Litestar], seeded: Seed) -> None:
    sign_in_staff(client, "sales")
    response = send(client, form(seeded, quantity=["0", "1"]), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "<html" not in response.text
    assert "<form" in response.text
    assert 'id="lines-0-quantity-error"' in response.text
    assert "HX-Request" in response.headers.get("vary", "")


@pytest.mark.parametrize("username", ["pmc", "warehouse"])
def test_roles_outside_the_order_desk_cannot_post_orders(
    client: TestClient[Litestar], seeded: Seed, database_url: str, username: str
) -> None:
    sign_in_staff(client, username)
    before = count_orders(database_url)
    token = csrf_token(client, "/backoffice/orders")
    response = client.post(NEW, data={**form(seeded), "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 403
    assert count_orders(database_url) == before


SCRIPT = "<script>alert('x')</script>"
SQL = "'; DROP TABLE sales_orders; --"


def test_hostile_text_is_stored_as_text_and_shown_escaped_in_both_faces(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    po = f"{SCRIPT}{SQL}"[:64]
    notes = f"{SCRIPT}\n{SQL}\n<img src=x onerror=alert(1)>"
    sign_in_staff(client, "sales")
    response = send(client, form(seeded, customer_po=po, special_requirements=notes, action="submit"))
    assert response.status_code == 303
    order_no = response.headers["location"].rsplit("/", 1)[1]

    order = stored_order(database_url, order_no=order_no)
    assert order is not None
    assert (order.customer_po, order.special_requirements) == (
        po,
        notes,
    )  # verbatim, and the table is still there
    assert count_orders(database_url) == 5

    escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
    pages = [
        client.get(f"/backoffice/orders/{order_no}").text,
        client.get("/backoffice/orders", params={"q": order_no}).text,
    ]
    sign_in_customer(client, "c001-buyer")
    pages += [
        client.get(f"/portal/orders/{order_no}").text,
        client.get("/portal/orders").text,
    ]
    for page in pages:
        assert order_no in page
        assert escaped in page
        assert SCRIPT not in page
        assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[0]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[2]
