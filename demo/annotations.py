"""Demo annotations: a customer QC engineer's points on a couple of process photos, a thread, one resolved.

Runs after the shop floor's demo has put photos on orders; with no photos it does nothing. Idempotent: a
database that already holds annotations is left alone.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.annotations.models import Annotation
from domain.annotations.services import (
    create_annotation,
    load_photo_context,
    reply_to_annotation,
    resolve_annotation,
)
from domain.notifications.services import staff_with_roles
from domain.parties.models import CustomerUser, StaffUser
from domain.parties.roles import CustomerRole, StaffRole
from domain.production.models import OperationPhoto

POINTS = [
    (
        "12,18,22,16",
        "端面这里有毛刺，发货前请去除并拍照确认。",
        "收到，今天安排返工去毛刺。",
        "已去毛刺，复检合格，见新照片。",
    ),
    ("55,40,20,25", "倒角尺寸看起来偏大，请按图纸 C0.5 复核。", "正在用投影仪复测，下午回复。", None),
]


async def load_demo_annotations(session: AsyncSession) -> int:
    """Add the demo annotations; returns how many were added (0 when skipped)."""
    if await session.scalar(select(func.count()).select_from(Annotation)):
        return 0
    photo_ids = list(
        (await session.scalars(select(OperationPhoto.id).order_by(OperationPhoto.id).limit(50))).all()
    )
    added = 0
    for photo_id in photo_ids:
        if added == len(POINTS):
            break
        ctx = await load_photo_context(session, photo_id)
        if not ctx.submitted:
            continue
        engineer = await session.scalar(
            select(CustomerUser).where(CustomerUser.customer_id == ctx.customer_id,
                                       CustomerUser.role == CustomerRole.QC_ENGINEER, CustomerUser.active)
        )  # fmt: skip
        lead_id = ctx.team_lead_id or next(iter(await staff_with_roles(session, [StaffRole.PMC])), None)
        lead = await session.get(StaffUser, lead_id) if lead_id else None
        if engineer is None or lead is None:
            continue
        customer = Actor(kind="customer", id=engineer.id, name=engineer.display_name,
                         roles=frozenset({engineer.role}), customer_id=engineer.customer_id)  # fmt: skip
        staff = Actor(kind="staff", id=lead.id, name=lead.display_name, roles=frozenset(lead.roles or ()))
        region, text, answer, resolution = POINTS[added]
        annotation = await create_annotation(session, photo_id=photo_id, text=text, regions=[region],
                                             language="zh-CN", actor=customer)  # fmt: skip
        await reply_to_annotation(
            session, annotation_id=annotation.id, text=answer, language="zh-CN", actor=staff
        )
        if resolution and (ctx.team_lead_id == lead.id or StaffRole.PMC in staff.roles):
            await resolve_annotation(session, annotation_id=annotation.id, note=resolution,
                                     expected_version=annotation.version, actor=staff)  # fmt: skip
        added += 1
    return added
