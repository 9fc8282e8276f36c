"""Change requests end to end in the domain: raise, route, approve/reject, apply, revisions, refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals.defaults import ensure_default_chains
from domain.base import today_local
from domain.changes.models import ChangeRequest, OrderRevision
from domain.changes.services import decide, request_change
from domain.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from domain.notifications.models import Notification
from domain.orders.models import OrderEvent, SalesOrder
from domain.outbox.models import OutboxMessage
from tests.seed import Seed
from tests.unit.changes.helpers import customer, raw, staff
from tests.unit.conftest import MODULE_LOOP, put_in_status

pytestmark = MODULE_LOOP


async def order_of(db: AsyncSession, order_no: str) -> SalesOrder:
    order = await db.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no))
    assert order is not None
    return order


async def count(db: AsyncSession, model: type) -> int:
    return await db.scalar(select(func.count()).select_from(model)) or 0


async def test_buyer_date_change_is_level_1_routed_to_pmc_and_applied(
    db: AsyncSession, module_seed: Seed
) -> None:
    await ensure_default_chains(db)
    order_no = module_seed.orders["c001_submitted"]
    order = await order_of(db, order_no)
    new_date = order.requested_date + dt.timedelta(days=7)
    buyer = await customer(db, "c001-buyer")
    cr = await request_change(db, order_no=order_no, raw=raw(new_date=new_date.isoformat()),
                              expected_version=order.version, actor=buyer)  # fmt: skip
    assert (cr.level, cr.status, cr.current_node) == ("L1", "pending", 0)
    assert cr.items == [
        {"kind": "date", "old": order.requested_date.isoformat(), "new": new_date.isoformat()}
    ]
    # the seed's parts have no bill of materials: said so, not guessed
    assert cr.impact["material"] == {"available": True, "items": [], "short": False, "no_bom": True}
    assert cr.impact["value"]["gross_delta"] == "0.00"
    # PMC heard about it.
    pmc = await staff(db, "pmc")
    assert await db.scalar(select(func.count()).where(Notification.staff_user_id == pmc.id,
                                                      Notification.kind == "change.awaiting_approval")) == 1  # fmt: skip
    cr = await decide(
        db, number=cr.number, decision="approve", comment="ok", expected_version=cr.version, actor=pmc
    )
    assert (cr.status, cr.from_revision, cr.to_revision) == ("approved", 1, 2)
    await db.refresh(order)
    assert order.requested_date == new_date
    revisions = list(await db.scalars(select(OrderRevision).where(OrderRevision.order_id == order.id)
                                      .order_by(OrderRevision.revision_no)))  # fmt: skip
    assert [r.revision_no for r in revisions] == [1, 2]
    assert revisions[1].snapshot["header"]["requested_date"] == new_date.isoformat()
    actions = list(
        await db.scalars(
            select(OrderEvent.action).where(OrderEvent.order_id == order.id, OrderEvent.kind == "change")
        )
    )
    assert actions == ["change_requested", "change_applied"]
    events = set(
        await db.scalars(
            select(OutboxMessage.event).where(OutboxMessage.aggregate_id.in_([order_no, cr.number]))
        )
    )
    assert {"change.requested", "change.approved", "order.changed"} <= events


async def test_quantity_change_is_level_2_and_needs_pmc_then_manager(
    db: AsyncSession, module_seed: Seed
) -> None:
    await ensure_default_chains(db)
    order_no = module_seed.orders["c001_submitted"]
    order = await order_of(db, order_no)
    sales = await staff(db, "sales")
    cr = await request_change(db, order_no=order_no, raw=raw(quantities={1: "150"}, remove={2}),
                              expected_version=order.version, actor=sales)  # fmt: skip
    assert cr.level == "L2"
    assert Decimal(cr.impact["value"]["gross_after"]) == Decimal("150") * Decimal("38.5") * Decimal("1.13")
    mgr, pmc = await staff(db, "salesmgr"), await staff(db, "pmc")
    with pytest.raises(Forbidden):  # not the manager's step yet
        await decide(
            db, number=cr.number, decision="approve", comment="", expected_version=cr.version, actor=mgr
        )
    cr = await decide(
        db, number=cr.number, decision="approve", comment="", expected_version=cr.version, actor=pmc
    )
    assert (cr.status, cr.current_node) == ("pending", 1)
    with pytest.raises(StaleVersion):  # a form loaded before PMC signed
        await decide(
            db, number=cr.number, decision="approve", comment="", expected_version=cr.version - 1, actor=mgr
        )
    cr = await decide(
        db, number=cr.number, decision="approve", comment="", expected_version=cr.version, actor=mgr
    )
    assert cr.status == "approved"
    await db.refresh(order, ["lines"])
    assert [(ln.line_no, ln.quantity) for ln in order.lines] == [(1, Decimal("150"))]
    assert order.line_count == 1
    assert order.total_net == Decimal("5775.00")


async def test_spec_change_is_level_3_with_countersign(db: AsyncSession, module_seed: Seed) -> None:
    await ensure_default_chains(db)
    order_no = module_seed.orders["c001_submitted"]
    order = await order_of(db, order_no)
    cr = await request_change(db, order_no=order_no, raw=raw(specs={1: "Rev C"}, reason="drawing_upgrade"),
                              expected_version=order.version, actor=await customer(db, "c001-buyer"))  # fmt: skip
    assert cr.level == "L3"
    qc, pmc, mgr = await staff(db, "qc"), await staff(db, "pmc"), await staff(db, "salesmgr")
    cr = await decide(
        db, number=cr.number, decision="approve", comment="", expected_version=cr.version, actor=qc
    )
    assert cr.current_node == 0  # countersign: PMC still has to sign
    cr = await decide(
        db, number=cr.number, decision="approve", comment="", expected_version=cr.version, actor=pmc
    )
    assert cr.current_node == 1
    cr = await decide(
        db, number=cr.number, decision="approve", comment="", expected_version=cr.version, actor=mgr
    )
    assert cr.status == "approved"


async def test_rejection_needs_a_reason_and_leaves_the_order_alone(
    db: AsyncSession, module_seed: Seed
) -> None:
    await ensure_default_chains(db)
    order_no = module_seed.orders["c001_submitted"]
    order = await order_of(db, order_no)
    before = (order.requested_date, order.version)
    cr = await request_change(db, order_no=order_no, raw=raw(new_date=(order.requested_date + dt.timedelta(days=3)).isoformat()),
                              expected_version=order.version, actor=await customer(db, "c001-buyer"))  # fmt: skip
    pmc = await staff(db, "pmc")
    with pytest.raises(ValidationFailed) as err:
        await decide(
            db, number=cr.number, decision="reject", comment=" ", expected_version=cr.version, actor=pmc
        )
    assert "comment" in err.value.errors
    cr = await decide(
        db,
        number=cr.number,
        decision="reject",
        comment="<b>no</b> capacity",
        expected_version=cr.version,
        actor=pmc,
    )
    assert cr.status == "rejected"
    await db.refresh(order)
    assert (order.requested_date, order.version) == before


async def test_own_request_cannot_be_approved_by_its_requester(db: AsyncSession, module_seed: Seed) -> None:
    await ensure_default_chains(db)
    order_no = module_seed.orders["c001_submitted"]
    order = await order_of(db, order_no)
    mgr = await staff(db, "salesmgr")
    cr = await request_change(
        db, order_no=order_no, raw=raw(quantities={1: "90"}), expected_version=order.version, actor=mgr
    )
    cr = await decide(
        db,
        number=cr.number,
        decision="approve",
        comment="",
        expected_version=cr.version,
        actor=await staff(db, "pmc"),
    )
    with pytest.raises(Forbidden):
        await decide(
            db, number=cr.number, decision="approve", comment="", expected_version=cr.version, actor=mgr
        )


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"quantities": {1: "0"}}, "qty-1"),
        ({"quantities": {1: "-5"}}, "qty-1"),
        ({"quantities": {1: "99999999999"}}, "qty-1"),
        ({"quantities": {1: "abc"}}, "qty-1"),
        ({"new_date": "2001-01-01"}, "new_date"),
        ({"new_date": "not a date"}, "new_date"),
        ({"add_product": "999999", "add_quantity": "5"}, "add_product"),
        ({"quantities": {9: "5"}}, "lines"),
        ({"remove": {1, 2}}, "lines"),
        ({}, "changes"),
        ({"new_date": "2099-01-01", "reason": "'; DROP TABLE sales_orders; --"}, "reason"),
        ({"quantities": {1: "5"}, "reason": "other", "reason_text": ""}, "reason_text"),
        ({"quantities": {1: "5"}, "scope": "everything"}, "scope"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_stored(
    db: AsyncSession, module_seed: Seed, kw: dict, field: str
) -> None:
    await ensure_default_chains(db)
    order_no = module_seed.orders["c001_submitted"]
    order = await order_of(db, order_no)
    before = await count(db, ChangeRequest)
    with pytest.raises(ValidationFailed) as err:
        await request_change(db, order_no=order_no, raw=raw(**kw), expected_version=order.version,
                             actor=await customer(db, "c001-buyer"))  # fmt: skip
    assert field in err.value.errors
    assert await count(db, ChangeRequest) == before


@pytest.mark.parametrize("status", ["shipped", "closed", "cancelled", "picking"])
async def test_shipped_closed_cancelled_orders_refuse_changes(
    db: AsyncSession, module_seed: Seed, status: str
) -> None:
    await ensure_default_chains(db)
    order_no = module_seed.orders["c001_submitted"]
    version = await put_in_status(db, order_no, status)
    with pytest.raises(ValidationFailed) as err:
        await request_change(db, order_no=order_no, raw=raw(quantities={1: "5"}), expected_version=version,
                             actor=await customer(db, "c001-buyer"))  # fmt: skip
    assert "order" in err.value.errors


async def test_scope_stale_version_role_and_one_open_request(db: AsyncSession, module_seed: Seed) -> None:
    await ensure_default_chains(db)
    buyer = await customer(db, "c001-buyer")
    other = module_seed.orders["c002_submitted"]
    with pytest.raises(NotFound):  # another customer's order
        await request_change(
            db, order_no=other, raw=raw(quantities={1: "5"}), expected_version=2, actor=buyer
        )
    order_no = module_seed.orders["c001_submitted"]
    order = await order_of(db, order_no)
    with pytest.raises(StaleVersion):  # staff moved the order since the form was loaded
        await request_change(
            db,
            order_no=order_no,
            raw=raw(quantities={1: "5"}),
            expected_version=order.version - 1,
            actor=buyer,
        )
    with pytest.raises(Forbidden):
        await request_change(db, order_no=order_no, raw=raw(quantities={1: "5"}), expected_version=order.version,
                             actor=await customer(db, "c001-qe"))  # fmt: skip
    with pytest.raises(Forbidden):
        await request_change(db, order_no=order_no, raw=raw(quantities={1: "5"}), expected_version=order.version,
                             actor=await staff(db, "warehouse"))  # fmt: skip
    await request_change(
        db, order_no=order_no, raw=raw(quantities={1: "5"}), expected_version=order.version, actor=buyer
    )
    with pytest.raises(ValidationFailed) as err:
        await request_change(
            db, order_no=order_no, raw=raw(quantities={1: "6"}), expected_version=order.version, actor=buyer
        )
    assert "order" in err.value.errors


async def test_add_line_and_packaging_then_second_revision(db: AsyncSession, module_seed: Seed) -> None:
    await ensure_default_chains(db)
    order_no = module_seed.orders["c001_submitted"]
    order = await order_of(db, order_no)
    buyer, pmc, mgr = await customer(db, "c001-buyer"), await staff(db, "pmc"), await staff(db, "salesmgr")
    cr = await request_change(db, order_no=order_no, raw=raw(add_product=str(module_seed.products[2]), add_quantity="40",
                                                             packaging={1: "木箱 wooden crate"}),
                              expected_version=order.version, actor=buyer)  # fmt: skip
    for who in (pmc, mgr):
        cr = await decide(
            db, number=cr.number, decision="approve", comment="", expected_version=cr.version, actor=who
        )
    assert (cr.from_revision, cr.to_revision) == (1, 2)
    await db.refresh(order)
    cr2 = await request_change(db, order_no=order_no, raw=raw(new_date=(today_local() + dt.timedelta(days=60)).isoformat()),
                               expected_version=order.version, actor=buyer)  # fmt: skip
    cr2 = await decide(
        db, number=cr2.number, decision="approve", comment="", expected_version=cr2.version, actor=pmc
    )
    assert (cr2.from_revision, cr2.to_revision) == (2, 3)
    snap = await db.scalar(
        select(OrderRevision.snapshot).where(
            OrderRevision.order_id == order.id, OrderRevision.revision_no == 2
        )
    )
    assert snap is not None
    assert [ln["part_no"] for ln in snap["lines"]] == ["HR-BC-1001", "HR-SH-2002", "HR-BU-3003"]
    assert snap["lines"][0]["packaging"] == "木箱 wooden crate"


async def test_a_quantity_change_shows_the_bom_delta_against_stock(
    db: AsyncSession, module_seed: Seed
) -> None:
    from domain.promise.models import BomItem, Material, MaterialReceipt

    await ensure_default_chains(db)
    order_no = module_seed.orders["c001_submitted"]  # line 1: 100 × product 0, line 2: 20 × product 1
    order = await order_of(db, order_no)
    steel = Material(
        code="ST-45", name="45# 圆钢", unit="kg", on_hand=Decimal("300"), allocated=Decimal("50")
    )
    db.add(steel)
    await db.flush()
    db.add_all([
        BomItem(product_id=module_seed.products[0], material_id=steel.id, quantity_per=Decimal("2")),
        BomItem(product_id=module_seed.products[1], material_id=steel.id, quantity_per=Decimal("1")),
        MaterialReceipt(material_id=steel.id, quantity=Decimal("100"), confirmed=True,
                        expected_date=order.requested_date + dt.timedelta(days=40)),
    ])  # fmt: skip
    await db.flush()
    buyer = await customer(db, "c001-buyer")
    # 100 → 160 on line 1: steel need 2×100 + 20 = 220 kg → 2×160 + 20 = 340 kg; free 250 kg by the
    # date, 220 of them already this order's, so 30 spare: 120 more needed, 90 short, and the receipt
    # of 100 kg (40 days after the requested date) brings supply to 350 ≥ 340.
    cr = await request_change(db, order_no=order_no, raw=raw(quantities={1: "160"}),
                              expected_version=order.version, actor=buyer)  # fmt: skip
    material = cr.impact["material"]
    assert material["short"] is True
    assert material["items"] == [{
        "code": "ST-45", "name": "45# 圆钢", "unit": "kg", "before": "220", "after": "340", "delta": "120",
        "short": "90", "covered_on": (order.requested_date + dt.timedelta(days=40)).isoformat(),
    }]  # fmt: skip
