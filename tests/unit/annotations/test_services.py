"""The annotation commands: scope, roles, the timeline, the outbox, the team lead's notification."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.annotations.models import Annotation, AnnotationReply
from domain.annotations.queries import open_for_staff
from domain.annotations.services import create_annotation, reply_to_annotation, resolve_annotation
from domain.errors import Forbidden, InvalidTransition, NotFound, StaleVersion, ValidationFailed
from domain.notifications.models import Notification
from domain.orders.models import OrderEvent
from domain.outbox.models import OutboxMessage
from domain.parties.models import CustomerUser
from tests.photo_factory import PhotoFixture, add_photo
from tests.seed import Seed


async def customer_actor(session: AsyncSession, username: str) -> Actor:
    user = await session.scalar(select(CustomerUser).where(CustomerUser.username == username))
    assert user is not None
    return Actor(kind="customer", id=user.id, name=user.display_name, roles=frozenset({user.role}),
                 customer_id=user.customer_id)  # fmt: skip


def staff(uid: int, *roles: str) -> Actor:
    return Actor(kind="staff", id=uid, name=f"staff {uid}", roles=frozenset(roles))


@pytest.fixture
async def photo(session: AsyncSession, seeded: Seed, tmp_path: Path) -> PhotoFixture:
    return await add_photo(session, seeded.orders["c001_in_production"], tmp_path)


async def _count(session: AsyncSession, model: type, *where: object) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def test_qc_engineer_annotates_and_the_team_lead_is_told(
    session: AsyncSession, photo: PhotoFixture
) -> None:
    qe = await customer_actor(session, "c001-qe")
    a = await create_annotation(session, photo_id=photo.photo_id, text="毛刺 <script>", regions=["10,10,20,20"],
                                language="zh", actor=qe)  # fmt: skip
    assert a.status == "open"
    assert a.customer_id == qe.customer_id
    assert a.work_center_id == photo.work_center_id
    assert a.document["body"]["value"] == "毛刺 <script>"
    event = await session.scalar(select(OrderEvent).where(OrderEvent.order_id == photo.order_id,
                                                          OrderEvent.kind == "annotation"))  # fmt: skip
    assert event is not None
    assert event.action == "annotate"
    assert event.data["annotation_id"] == a.id
    out = await session.scalar(select(OutboxMessage).where(OutboxMessage.event == "annotation.created"))
    assert out is not None
    assert out.aggregate_id == photo.order_no
    assert out.payload["annotation"] == a.document
    note = await session.scalar(select(Notification).where(Notification.kind == "annotation.created"))
    assert note is not None
    assert note.staff_user_id == photo.team_lead_id
    assert note.link == f"/backoffice/photos/{photo.photo_id}#annotation-{a.id}"
    assert note.params["order_no"] == photo.order_no
    listed = await open_for_staff(session, staff(photo.team_lead_id))
    assert [row.id for row in listed] == [a.id]
    assert await open_for_staff(session, staff(999_999)) == []


async def test_buyer_and_staff_do_not_create(
    session: AsyncSession, photo: PhotoFixture, seeded: Seed
) -> None:
    buyer = await customer_actor(session, "c001-buyer")
    with pytest.raises(Forbidden):
        await create_annotation(session, photo_id=photo.photo_id, text="x", regions=["0,0,1,1"], language="zh",
                                actor=buyer)  # fmt: skip
    with pytest.raises(Forbidden):
        await create_annotation(session, photo_id=photo.photo_id, text="x", regions=["0,0,1,1"], language="zh",
                                actor=staff(seeded.staff["qc"], "qc"))  # fmt: skip
    assert await _count(session, Annotation) == 0


async def test_another_customer_does_not_find_the_photo(session: AsyncSession, photo: PhotoFixture) -> None:
    other = await customer_actor(session, "c002-qe")
    with pytest.raises(NotFound):
        await create_annotation(session, photo_id=photo.photo_id, text="x", regions=["0,0,1,1"], language="zh",
                                actor=other)  # fmt: skip
    with pytest.raises(NotFound):
        await create_annotation(session, photo_id=photo.photo_id + 999, text="x", regions=["0,0,1,1"],
                                language="zh", actor=other)  # fmt: skip


async def test_bad_regions_store_nothing(session: AsyncSession, photo: PhotoFixture) -> None:
    qe = await customer_actor(session, "c001-qe")
    with pytest.raises(ValidationFailed):
        await create_annotation(session, photo_id=photo.photo_id, text="x", regions=["90,0,20,5"], language="zh",
                                actor=qe)  # fmt: skip
    assert await _count(session, Annotation) == 0
    assert await _count(session, OrderEvent, OrderEvent.kind == "annotation") == 0
    assert await _count(session, Notification, Notification.kind.like("annotation%")) == 0


async def test_thread_and_resolution(session: AsyncSession, photo: PhotoFixture, seeded: Seed) -> None:
    qe, buyer = await customer_actor(session, "c001-qe"), await customer_actor(session, "c001-buyer")
    a = await create_annotation(session, photo_id=photo.photo_id, text="划痕", regions=["1,1,5,5", "50,50,10,10"],
                                language="zh", actor=qe)  # fmt: skip
    await reply_to_annotation(session, annotation_id=a.id, text="何时返工？", language="zh", actor=buyer)
    lead = staff(photo.team_lead_id)
    await reply_to_annotation(session, annotation_id=a.id, text="今天", language="zh", actor=lead)
    assert await _count(session, AnnotationReply, AnnotationReply.annotation_id == a.id) == 2
    # the staff reply reaches the annotation's author in the portal
    assert await _count(session, Notification, Notification.customer_user_id == qe.id) == 1
    other = await customer_actor(session, "c002-buyer")
    with pytest.raises(NotFound):
        await reply_to_annotation(session, annotation_id=a.id, text="x", language="zh", actor=other)

    with pytest.raises(Forbidden):  # a staff member who does not lead this work center
        await resolve_annotation(session, annotation_id=a.id, note="ok", expected_version=a.version,
                                 actor=staff(seeded.staff["qc"], "qc"))  # fmt: skip
    with pytest.raises(Forbidden):
        await resolve_annotation(session, annotation_id=a.id, note="ok", expected_version=a.version, actor=qe)
    with pytest.raises(StaleVersion):
        await resolve_annotation(
            session, annotation_id=a.id, note="ok", expected_version=a.version - 1, actor=lead
        )
    with pytest.raises(ValidationFailed):
        await resolve_annotation(
            session, annotation_id=a.id, note="  ", expected_version=a.version, actor=lead
        )
    version = a.version
    done = await resolve_annotation(
        session, annotation_id=a.id, note="已去毛刺", expected_version=version, actor=lead
    )
    assert done.status == "resolved"
    assert done.resolved_by_id == lead.id
    assert done.resolution_note == "已去毛刺"
    assert done.version == version + 1
    with pytest.raises(InvalidTransition):
        await resolve_annotation(session, annotation_id=a.id, note="again", expected_version=done.version,
                                 actor=staff(seeded.staff["pmc"], "pmc"))  # fmt: skip
    events = (
        await session.scalars(select(OutboxMessage.event).where(OutboxMessage.event.like("annotation.%")))
    ).all()
    assert sorted(events) == [
        "annotation.created",
        "annotation.replied",
        "annotation.replied",
        "annotation.resolved",
    ]
    actions = (await session.scalars(select(OrderEvent.action).where(OrderEvent.kind == "annotation"))).all()
    assert sorted(actions) == ["annotate", "annotation_reply", "annotation_reply", "annotation_resolve"]
    assert await open_for_staff(session, lead) == []
