"""Parsing raw order input: what a person types (or pastes) becomes a checked draft or per-field errors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from domain.i18n import Msg
from domain.orders.drafts import (
    MAX_LINES,
    RawLine,
    RawOrder,
    parse_date,
    parse_draft,
    parse_int,
    parse_quantity,
    raw_from_form,
)

TODAY = dt.date(2026, 11, 25)


def raw(**changes: object) -> RawOrder:
    values: dict[str, object] = {
        "customer": "1",
        "requested_date": "2026-12-20",
        "customer_po": "PO-1",
        "special_requirements": "",
        "lines": [RawLine("3", "120")],
    }
    values.update(changes)
    return RawOrder(**values)  # type: ignore[arg-type]


def parse(**changes: object):  # type: ignore[no-untyped-def]
    return parse_draft(raw(**changes), today=TODAY, channel="quick_entry")


# --- quantities ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120", Decimal("120")),
        ("１２０", Decimal("120")),  # full-width digits from a Chinese keyboard
        ("１２０．５", Decimal("120.5")),
        (" 7 ", Decimal("7")),
        ("1,200", Decimal("1200")),
        ("１，２００", Decimal("1200")),
        ("0.001", Decimal("0.001")),
        ("2.125", Decimal("2.125")),
        ("120.0000", Decimal("120")),  # trailing zeros pasted from Excel are not precision
        ("10000000", Decimal("10000000")),
    ],
)
def test_quantities_that_are_accepted(text: str, expected: Decimal) -> None:
    value = parse_quantity(text)
    assert isinstance(value, Decimal)
    assert not isinstance(value, Msg)
    assert value == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter a quantity."),
        ("   ", "Enter a quantity."),
        ("0", "Quantity must be greater than zero."),
        ("0.000", "Quantity must be greater than zero."),
        ("-5", "Quantity must be greater than zero."),
        ("－５", "Quantity must be greater than zero."),  # full-width minus
        ("10000000.001", "Quantity must be at most %(max)s."),
        ("1e30", "Quantity must be at most %(max)s."),
        ("9" * 400, "Quantity must be at most %(max)s."),
        ("1.2345", "Quantity allows at most three decimals."),
        ("0.0001", "Quantity allows at most three decimals."),
        ("abc", "Quantity must be a number."),
        ("12abc", "Quantity must be a number."),
        ("NaN", "Quantity must be a number."),
        ("sNaN", "Quantity must be a number."),
        ("Infinity", "Quantity must be a number."),
        ("1; DROP TABLE sales_orders; --", "Quantity must be a number."),
        ("' OR '1'='1", "Quantity must be a number."),
        ("1 2", "Quantity must be a number."),
    ],
)
def test_quantities_that_are_refused(text: str, message: str) -> None:
    value = parse_quantity(text)
    assert isinstance(value, Msg)
    assert str(value) == message


def test_the_maximum_is_named_in_the_message() -> None:
    value = parse_quantity("20000000")
    assert isinstance(value, Msg)
    assert value.params == {"max": "10,000,000"}


# --- ids and dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", 42), ("４２", 42), (" 7 ", 7), ("", None), ("-1", None), ("1.5", None), ("abc", None),
     ("1 OR 1=1", None), ("9" * 19, None), (None, None)],
)  # fmt: skip
def test_ids(text: str | None, expected: int | None) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-20", dt.date(2026, 12, 20)),
        ("2026/12/20", dt.date(2026, 12, 20)),
        ("2026.12.20", dt.date(2026, 12, 20)),
        ("２０２６－１２－２０", dt.date(2026, 12, 20)),
        (" 2026-12-20 ", dt.date(2026, 12, 20)),
        ("20-12-2026", None),
        ("2026-13-01", None),
        ("2026-02-30", None),
        ("next week", None),
        ("", None),
        ("2026-12-20'; DROP TABLE x; --", None),
    ],
)
def test_dates(text: str, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-11-24", "The requested date cannot be in the past."),
        ("2020-01-01", "The requested date cannot be in the past."),
        ("2028-11-25", "The requested date is more than two years ahead."),  # today + 731 days
        ("2099-01-01", "The requested date is more than two years ahead."),
        ("25/11/2026", "Enter a date as YYYY-MM-DD."),
        ("tomorrow", "Enter a date as YYYY-MM-DD."),
        ("", "Choose a requested date."),
    ],
)
def test_requested_dates_that_are_refused(text: str, message: str) -> None:
    draft, errors = parse(requested_date=text)
    assert draft is None
    assert set(errors) == {"requested_date"}
    assert str(errors["requested_date"]) == message


@pytest.mark.parametrize("text", ["2026-11-25", "2028-11-24"])  # today, and today + 730 days
def test_requested_dates_at_the_edges_are_accepted(text: str) -> None:
    draft, errors = parse(requested_date=text)
    assert errors == {}
    assert draft is not None
    assert draft.requested_date == dt.date.fromisoformat(text)


# --- whole drafts ---------------------------------------------------------------------------------------


def test_a_good_draft() -> None:
    draft, errors = parse(
        customer="２",
        customer_po="  ＰＯ－７７  ",
        special_requirements="  <script>alert(1)</script>\n'; DROP TABLE sales_orders; --  ",
        lines=[RawLine("3", "１２０"), RawLine("4", "2.5")],
    )
    assert errors == {}
    assert draft is not None
    assert draft.customer_id == 2
    assert draft.customer_po == "PO-77"
    # Text is text: kept as typed (trimmed), escaping is the template's job.
    assert draft.special_requirements == "<script>alert(1)</script>\n'; DROP TABLE sales_orders; --"
    assert [(line.product_id, line.quantity) for line in draft.lines] == [
        (3, Decimal("120")),
        (4, Decimal("2.5")),
    ]
    assert draft.channel == "quick_entry"


def test_an_empty_po_is_none() -> None:
    draft, _ = parse(customer_po="   ")
    assert draft is not None
    assert draft.customer_po is None


def test_empty_lines_are_ignored_and_errors_keep_the_row_index() -> None:
    draft, errors = parse(lines=[RawLine("", ""), RawLine("3", "5"), RawLine(" ", " "), RawLine("4", "x")])
    assert draft is None
    assert set(errors) == {"lines-3-quantity"}
    draft, errors = parse(lines=[RawLine("", ""), RawLine("3", "5"), RawLine("", "")])
    assert errors == {}
    assert draft is not None
    assert [(line.product_id, line.quantity) for line in draft.lines] == [(3, Decimal("5"))]


def test_a_line_needs_a_product_and_a_quantity() -> None:
    draft, errors = parse(lines=[RawLine("", "5"), RawLine("3", ""), RawLine("abc", "1")])
    assert draft is None
    assert set(errors) == {"lines-0-product", "lines-1-quantity", "lines-2-product"}


def test_no_lines_at_all() -> None:
    for lines in ([], [RawLine("", ""), RawLine("  ", "")]):
        draft, errors = parse(lines=lines)
        assert draft is None
        assert str(errors["lines"]) == "Add at least one line."


def test_at_most_two_hundred_lines() -> None:
    draft, errors = parse(lines=[RawLine("3", "1")] * MAX_LINES)
    assert errors == {}
    assert draft is not None
    assert len(draft.lines) == MAX_LINES
    draft, errors = parse(lines=[RawLine("3", "1")] * (MAX_LINES + 1))
    assert draft is None
    assert set(errors) == {"lines"}
    assert errors["lines"].params == {"max": MAX_LINES}
    # Empty rows do not count toward the limit.
    draft, errors = parse(lines=[RawLine("3", "1")] * MAX_LINES + [RawLine("", "")] * 5)
    assert errors == {}


@pytest.mark.parametrize("customer", ["", "abc", "-1", "1; DROP TABLE customers"])
def test_a_customer_is_required(customer: str) -> None:
    draft, errors = parse(customer=customer)
    assert draft is None
    assert set(errors) == {"customer"}


def test_long_texts_are_refused() -> None:
    draft, errors = parse(customer_po="P" * 65, special_requirements="x" * 2001)
    assert draft is None
    assert set(errors) == {"customer_po", "special_requirements"}
    draft, errors = parse(customer_po="P" * 64, special_requirements="x" * 2000)
    assert errors == {}


def test_an_unknown_channel_is_refused() -> None:
    draft, errors = parse_draft(raw(), today=TODAY, channel="fax")
    assert draft is None
    assert set(errors) == {"channel"}


def test_every_error_is_reported_at_once() -> None:
    draft, errors = parse(customer="", requested_date="2020-01-01", lines=[RawLine("x", "0")])
    assert draft is None
    assert set(errors) == {"customer", "requested_date", "lines-0-product", "lines-0-quantity"}


def test_raw_from_form_pairs_products_and_quantities() -> None:
    form = {
        "customer": ["2"],
        "requested_date": ["2026-12-20"],
        "customer_po": ["PO-9"],
        "special_requirements": ["fragile"],
        "product": ["3", "4", ""],
        "quantity": ["10", "20"],
    }
    result = raw_from_form(form)
    assert (result.customer, result.requested_date, result.customer_po, result.special_requirements) == (
        "2",
        "2026-12-20",
        "PO-9",
        "fragile",
    )
    assert result.lines == [RawLine("3", "10"), RawLine("4", "20"), RawLine("", "")]
    single = raw_from_form({"customer": "2", "product": "3", "quantity": "1"})
    assert (single.customer, single.lines) == ("2", [RawLine("3", "1")])
    assert raw_from_form({}).lines == []
