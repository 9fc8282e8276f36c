"""Read side: photos (scoped for customers through the orders' customer scope), their annotations with
threads, and the open points on a team lead's work centers. Each read is a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.actors import Actor
from domain.annotations.models import Annotation
from domain.annotations.permissions import RESOLVER_ROLES
from domain.annotations.w3c import Region, regions_of
from domain.errors import NotFound
from domain.orders.models import SalesOrder
from domain.orders.queries import customer_scope
from domain.parties.models import Customer
from domain.production.models import JobOperation, OperationPhoto, WorkCenter

OPEN_LIST_LIMIT = 200


@dataclass(frozen=True)
class PhotoView:
    id: int
    order_id: int
    order_no: str
    customer_po: str | None
    stage_name_zh: str
    stage_name_en: str
    seq: int
    caption: str
    width: int
    height: int
    content_type: str
    storage_key: str
    uploaded_at: dt.datetime
    uploaded_by_name: str
    work_center_name: str
    team_lead_id: int | None
    open_count: int = 0


def _photo_columns() -> Select[Any]:
    return (
        select(
            OperationPhoto.id, OperationPhoto.order_id, SalesOrder.order_no, SalesOrder.customer_po,
            JobOperation.stage_name_zh, JobOperation.stage_name_en, JobOperation.seq, OperationPhoto.caption,
            OperationPhoto.width, OperationPhoto.height, OperationPhoto.content_type, OperationPhoto.storage_key,
            OperationPhoto.created_at, OperationPhoto.uploaded_by_name, WorkCenter.name, WorkCenter.team_lead_id,
        )
        .join(JobOperation, JobOperation.id == OperationPhoto.operation_id)
        .join(WorkCenter, WorkCenter.id == JobOperation.work_center_id)
        .join(SalesOrder, SalesOrder.id == OperationPhoto.order_id)
    )  # fmt: skip


def _scoped(stmt: Select[Any], customer_id: int | None) -> Select[Any]:
    """For a customer, only photos of orders inside its scope (the one way the portal reaches orders)."""
    if customer_id is None:
        return stmt
    own_orders = customer_scope(customer_id).with_only_columns(SalesOrder.id).order_by(None)
    return stmt.where(OperationPhoto.order_id.in_(own_orders))


async def get_photo(session: AsyncSession, photo_id: int, *, customer_id: int | None = None) -> PhotoView:
    """One photo; ``customer_id`` set means the portal is asking, and another customer's photo is NotFound."""
    row = (
        await session.execute(_scoped(_photo_columns().where(OperationPhoto.id == photo_id), customer_id))
    ).first()
    if row is None:
        raise NotFound(f"photo {photo_id}")
    return PhotoView(*row)


async def stored_file(
    session: AsyncSession, photo_id: int, *, customer_id: int | None = None
) -> tuple[str, str]:
    """(storage key, content type) of a photo the viewer may see: one query for the file route."""
    stmt = select(OperationPhoto.storage_key, OperationPhoto.content_type).where(
        OperationPhoto.id == photo_id
    )
    row = (await session.execute(_scoped(stmt, customer_id))).first()
    if row is None:
        raise NotFound(f"photo {photo_id}")
    return row[0], row[1]


async def order_id_of(session: AsyncSession, order_no: str) -> int:
    """Staff see every order: its id by number, or NotFound."""
    order_id = await session.scalar(select(SalesOrder.id).where(SalesOrder.order_no == order_no))
    if order_id is None:
        raise NotFound(order_no)
    return order_id


async def photos_of_order(session: AsyncSession, order_id: int) -> list[PhotoView]:
    """Every photo of an order in process order (operation sequence), each with its open annotations
    counted: two queries whatever the number of photos. The caller has already scoped the order."""
    open_counts = dict(
        (
            await session.execute(
                select(Annotation.photo_id, func.count())
                .where(Annotation.order_id == order_id, Annotation.status == "open")
                .group_by(Annotation.photo_id)
            )
        ).all()
    )
    rows = (
        await session.execute(
            _photo_columns()
            .where(OperationPhoto.order_id == order_id)
            .order_by(JobOperation.job_id, JobOperation.seq, OperationPhoto.id)
        )
    ).all()
    return [PhotoView(*row, open_count=open_counts.get(row[0], 0)) for row in rows]


@dataclass(frozen=True)
class StagePhotos:
    stage_name_zh: str
    stage_name_en: str
    photos: list[PhotoView]


def group_by_stage(photos: list[PhotoView]) -> list[StagePhotos]:
    """Consecutive photos of the same stage together (lines share stage names: 车削 on two lines is one
    group when they follow each other in process order)."""
    groups: list[StagePhotos] = []
    for p in photos:
        if (
            groups
            and groups[-1].stage_name_zh == p.stage_name_zh
            and groups[-1].stage_name_en == p.stage_name_en
        ):
            groups[-1].photos.append(p)
        else:
            groups.append(StagePhotos(p.stage_name_zh, p.stage_name_en, [p]))
    return groups


async def annotations_of_photo(session: AsyncSession, photo_id: int) -> list[Annotation]:
    """Oldest first (their numbers on the photo follow), each with its thread: two queries."""
    return list(
        (
            await session.scalars(
                select(Annotation)
                .options(selectinload(Annotation.replies))
                .where(Annotation.photo_id == photo_id)
                .order_by(Annotation.id)
            )
        ).all()
    )


@dataclass(frozen=True)
class OpenRow:
    id: int
    photo_id: int
    order_no: str
    customer_name: str
    stage_name_zh: str
    stage_name_en: str
    work_center_name: str
    created_by_name: str
    created_at: dt.datetime
    text: str
    region_count: int


async def open_for_staff(session: AsyncSession, actor: Actor) -> list[OpenRow]:
    """Open annotations on the work centers the actor leads, newest first; PMC and admin see all of them."""
    stmt = (
        select(
            Annotation.id, Annotation.photo_id, SalesOrder.order_no, Customer.name, JobOperation.stage_name_zh,
            JobOperation.stage_name_en, WorkCenter.name, Annotation.created_by_name, Annotation.created_at,
            Annotation.text, Annotation.region_count,
        )
        .join(OperationPhoto, OperationPhoto.id == Annotation.photo_id)
        .join(JobOperation, JobOperation.id == OperationPhoto.operation_id)
        .join(WorkCenter, WorkCenter.id == Annotation.work_center_id)
        .join(SalesOrder, SalesOrder.id == Annotation.order_id)
        .join(Customer, Customer.id == Annotation.customer_id)
        .where(Annotation.status == "open")
        .order_by(Annotation.id.desc())
        .limit(OPEN_LIST_LIMIT)
    )  # fmt: skip
    if not RESOLVER_ROLES & actor.roles:
        led = select(WorkCenter.id).where(WorkCenter.team_lead_id == actor.id)
        stmt = stmt.where(Annotation.work_center_id.in_(led))
    return [OpenRow(*row) for row in (await session.execute(stmt)).all()]


@dataclass(frozen=True)
class AnnotationView:
    """An annotation as the photo page draws it: its number on the photo and its regions."""

    number: int
    annotation: Annotation
    regions: list[Region]


def numbered(annotations: list[Annotation]) -> list[AnnotationView]:
    return [AnnotationView(n, a, regions_of(a.document)) for n, a in enumerate(annotations, start=1)]


async def photo_of_annotation(
    session: AsyncSession, annotation_id: int, *, customer_id: int | None = None
) -> int:
    """The photo an annotation sits on; another customer's annotation is NotFound."""
    stmt = select(Annotation.photo_id).where(Annotation.id == annotation_id)
    if customer_id is not None:
        own_orders = customer_scope(customer_id).with_only_columns(SalesOrder.id).order_by(None)
        stmt = stmt.where(Annotation.customer_id == customer_id, Annotation.order_id.in_(own_orders))
    photo_id = await session.scalar(stmt)
    if photo_id is None:
        raise NotFound(f"annotation {annotation_id}")
    return photo_id


def documents_of(annotations: list[Annotation]) -> list[dict[str, Any]]:
    """Each annotation's W3C document followed by its replies' (the replies target the annotation)."""
    return [doc for a in annotations for doc in (a.document, *(r.document for r in a.replies))]
