"""The JSON shapes of /api/v1 (msgspec structs: exact OpenAPI schema, unknown fields refused)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import msgspec
from msgspec import Meta

from domain.orders.drafts import MAX_LINES, MAX_PO, MAX_TEXT
from domain.orders.feed import FeedRow
from domain.orders.models import SalesOrder

Money = Annotated[
    str,
    Meta(
        description='Decimal amount as a string, e.g. "1234.50" (exact, never a float)', examples=["1234.50"]
    ),
]
Quantity = Annotated[
    str, Meta(description='Decimal quantity as a string, e.g. "120" or "12.5"', examples=["120"])
]


class OrderLineIn(msgspec.Struct, forbid_unknown_fields=True):
    part_no: Annotated[
        str,
        Meta(min_length=1, max_length=40, description="The product's part number", examples=["HR-BC-1001"]),
    ]
    quantity: Annotated[
        int | float | Annotated[str, Meta(min_length=1, max_length=32)],
        Meta(
            description='More than 0, at most three decimals; a number or a decimal string ("12.5")',
            examples=[120],
        ),
    ]


class OrderIn(msgspec.Struct, forbid_unknown_fields=True):
    customer: Annotated[
        str, Meta(min_length=1, max_length=20, description="The customer's code", examples=["C001"])
    ]
    requested_date: Annotated[
        dt.date, Meta(description="Requested delivery date (Asia/Shanghai calendar day)")
    ]
    lines: Annotated[list[OrderLineIn], Meta(min_length=1, max_length=MAX_LINES)]
    customer_po: Annotated[
        Annotated[str, Meta(max_length=MAX_PO)] | None,
        Meta(description="The customer's PO number; unique per customer"),
    ] = None
    special_requirements: Annotated[str, Meta(max_length=MAX_TEXT)] = ""


class OrderLineOut(msgspec.Struct):
    line_no: int
    part_no: str
    product_name: str
    unit: str
    quantity: Quantity
    unit_price: Money
    tax_rate: Annotated[str, Meta(description='e.g. "0.1300"')]
    amount_net: Money
    requested_date: dt.date
    promised_date: dt.date | None


class OrderOut(msgspec.Struct):
    order_no: str
    status: str
    channel: str
    customer: str
    customer_name: str
    customer_po: str | None
    order_date: dt.date
    requested_date: dt.date
    promised_date: dt.date | None
    currency: str
    total_net: Money
    total_tax: Money
    total_gross: Money
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    lines: list[OrderLineOut]


class OrderSummary(msgspec.Struct):
    order_no: str
    status: str
    channel: str
    customer: str
    customer_po: str | None
    requested_date: dt.date
    promised_date: dt.date | None
    total_net: Money
    total_tax: Money
    line_count: int
    version: int
    updated_at: dt.datetime


class OrderList(msgspec.Struct):
    items: list[OrderSummary]
    next_cursor: Annotated[
        str | None, Meta(description="Pass as `cursor` for the next page; null on the last page")
    ]


def plain(value: Decimal) -> str:
    """120.000 (as Numeric(14, 3) stores it) → "120"; 12.500 → "12.5"."""
    return format(value.normalize(), "f")


def order_out(order: SalesOrder) -> OrderOut:
    """From an order loaded with its customer and its lines' products (queries.get_order)."""
    return OrderOut(
        order_no=order.order_no, status=str(order.status), channel=order.channel, customer=order.customer.code,
        customer_name=order.customer.name, customer_po=order.customer_po, order_date=order.order_date,
        requested_date=order.requested_date, promised_date=order.promised_date, currency=order.currency,
        total_net=str(order.total_net), total_tax=str(order.total_tax), total_gross=str(order.total_gross),
        version=order.version, created_at=order.created_at, updated_at=order.updated_at,
        lines=[
            OrderLineOut(
                line_no=line.line_no, part_no=line.product.part_no, product_name=line.product.name,
                unit=line.product.unit, quantity=plain(line.quantity),
                unit_price=str(line.unit_price), tax_rate=str(line.tax_rate), amount_net=str(line.amount_net),
                requested_date=line.requested_date, promised_date=line.promised_date,
            )
            for line in order.lines
        ],
    )  # fmt: skip


def summary_out(row: FeedRow) -> OrderSummary:
    return OrderSummary(
        order_no=row.order_no, status=row.status, channel=row.channel, customer=row.customer_code,
        customer_po=row.customer_po, requested_date=row.requested_date, promised_date=row.promised_date,
        total_net=str(row.total_net), total_tax=str(row.total_tax), line_count=row.line_count,
        version=row.version, updated_at=row.updated_at,
    )  # fmt: skip
