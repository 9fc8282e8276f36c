"""A small factory for tests: two customers, every staff role, a handful of products and orders.

Built through the domain commands, so the data is what the app itself would have written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import today_local
from domain.catalog.models import Product
from domain.orders.drafts import LineDraft, OrderDraft
from domain.orders.services import create_order, transition_order
from domain.parties.auth import hash_password
from domain.parties.models import Customer, CustomerUser, StaffUser

PASSWORD = "orderpulse"
STAFF = {
    "admin": ["admin"],
    "sales": ["sales"],
    "salesmgr": ["sales_manager"],
    "cs": ["customer_service"],
    "pmc": ["pmc"],
    "warehouse": ["warehouse"],
    "qc": ["qc"],
    "logistics": ["logistics"],
    "billing": ["billing"],
    "aftersales": ["after_sales"],
}


@dataclass
class Seed:
    customers: dict[str, int] = field(default_factory=dict)
    products: list[int] = field(default_factory=list)
    staff: dict[str, int] = field(default_factory=dict)
    orders: dict[str, str] = field(default_factory=dict)  # label → order number


def staff_actor(username: str, roles: list[str], uid: int | None = None) -> Actor:
    return Actor(kind="staff", id=uid, name=username, roles=frozenset(roles))


async def seed(session: AsyncSession) -> Seed:
    s = Seed()
    password_hash = hash_password(PASSWORD)
    for code, name in (("C001", "宁波拓锐汽车部件有限公司"), ("C002", "苏州恒驰制动系统有限公司")):
        customer = Customer(code=code, name=name, credit_limit=Decimal("500000"), payment_terms_days=60,
                            contract_tax_rate=Decimal("0.13"))  # fmt: skip
        session.add(customer)
        await session.flush()
        s.customers[code] = customer.id
        for suffix, role in (("buyer", "buyer"), ("qe", "qc_engineer")):
            session.add(CustomerUser(customer_id=customer.id, username=f"{code.lower()}-{suffix}",
                                     display_name=f"{code} {role}", role=role, password_hash=password_hash))  # fmt: skip
    for username, roles in STAFF.items():
        user = StaffUser(username=username, display_name=username, roles=roles, password_hash=password_hash)
        session.add(user)
        await session.flush()
        s.staff[username] = user.id
    for i, (part, name, price) in enumerate(
        [("HR-BC-1001", "制动钳支架", "38.5000"), ("HR-SH-2002", "传动轴", "126.0000"),
         ("HR-BU-3003", "衬套", "4.2500"), ("HR-FL-4004", "法兰盘", "57.8000"), ("HR-PI-5005", "活塞", "22.1000")]
    ):  # fmt: skip
        product = Product(part_no=part, name=name, spec=f"规格 {i}", unit="件", unit_price=Decimal(price),
                          tax_rate=Decimal("0.13"))  # fmt: skip
        session.add(product)
        await session.flush()
        s.products.append(product.id)

    sales = staff_actor("sales", ["sales"], s.staff["sales"])
    when = today_local() + dt.timedelta(days=30)
    drafts = {
        "c001_submitted": OrderDraft(customer_id=s.customers["C001"], requested_date=when, customer_po="PO-C001-1",
                                     lines=[LineDraft(s.products[0], Decimal("100")), LineDraft(s.products[1], Decimal("20"))]),
        "c001_draft": OrderDraft(customer_id=s.customers["C001"], requested_date=when, customer_po="PO-C001-DRAFT",
                                 lines=[LineDraft(s.products[2], Decimal("500"))]),
        "c002_submitted": OrderDraft(customer_id=s.customers["C002"], requested_date=when, customer_po="PO-C002-1",
                                     lines=[LineDraft(s.products[3], Decimal("40"))]),
    }  # fmt: skip
    for label, draft in drafts.items():
        order = await create_order(session, draft, sales, submit=label.endswith("submitted"))
        s.orders[label] = order.order_no
    # One order further along, so the portal shows a real progress line.
    order = await create_order(
        session,
        OrderDraft(customer_id=s.customers["C001"], requested_date=when, customer_po="PO-C001-PROD",
                   lines=[LineDraft(s.products[4], Decimal("60"))]),
        sales,
        submit=True,
    )  # fmt: skip
    version = order.version
    for action, user in (("confirm", "salesmgr"), ("start_production", "pmc")):
        order = await transition_order(session, order_no=order.order_no, action=action, expected_version=version,
                                       actor=staff_actor(user, STAFF[user], s.staff[user]))  # fmt: skip
        version = order.version
    s.orders["c001_in_production"] = order.order_no
    return s
