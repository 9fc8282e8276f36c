"""Portal re-order: the buyer's own orders only, the same door (parse_draft, create_order, submit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local
from domain.catalog.models import Product
from domain.errors import Forbidden, NotFound, ValidationFailed
from domain.intake import reorder as rules
from domain.orders.models import OrderEvent, SalesOrder
from tests.seed import Seed
from tests.unit.conftest import MODULE_LOOP


def buyer(seed: Seed, code: str = "C001", role: str = "buyer") -> Actor:
    return Actor(
        kind="customer",
        id=1,
        name=f"{code} {role}",
        roles=frozenset({role}),
        customer_id=seed.customers[code],
    )


def form(**changes: object) -> rules.ReorderForm:
    values: dict[str, object] = {
        "requested_date": (today_local() + dt.timedelta(days=40)).isoformat(),
        "customer_po": "PO-AGAIN-1",
        "special_requirements": "",
        "quantities": ["150", "20"],
    }
    values.update(changes)
    return rules.ReorderForm(**values)  # type: ignore[arg-type]


@MODULE_LOOP
async def test_prefill_copies_lines_and_the_lead_time(db: AsyncSession, module_seed: Seed) -> None:
    source = await rules.source_order(db, buyer(module_seed), module_seed.orders["c001_submitted"])
    today = today_local()
    values = rules.prefill(source, today)
    assert values.quantities == ["100", "20"]
    assert values.requested_date == (today + (source.requested_date - source.order_date)).isoformat()
    assert values.customer_po == ""


@MODULE_LOOP
async def test_reorder_creates_a_submitted_portal_order_with_edited_quantities(
    db: AsyncSession, module_seed: Seed
) -> None:
    actor = buyer(module_seed)
    source = await rules.source_order(db, actor, module_seed.orders["c001_submitted"])
    order = await rules.reorder(db, actor, source, form(quantities=["150", ""]), today=today_local())
    assert (order.channel, order.status, order.customer_id) == (
        "portal",
        "submitted",
        module_seed.customers["C001"],
    )
    assert order.customer_po == "PO-AGAIN-1"
    lines = [(line.product_id, line.quantity) for line in order.lines]
    assert lines == [(module_seed.products[0], Decimal("150"))]  # the emptied line is dropped
    events = (
        await db.execute(
            select(OrderEvent.kind, OrderEvent.actor_kind).where(OrderEvent.order_id == order.id)
        )
    ).all()
    assert sorted(events) == [("created", "customer"), ("promise", "customer"), ("transition", "customer")]


@MODULE_LOOP
async def test_another_customers_order_is_not_found_and_a_qc_engineer_may_not_order(
    db: AsyncSession, module_seed: Seed
) -> None:
    with pytest.raises(NotFound):
        await rules.source_order(db, buyer(module_seed, "C002"), module_seed.orders["c001_submitted"])
    with pytest.raises(NotFound):  # a draft the customer never saw is not theirs to copy either
        await rules.source_order(db, buyer(module_seed), module_seed.orders["c001_draft"])
    with pytest.raises(Forbidden):
        await rules.source_order(
            db, buyer(module_seed, role="qc_engineer"), module_seed.orders["c001_submitted"]
        )


@MODULE_LOOP
async def test_bad_input_names_the_fields_and_stores_nothing(db: AsyncSession, module_seed: Seed) -> None:
    actor = buyer(module_seed)
    source = await rules.source_order(db, actor, module_seed.orders["c001_submitted"])
    before = await db.scalar(select(func.count()).select_from(SalesOrder))
    cases = [
        (form(quantities=["abc", "-1"]), {"quantity-0", "quantity-1"}),
        (form(quantities=["", ""]), {"lines"}),
        (form(requested_date="2020-01-01"), {"requested_date"}),
        (form(requested_date="<script>"), {"requested_date"}),
        (form(customer_po="PO-C001-1"), {"customer_po"}),  # already used by the seed's order
        (form(customer_po="x" * 65, quantities=["1" * 30, "2"]), {"customer_po", "quantity-0"}),
    ]
    for values, fields in cases:
        with pytest.raises(ValidationFailed) as caught:
            await rules.reorder(db, actor, source, values, today=today_local())
        assert set(caught.value.errors) == fields, values
    # A product no longer sold is named on its own line.
    await db.execute(update(Product).where(Product.id == module_seed.products[1]).values(active=False))
    with pytest.raises(ValidationFailed) as caught:
        await rules.reorder(db, actor, source, form(), today=today_local())
    assert set(caught.value.errors) == {"product-1"}
    assert await db.scalar(select(func.count()).select_from(SalesOrder)) == before
