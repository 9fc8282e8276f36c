"""Read side of orders: the lists and detail views both faces need, each in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from domain.errors import NotFound
from domain.orders.customer_view import STATUSES_OF_STAGE, Stage
from domain.orders.lifecycle import MAIN_PATH, Status
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.parties.models import Customer

# Counting every match of a broad filter over a million orders costs more than the page itself;
# past this many the list says "1000+" instead.
COUNT_CAP = 1000
MAX_PAGE = 10_000


@dataclass(frozen=True)
class OrderRow:
    order_no: str
    customer_po: str | None
    customer_code: str
    customer_name: str
    channel: str
    status: str
    order_date: dt.date
    requested_date: dt.date
    promised_date: dt.date | None
    total_net: Decimal
    total_tax: Decimal
    line_count: int

    @property
    def total_gross(self) -> Decimal:
        return self.total_net + self.total_tax


@dataclass(frozen=True)
class Page:
    rows: list[OrderRow]
    page: int
    per_page: int
    total: int
    total_capped: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total or (
            self.total_capped and len(self.rows) == self.per_page
        )

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.rows)


SORTS: dict[str, Any] = {
    "order_no": SalesOrder.order_no,
    # Entry order: walks the (customer_id, id) index, so a customer's newest orders need no sort.
    "newest": SalesOrder.id,
    "order_date": SalesOrder.order_date,
    "requested_date": SalesOrder.requested_date,
    "promised_date": SalesOrder.promised_date,
    "customer": Customer.code,
    # The lists show the amount including tax, so that is what "amount" sorts by.
    "total": SalesOrder.total_net + SalesOrder.total_tax,
    # Along the lifecycle, not alphabetically by code (which means nothing in Chinese).
    "status": case(
        {status.value: rank for rank, status in enumerate((*MAIN_PATH, Status.ON_HOLD, Status.CANCELLED))},
        value=SalesOrder.status,
        else_=99,
    ),
}
# Orders without a value (not yet promised) go last in both directions, on both databases
# (PostgreSQL puts NULLs last ascending but first descending; SQLite the other way round).
NULLABLE_SORTS = frozenset({"promised_date"})


@dataclass
class OrderFilter:
    q: str = ""
    status: str = ""
    customer_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "order_no"
    direction: str = "desc"
    page: int = 1
    per_page: int = 25

    def normalised(self) -> OrderFilter:
        self.q = self.q.strip()[:64]
        if self.sort not in SORTS:
            self.sort = "order_no"
        if self.direction not in ("asc", "desc"):
            self.direction = "desc"
        self.page = min(max(1, self.page), MAX_PAGE)
        self.per_page = min(max(5, self.per_page), 100)
        if self.status and self.status not in Status.__members__.values():
            self.status = ""
        return self


def _row_columns() -> Select[Any]:
    return select(
        SalesOrder.order_no, SalesOrder.customer_po, Customer.code, Customer.name, SalesOrder.channel,
        SalesOrder.status, SalesOrder.order_date, SalesOrder.requested_date, SalesOrder.promised_date,
        SalesOrder.total_net, SalesOrder.total_tax, SalesOrder.line_count,
    ).join(Customer, Customer.id == SalesOrder.customer_id)  # fmt: skip


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _ordered(stmt: Select[Any], f: OrderFilter) -> Select[Any]:
    column = SORTS[f.sort]
    order = column.asc() if f.direction == "asc" else column.desc()
    if f.sort in NULLABLE_SORTS:
        order = order.nulls_last()
    tiebreak = SalesOrder.id.asc() if f.direction == "asc" else SalesOrder.id.desc()
    return stmt.order_by(order, tiebreak)


async def _page(session: AsyncSession, stmt: Select[Any], f: OrderFilter) -> Page:
    rows = (
        await session.execute(_ordered(stmt, f).limit(f.per_page).offset((f.page - 1) * f.per_page))
    ).all()
    if f.page == 1 and len(rows) < f.per_page:
        total = len(rows)  # the first page is not full: it holds every match, no count needed
    else:
        capped = stmt.with_only_columns(SalesOrder.id).order_by(None).limit(COUNT_CAP + 1).subquery()
        total = await session.scalar(select(func.count()).select_from(capped)) or 0
    return Page(
        rows=[OrderRow(*r) for r in rows],
        page=f.page,
        per_page=f.per_page,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
    )


async def list_orders(session: AsyncSession, f: OrderFilter) -> Page:
    """The back office's order desk: every customer, with search, filters, sort and pages."""
    return await _page(session, await _desk_statement(session, f), f)


async def desk_rows_statement(session: AsyncSession, f: OrderFilter) -> Select[Any]:
    """The order desk's matches in the desk's sort order, unpaged (exports stream it)."""
    return _ordered(await _desk_statement(session, f), f)


async def _desk_statement(session: AsyncSession, f: OrderFilter) -> Select[Any]:
    f.normalised()
    stmt = _row_columns()
    if f.q:
        like = f"%{_escape_like(f.q)}%"
        # Customers are few: find the matching ones first and search orders by their ids. Kept out of
        # the order query as a subquery, an OR with it hides the number/PO terms from the planner,
        # which then walks every order instead of using the trigram indexes (migration 0003).
        customer_ids = list(
            (
                await session.scalars(
                    select(Customer.id).where(
                        or_(Customer.code.ilike(like, escape="\\"), Customer.name.ilike(like, escape="\\"))
                    )
                )
            ).all()
        )
        terms = [
            SalesOrder.order_no.ilike(like, escape="\\"),
            SalesOrder.customer_po.ilike(like, escape="\\"),
        ]
        if customer_ids:
            terms.append(SalesOrder.customer_id.in_(customer_ids))
        stmt = stmt.where(or_(*terms))
    if f.status:
        stmt = stmt.where(SalesOrder.status == f.status)
    if f.customer_id:
        stmt = stmt.where(SalesOrder.customer_id == f.customer_id)
    if f.date_from:
        stmt = stmt.where(SalesOrder.order_date >= f.date_from)
    if f.date_to:
        stmt = stmt.where(SalesOrder.order_date <= f.date_to)
    return stmt


# --- The customer's window. Every portal read starts from customer_scope(); nothing else reaches orders. ---


def customer_scope(customer_id: int) -> Select[Any]:
    return _row_columns().where(SalesOrder.customer_id == customer_id, SalesOrder.submitted_at.is_not(None))


async def list_customer_orders(
    session: AsyncSession,
    customer_id: int,
    *,
    stage: str = "",
    po: str = "",
    page: int = 1,
    per_page: int = 20,
) -> Page:
    f = OrderFilter(page=page, per_page=per_page, sort="newest", direction="desc").normalised()
    stmt = customer_scope(customer_id)
    if stage in Stage.__members__.values():
        stmt = stmt.where(SalesOrder.status.in_([str(s) for s in STATUSES_OF_STAGE[Stage(stage)]]))
    po = po.strip()[:64]
    if po:
        stmt = stmt.where(
            or_(
                SalesOrder.customer_po.ilike(f"%{_escape_like(po)}%", escape="\\"),
                SalesOrder.order_no.ilike(f"%{_escape_like(po)}%", escape="\\"),
            )
        )
    return await _page(session, stmt, f)


def _detail_options() -> list[Any]:
    return [
        joinedload(SalesOrder.customer),
        joinedload(SalesOrder.lines).joinedload(SalesOrderLine.product),
        selectinload(SalesOrder.events),
    ]


async def get_customer_order(session: AsyncSession, customer_id: int, order_no: str) -> SalesOrder:
    """One of this customer's orders; another customer's order is as absent as a missing one."""
    order = (
        (
            await session.scalars(
                select(SalesOrder)
                .options(*_detail_options())
                .where(
                    SalesOrder.order_no == order_no,
                    SalesOrder.customer_id == customer_id,
                    SalesOrder.submitted_at.is_not(None),
                )
            )
        )
        .unique()
        .one_or_none()
    )
    if order is None:
        raise NotFound(order_no)
    return order


async def get_order(session: AsyncSession, order_no: str) -> SalesOrder:
    order = (
        (
            await session.scalars(
                select(SalesOrder).options(*_detail_options()).where(SalesOrder.order_no == order_no)
            )
        )
        .unique()
        .one_or_none()
    )
    if order is None:
        raise NotFound(order_no)
    return order


async def customers_for_filter(session: AsyncSession) -> list[tuple[int, str, str]]:
    return [
        tuple(r)
        for r in (
            await session.execute(select(Customer.id, Customer.code, Customer.name).order_by(Customer.code))
        ).all()
    ]  # type: ignore[misc]
