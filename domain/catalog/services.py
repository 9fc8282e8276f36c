from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.catalog.models import Product


async def active_products(session: AsyncSession) -> list[Product]:
    return list(
        (await session.scalars(select(Product).where(Product.active).order_by(Product.part_no))).all()
    )


async def products_by_id(session: AsyncSession, ids: set[int]) -> dict[int, Product]:
    if not ids:
        return {}
    rows = await session.scalars(select(Product).where(Product.id.in_(ids)))
    return {p.id: p for p in rows}
