"""Test set-up for photo annotation: a work center with a team lead, a job with one operation on an
order, and a real (tiny) photo in a PhotoStore. Written straight as rows: the shop-floor upload command
lives on another branch, and these tests are about what happens to a photo once it exists."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.parties.auth import hash_password
from domain.parties.models import StaffUser
from domain.production.models import Job, JobOperation, OperationPhoto, WorkCenter
from domain.production.photos import PhotoStore, clean_image
from tests.seed import PASSWORD


@dataclass
class PhotoFixture:
    photo_id: int
    order_id: int
    order_no: str
    work_center_id: int
    team_lead_id: int
    storage_key: str


def png_bytes(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


async def team_lead(session: AsyncSession, username: str = "lead-cnc") -> int:
    """A shop-floor team lead (a staff user without office roles; the work center names him)."""
    existing = await session.scalar(select(StaffUser.id).where(StaffUser.username == username))
    if existing:
        return existing
    user = StaffUser(username=username, display_name=f"{username} 班长", roles=[],
                     password_hash=hash_password(PASSWORD))  # fmt: skip
    session.add(user)
    await session.flush()
    return user.id


async def add_photo(
    session: AsyncSession,
    order_no: str,
    upload_dir: Path,
    *,
    lead_username: str = "lead-cnc",
    wc_code: str = "CNC-T",
    stage: tuple[str, str] = ("精加工", "Finishing"),
) -> PhotoFixture:
    lead_id = await team_lead(session, lead_username)
    wc = await session.scalar(select(WorkCenter).where(WorkCenter.code == wc_code))
    if wc is None:
        wc = WorkCenter(code=wc_code, name=f"{wc_code} 车间", team_lead_id=lead_id, machines=1)
        session.add(wc)
        await session.flush()
    order = await session.scalar(select(SalesOrder).where(SalesOrder.order_no == order_no))
    assert order is not None
    line = await session.scalar(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id).limit(1))
    assert line is not None
    job = await session.scalar(select(Job).where(Job.order_line_id == line.id))
    if job is None:
        job = Job(order_id=order.id, order_line_id=line.id, product_id=line.product_id, quantity=line.quantity,
                  release_at=utcnow())  # fmt: skip
        session.add(job)
        await session.flush()
    seq = 10 * (
        1 + len((await session.scalars(select(JobOperation.id).where(JobOperation.job_id == job.id))).all())
    )
    op = JobOperation(job_id=job.id, order_id=order.id, seq=seq, work_center_id=wc.id, stage_name_zh=stage[0],
                      stage_name_en=stage[1], is_key=True, quantity=line.quantity, quantity_done=Decimal(0))  # fmt: skip
    session.add(op)
    await session.flush()
    image = clean_image(png_bytes())
    key = PhotoStore(upload_dir).put(image)
    photo = OperationPhoto(operation_id=op.id, order_id=order.id, storage_key=key, content_type=image.content_type,
                           width=image.width, height=image.height, size_bytes=len(image.data), caption="端面",
                           uploaded_by_name="lead")  # fmt: skip
    session.add(photo)
    await session.flush()
    return PhotoFixture(photo.id, order.id, order_no, wc.id, lead_id, key)
