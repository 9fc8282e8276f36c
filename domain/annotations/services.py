"""Annotation commands: create (customer QC engineer), reply (same customer or staff), resolve (team lead,
PMC, admin). Each writes the order's timeline and an outbox event in the caller's transaction; a new
annotation also lands in the team lead's notification list. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.annotations import w3c
from domain.annotations.models import Annotation, AnnotationReply
from domain.annotations.permissions import may_annotate, may_reply, may_resolve
from domain.base import utcnow
from domain.errors import Forbidden, InvalidTransition, NotFound, StaleVersion
from domain.i18n import N_
from domain.notifications.services import notify_customers, notify_staff, staff_with_roles
from domain.orders.models import OrderEvent, SalesOrder
from domain.outbox.services import record_event
from domain.parties.roles import StaffRole
from domain.production.models import JobOperation, OperationPhoto, WorkCenter

__all__ = [
    "PhotoContext",
    "create_annotation",
    "load_photo_context",
    "reply_to_annotation",
    "resolve_annotation",
]

OPEN = "open"
RESOLVED = "resolved"

# Notification texts (message id + params, translated when shown).
MSG_NEW = N_("%(customer)s marked %(regions)s region(s) on a photo of %(order_no)s (%(stage)s): %(excerpt)s")
MSG_REPLY = N_("%(author)s replied on a photo annotation of %(order_no)s: %(excerpt)s")
MSG_RESOLVED = N_("%(author)s resolved your annotation on %(order_no)s: %(excerpt)s")


@dataclass(frozen=True)
class PhotoContext:
    """What the rules need to know about a photo: its order, customer, operation and who leads there."""

    photo_id: int
    order_id: int
    order_no: str
    order_version: int
    customer_id: int
    submitted: bool
    work_center_id: int
    team_lead_id: int | None
    stage_name_zh: str
    stage_name_en: str


async def load_photo_context(session: AsyncSession, photo_id: int) -> PhotoContext:
    row = (
        await session.execute(
            select(
                OperationPhoto.id, SalesOrder.id, SalesOrder.order_no, SalesOrder.version, SalesOrder.customer_id,
                SalesOrder.submitted_at, JobOperation.work_center_id, WorkCenter.team_lead_id,
                JobOperation.stage_name_zh, JobOperation.stage_name_en,
            )
            .join(JobOperation, JobOperation.id == OperationPhoto.operation_id)
            .join(WorkCenter, WorkCenter.id == JobOperation.work_center_id)
            .join(SalesOrder, SalesOrder.id == OperationPhoto.order_id)
            .where(OperationPhoto.id == photo_id)
        )
    ).one_or_none()  # fmt: skip
    if row is None:
        raise NotFound(f"photo {photo_id}")
    return PhotoContext(
        photo_id=row[0], order_id=row[1], order_no=row[2], order_version=row[3], customer_id=row[4],
        submitted=row[5] is not None, work_center_id=row[6], team_lead_id=row[7], stage_name_zh=row[8],
        stage_name_en=row[9],
    )  # fmt: skip


def _check_scope(actor: Actor, customer_id: int, submitted: bool = True) -> None:
    """A customer reaches only its own company's submitted orders: anything else does not exist for it."""
    if actor.kind == "customer" and (actor.customer_id != customer_id or not submitted):
        raise NotFound("annotation")


def _excerpt(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _timeline(session: AsyncSession, ctx_order_id: int, version: int, action: str, actor: Actor,
              comment: str, data: dict[str, object]) -> None:  # fmt: skip
    session.add(
        OrderEvent(
            order_id=ctx_order_id, kind="annotation", action=action, actor_kind=actor.kind, actor_id=actor.id,
            actor_name=actor.name, comment=comment, version=version, data=data,
        )
    )  # fmt: skip


async def _recipients_for(session: AsyncSession, team_lead_id: int | None) -> list[int]:
    """The team lead; a work center without one falls back to the PMC planners, so nothing goes unread."""
    if team_lead_id is not None:
        return [team_lead_id]
    return await staff_with_roles(session, [StaffRole.PMC])


async def create_annotation(
    session: AsyncSession,
    *,
    photo_id: int,
    text: str,
    regions: Sequence[str],
    language: str,
    actor: Actor,
) -> Annotation:
    """A customer QC engineer marks regions of a photo of one of their company's orders."""
    ctx = await load_photo_context(session, photo_id)
    _check_scope(actor, ctx.customer_id, ctx.submitted)
    if not may_annotate(actor) or actor.id is None:
        raise Forbidden("only a customer's QC engineer creates annotations")
    parsed = w3c.parse_regions(regions)
    body = w3c.clean_text(text)
    now = utcnow()
    document = w3c.annotation_document(
        annotation_id=w3c.new_id(), photo_id=photo_id, regions=parsed, text=body, language=language,
        creator_name=actor.name, created=now,
    )  # fmt: skip
    annotation = Annotation(
        photo_id=photo_id, order_id=ctx.order_id, customer_id=ctx.customer_id, work_center_id=ctx.work_center_id,
        created_by_id=actor.id, created_by_name=actor.name, text=body, region_count=len(parsed), document=document,
        status=OPEN,
    )  # fmt: skip
    session.add(annotation)
    await session.flush()
    data = {"annotation_id": annotation.id, "photo_id": photo_id, "regions": len(parsed)}
    _timeline(session, ctx.order_id, ctx.order_version, "annotate", actor, body, data)
    record_event(
        session, "annotation.created", aggregate_type="order", aggregate_id=ctx.order_no,
        payload={**data, "order_no": ctx.order_no, "annotation": document, "work_center_id": ctx.work_center_id},
    )  # fmt: skip
    notify_staff(
        session, await _recipients_for(session, ctx.team_lead_id), kind="annotation.created", message=MSG_NEW,
        params={"customer": actor.name, "regions": len(parsed), "order_no": ctx.order_no,
                "stage": ctx.stage_name_zh, "stage_en": ctx.stage_name_en, "excerpt": _excerpt(body)},
        link=f"/backoffice/photos/{photo_id}#annotation-{annotation.id}", order_id=ctx.order_id,
    )  # fmt: skip
    return annotation


async def _load(session: AsyncSession, annotation_id: int) -> tuple[Annotation, PhotoContext]:
    annotation = await session.get(Annotation, annotation_id)
    if annotation is None:
        raise NotFound(f"annotation {annotation_id}")
    return annotation, await load_photo_context(session, annotation.photo_id)


async def reply_to_annotation(
    session: AsyncSession, *, annotation_id: int, text: str, language: str, actor: Actor
) -> AnnotationReply:
    """A message in the thread. A customer's reply reaches the team lead; staff's reaches the author."""
    annotation, ctx = await _load(session, annotation_id)
    _check_scope(actor, annotation.customer_id, ctx.submitted)
    if not may_reply(actor):
        raise Forbidden("replies come from the customer's users or staff")
    body = w3c.clean_text(text)
    reply = AnnotationReply(
        annotation_id=annotation.id, author_kind=actor.kind, author_id=actor.id, author_name=actor.name, text=body,
        document=w3c.reply_document(annotation_iri=annotation.document["id"], text=body, language=language,
                                    creator_name=actor.name, created=utcnow()),
    )  # fmt: skip
    session.add(reply)
    await session.flush()
    data = {"annotation_id": annotation.id, "photo_id": annotation.photo_id, "reply_id": reply.id}
    _timeline(session, ctx.order_id, ctx.order_version, "annotation_reply", actor, body, data)
    record_event(
        session, "annotation.replied", aggregate_type="order", aggregate_id=ctx.order_no,
        payload={**data, "order_no": ctx.order_no, "reply": reply.document},
    )  # fmt: skip
    params = {"author": actor.name, "order_no": ctx.order_no, "excerpt": _excerpt(body)}
    if actor.kind == "customer":
        notify_staff(
            session, await _recipients_for(session, ctx.team_lead_id), kind="annotation.replied",
            message=MSG_REPLY, params=params, link=f"/backoffice/photos/{annotation.photo_id}#annotation-{annotation.id}",
            order_id=ctx.order_id,
        )  # fmt: skip
    else:
        notify_customers(
            session, [annotation.created_by_id], kind="annotation.replied", message=MSG_REPLY, params=params,
            link=f"/portal/orders/{ctx.order_no}/photos/{annotation.photo_id}#annotation-{annotation.id}",
            order_id=ctx.order_id,
        )  # fmt: skip
    return reply


async def resolve_annotation(
    session: AsyncSession, *, annotation_id: int, note: str, expected_version: int, actor: Actor
) -> Annotation:
    """The team lead (or PMC/admin) closes the point with a note saying what was done."""
    annotation, ctx = await _load(session, annotation_id)
    _check_scope(actor, annotation.customer_id, ctx.submitted)
    if not may_resolve(actor, ctx.team_lead_id):
        raise Forbidden("only the work center's team lead, PMC or admin resolves")
    if annotation.version != expected_version:
        raise StaleVersion(annotation.resolved_by_name or annotation.created_by_name, annotation.updated_at,
                           annotation.version)  # fmt: skip
    if annotation.status != OPEN:
        raise InvalidTransition("resolve", annotation.status)
    body = w3c.clean_text(note, field="note", limit=w3c.MAX_NOTE)
    annotation.status = RESOLVED
    annotation.resolution_note = body
    annotation.resolved_by_id = actor.id
    annotation.resolved_by_name = actor.name
    annotation.resolved_at = utcnow()
    await session.flush()  # the version bump: a concurrent resolve fails here (StaleDataError → 409)
    data = {"annotation_id": annotation.id, "photo_id": annotation.photo_id}
    _timeline(session, ctx.order_id, ctx.order_version, "annotation_resolve", actor, body, data)
    record_event(
        session, "annotation.resolved", aggregate_type="order", aggregate_id=ctx.order_no,
        payload={**data, "order_no": ctx.order_no, "note": body, "annotation": annotation.document["id"]},
    )  # fmt: skip
    notify_customers(
        session, [annotation.created_by_id], kind="annotation.resolved", message=MSG_RESOLVED,
        params={"author": actor.name, "order_no": ctx.order_no, "excerpt": _excerpt(body)},
        link=f"/portal/orders/{ctx.order_no}/photos/{annotation.photo_id}#annotation-{annotation.id}",
        order_id=ctx.order_id,
    )  # fmt: skip
    return annotation
