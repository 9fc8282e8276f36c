"""Order numbers SO-YYYY-NNNNNN from a counter row, safe under concurrent writers on both databases."""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orders.models import NumberSequence


async def next_number(session: AsyncSession, name: str, period: int) -> int:
    # UPDATE … RETURNING takes the row lock (PostgreSQL) or the write lock (SQLite) before reading,
    # so two transactions can never read the same last_value.
    stmt = (
        update(NumberSequence)
        .where(NumberSequence.name == name, NumberSequence.period == period)
        .values(last_value=NumberSequence.last_value + 1)
        .returning(NumberSequence.last_value)
    )
    value = await session.scalar(stmt)
    if value is not None:
        return value
    try:
        async with session.begin_nested():
            await session.execute(insert(NumberSequence).values(name=name, period=period, last_value=1))
        return 1
    except IntegrityError:  # another transaction created the row first
        return await session.scalar(stmt)  # type: ignore[return-value]


async def next_order_no(session: AsyncSession, year: int) -> str:
    return f"SO-{year}-{await next_number(session, 'SO', year):06d}"


async def ensure_at_least(session: AsyncSession, name: str, period: int, value: int) -> None:
    """Used by bulk loaders that number rows themselves: keep the counter ahead of them."""
    current = await session.scalar(
        select(NumberSequence.last_value).where(NumberSequence.name == name, NumberSequence.period == period)
    )
    if current is None:
        await session.execute(insert(NumberSequence).values(name=name, period=period, last_value=value))
    elif current < value:
        await session.execute(
            update(NumberSequence)
            .where(NumberSequence.name == name, NumberSequence.period == period)
            .values(last_value=value)
        )
