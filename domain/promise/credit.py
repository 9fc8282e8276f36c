"""Credit check: what the customer owes (open receivables) plus what is ordered and not yet invoiced
(open orders) plus this order, against the customer's credit limit.

Amounts are gross (incl. tax): the invoices behind the receivables are gross, and so is what the
open orders will become.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orders.lifecycle import Status
from domain.orders.models import SalesOrder
from domain.parties.models import Customer
from domain.promise.models import Receivable

CENT = Decimal("0.01")

__all__ = ["OPEN_STATUSES", "CreditPosition", "CreditResult", "assess_credit", "load_credit_position"]

# Accepted or awaiting acceptance and not invoiced yet: from then on the amount is a receivable. A held
# order is still a commitment (it was held from one of these states).
OPEN_STATUSES: tuple[str, ...] = tuple(
    str(s)
    for s in (
        Status.SUBMITTED, Status.CONFIRMED, Status.IN_PRODUCTION, Status.QC, Status.READY_TO_SHIP,
        Status.PICKING, Status.SHIPPED, Status.DELIVERED, Status.ON_HOLD,
    )
)  # fmt: skip


@dataclass(frozen=True)
class CreditPosition:
    limit: Decimal
    receivables: Decimal
    open_orders: Decimal


@dataclass(frozen=True)
class CreditResult:
    limit: Decimal
    receivables: Decimal
    open_orders: Decimal
    this_order: Decimal

    @property
    def exposure(self) -> Decimal:
        return self.receivables + self.open_orders + self.this_order

    @property
    def headroom(self) -> Decimal:
        return self.limit - self.exposure

    @property
    def ok(self) -> bool:
        # Exactly at the limit is within it: the limit is the amount the customer may owe.
        return self.exposure <= self.limit

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "limit": str(self.limit),
            "receivables": str(self.receivables),
            "open_orders": str(self.open_orders),
            "this_order": str(self.this_order),
            "exposure": str(self.exposure),
            "headroom": str(self.headroom),
        }


def assess_credit(position: CreditPosition, this_order: Decimal) -> CreditResult:
    return CreditResult(position.limit, position.receivables, position.open_orders, this_order)


async def load_credit_position(
    session: AsyncSession, customer_id: int, *, exclude_order_id: int | None = None
) -> CreditPosition:
    """The customer's limit, open receivables and open order value, in one statement. ``exclude_order_id``
    leaves out the order being checked (it is already submitted when the check runs on submit)."""
    open_orders = select(func.coalesce(func.sum(SalesOrder.total_net + SalesOrder.total_tax), 0)).where(
        SalesOrder.customer_id == customer_id, SalesOrder.status.in_(OPEN_STATUSES)
    )
    if exclude_order_id is not None:
        open_orders = open_orders.where(SalesOrder.id != exclude_order_id)
    receivables = select(func.coalesce(func.sum(Receivable.amount_open), 0)).where(
        Receivable.customer_id == customer_id, Receivable.amount_open > 0
    )
    row = (
        await session.execute(
            select(
                Customer.credit_limit,
                receivables.scalar_subquery(),
                open_orders.scalar_subquery(),
            ).where(Customer.id == customer_id)
        )
    ).one()
    # SQLite sums NUMERIC as floating point: back to cents before anything is compared.
    return CreditPosition(*(Decimal(str(v or 0)).quantize(CENT) for v in row))
