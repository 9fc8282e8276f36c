"""The demo annotations: skipped without photos, added once with them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.annotations import load_demo_annotations
from domain.annotations.models import Annotation, AnnotationReply
from tests.photo_factory import add_photo
from tests.seed import Seed


async def test_demo_annotations_need_photos_and_are_added_once(
    session: AsyncSession, seeded: Seed, tmp_path: Path
) -> None:
    assert await load_demo_annotations(session) == 0
    await add_photo(session, seeded.orders["c001_in_production"], tmp_path)
    await add_photo(session, seeded.orders["c002_submitted"], tmp_path, stage=("检验", "Inspection"))
    assert await load_demo_annotations(session) == 2
    assert await session.scalar(select(func.count()).select_from(AnnotationReply)) == 2
    statuses = sorted((await session.scalars(select(Annotation.status))).all())
    assert statuses == ["open", "resolved"]
    assert await load_demo_annotations(session) == 0
    assert await session.scalar(select(func.count()).select_from(Annotation)) == 2
