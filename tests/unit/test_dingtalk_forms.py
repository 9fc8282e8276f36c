"""Approval form → order fields, and the coded intake every outside channel shares."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local
from domain.errors import ValidationFailed
from domain.orders.external_intake import CodedLine, CodedOrder, create_coded_order
from integrations.dingtalk.forms import order_from_form
from tests.fakes.dingtalk_server import approval_instance

SYSTEM = Actor(kind="system", id=None, name="DingTalk: u1", roles=frozenset({"sales"}))


def test_form_fields_by_label() -> None:
    coded = order_from_form(
        approval_instance(
            customer="C001",
            requested_date="2026-05-01 00:00",
            po="PO-9",
            notes="急",
            lines=[("HR-BC-1001", "10"), ("HR-PI-5005", "２")],
        )
    )
    assert (coded.customer_code, coded.requested_date, coded.customer_po, coded.special_requirements) == (
        "C001", "2026-05-01", "PO-9", "急",
    )  # fmt: skip
    assert coded.lines == [CodedLine("HR-BC-1001", "10"), CodedLine("HR-PI-5005", "２")]
    assert coded.extra_errors == {}


def test_form_fields_by_biz_alias_survive_a_relabelling() -> None:
    instance = {"formComponentValues": [
        {"name": "客户（新）", "bizAlias": "customer", "value": "C002"},
        {"name": "交货日期", "bizAlias": "requested_date", "value": "2026-06-01"},
        {"name": "明细表", "bizAlias": "lines", "value": json.dumps([{"rowValue": [
            {"label": "料号", "key": "part_no", "value": "HR-SH-2002"}, {"label": "件数", "key": "quantity", "value": "3"}]}])},
    ]}  # fmt: skip
    coded = order_from_form(instance)
    assert coded.customer_code == "C002"
    assert coded.requested_date == "2026-06-01"
    assert coded.lines == [CodedLine("HR-SH-2002", "3")]


@pytest.mark.parametrize("table", ["not json", '{"rowValue": []}', "42"])
def test_unreadable_lines_are_an_error(table: str) -> None:
    coded = order_from_form({"formComponentValues": [{"name": "订单明细", "value": table}]})
    assert "lines" in coded.extra_errors


def test_empty_instance() -> None:
    coded = order_from_form({})
    assert coded.customer_code == ""
    assert coded.lines == []


async def test_coded_intake_resolves_codes_case_insensitively(session: AsyncSession) -> None:
    when = (today_local() + dt.timedelta(days=20)).isoformat()
    order = await create_coded_order(
        session, CodedOrder(customer_code=" c002 ", requested_date=when, lines=[CodedLine("hr-bc-1001", "５")]),
        SYSTEM, channel="dingtalk", submit=True,
    )  # fmt: skip
    assert order.channel == "dingtalk"
    assert order.status == "submitted"
    assert order.line_count == 1


async def test_coded_intake_names_every_wrong_field(session: AsyncSession) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await create_coded_order(
            session,
            CodedOrder(customer_code="NOPE", requested_date="2001-01-01",
                       lines=[CodedLine("NOPE", "1"), CodedLine("", "2"), CodedLine("HR-BC-1001", "0")]),
            SYSTEM, channel="api", submit=True,
        )  # fmt: skip
    assert set(exc.value.errors) == {
        "customer",
        "requested_date",
        "lines-0-product",
        "lines-1-product",
        "lines-2-quantity",
    }
