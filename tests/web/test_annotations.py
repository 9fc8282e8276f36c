"""Photo files, the photo pages of both faces, annotating, replying, resolving, and their forbidden paths."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.annotations.models import Annotation, AnnotationReply
from domain.notifications.models import Notification
from tests.helpers import csrf_token
from tests.photo_factory import PhotoFixture, add_photo
from tests.seed import Seed
from tests.web.conftest import Identities, english_client, make_app, run_db


@pytest.fixture
def photo(database_url: str, seeded: Seed, tmp_path: Path) -> PhotoFixture:
    return run_db(database_url, lambda s: add_photo(s, seeded.orders["c001_in_production"], tmp_path))


@pytest.fixture
def web(database_url: str, photo: PhotoFixture, tmp_path: Path) -> Iterator[TestClient[Any]]:
    with english_client(make_app(database_url, upload_dir=tmp_path)) as client:
        yield client


def count(database_url: str, model: type, *where: Any) -> int:
    async def work(s: AsyncSession) -> int:
        return await s.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return run_db(database_url, work)


def photo_page(p: PhotoFixture) -> str:
    return f"/portal/orders/{p.order_no}/photos/{p.photo_id}"


def annotate(
    client: TestClient[Any], p: PhotoFixture, text: str = "毛刺", regions: Any = "10,10,20,20"
) -> Any:
    token = csrf_token(client, photo_page(p))
    data: dict[str, Any] = {"text": text, "regions": regions, "_csrf_token": token}
    return client.post(f"{photo_page(p)}/annotations", data=data, follow_redirects=False)


def post(client: TestClient[Any], path: str, data: dict[str, Any], token_from: str) -> Any:
    return client.post(
        path, data={**data, "_csrf_token": csrf_token(client, token_from)}, follow_redirects=False
    )


def test_photo_file_is_served_only_inside_the_viewers_scope(
    web: TestClient[Any], photo: PhotoFixture
) -> None:
    as_customer = Identities(web, "portal")
    response = web.get(f"/portal/photos/{photo.photo_id}/file", follow_redirects=False)
    assert response.status_code == 303
    assert "/portal/login" in response.headers["location"]

    as_customer("c001-buyer")
    response = web.get(f"/portal/photos/{photo.photo_id}/file")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"].startswith("private")
    assert response.content.startswith(b"\x89PNG")
    assert photo.storage_key not in web.get(photo_page(photo)).text  # the URL names the id, never the file

    thumb = web.get(f"/portal/photos/{photo.photo_id}/thumb")
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    assert thumb.headers["cache-control"].startswith("private")

    as_customer("c002-buyer")  # another company: as absent as a missing photo
    assert web.get(f"/portal/photos/{photo.photo_id}/file").status_code == 404
    assert web.get(f"/portal/photos/{photo.photo_id}/thumb").status_code == 404
    assert web.get(f"/portal/photos/{photo.photo_id + 1000}/file").status_code == 404
    assert web.get(photo_page(photo)).status_code == 404
    assert web.get(f"/portal/orders/{photo.order_no}/photos").status_code == 404

    staff = Identities(web, "staff")
    staff("warehouse")  # any signed-in staff sees process photos
    order_page = web.get(f"/backoffice/orders/{photo.order_no}").text
    assert f'hx-get="/backoffice/orders/{photo.order_no}/photos"' in order_page
    grid = web.get(f"/backoffice/orders/{photo.order_no}/photos", headers={"HX-Request": "true"}).text
    assert f'href="/backoffice/photos/{photo.photo_id}"' in grid
    assert "<html" not in grid
    assert web.get("/backoffice/orders/SO-0000-000000/photos").status_code == 404
    response = web.get(f"/backoffice/photos/{photo.photo_id}/file")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert web.get(f"/backoffice/photos/{photo.photo_id + 1000}/file").status_code == 404
    assert web.get(f"/backoffice/photos/{photo.photo_id}/thumb").status_code == 200


def test_a_photo_whose_file_is_gone_answers_404(
    web: TestClient[Any], photo: PhotoFixture, tmp_path: Path
) -> None:
    (tmp_path / photo.storage_key).unlink()
    Identities(web, "portal")("c001-buyer")
    assert web.get(f"/portal/photos/{photo.photo_id}/file").status_code == 404
    assert web.get(f"/portal/photos/{photo.photo_id}/thumb").status_code == 404


def test_order_page_lists_photos_per_stage(web: TestClient[Any], photo: PhotoFixture, seeded: Seed) -> None:
    Identities(web, "portal")("c001-buyer")
    order_page = web.get(f"/portal/orders/{photo.order_no}").text
    assert f'hx-get="/portal/orders/{photo.order_no}/photos"' in order_page
    fragment = web.get(f"/portal/orders/{photo.order_no}/photos", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert f'href="{photo_page(photo)}"' in fragment.text
    assert 'loading="lazy"' in fragment.text
    assert "Finishing" in fragment.text
    # a real photo put under another of the customer's orders' address is not found there
    other_order = seeded.orders["c001_submitted"]
    assert web.get(f"/portal/orders/{other_order}/photos/{photo.photo_id}").status_code == 404


def test_qc_engineer_annotates_and_the_team_lead_is_notified(
    web: TestClient[Any], photo: PhotoFixture, database_url: str
) -> None:
    as_customer = Identities(web, "portal")
    as_customer("c001-qe")
    page = web.get(photo_page(photo)).text
    assert "data-draw-surface" in page
    assert "/static/js/annotate.js" in page
    response = annotate(
        web, photo, text="<script>alert('x')</script> 毛刺", regions="10,10,20,20; 50,50,5.5,5"
    )
    assert response.status_code == 303, response.text[:500]
    assert count(database_url, Annotation) == 1
    page = web.get(photo_page(photo)).text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 毛刺" in page
    assert "<script>alert(" not in page
    assert page.count('class="anno-region anno-region--open"') == 2

    staff = Identities(web, "staff")
    staff("lead-cnc")
    badge = web.get("/backoffice/notifications/badge", headers={"HX-Request": "true"})
    assert 'data-unread="1"' in badge.text
    listing = web.get("/backoffice/notifications").text
    assert "marked 2 region(s)" in listing
    assert photo.order_no in listing
    assert "Finishing" in listing
    note_id = int(re.search(r'data-notification="(\d+)"', listing).group(1))  # type: ignore[union-attr]
    opened = post(web, f"/backoffice/notifications/{note_id}/open", {}, "/backoffice/notifications")
    assert opened.status_code == 303
    assert opened.headers["location"].startswith(f"/backoffice/photos/{photo.photo_id}#annotation-")
    assert 'data-unread="0"' in web.get("/backoffice/notifications/badge").text
    board = web.get(f"/backoffice/photos/{photo.photo_id}").text
    assert "&lt;script&gt;alert(" in board
    assert "<script>alert(" not in board
    assert "data-resolve" in board
    assert photo.order_no in web.get("/backoffice/annotations").text


def test_buyer_may_not_annotate(web: TestClient[Any], photo: PhotoFixture, database_url: str) -> None:
    Identities(web, "portal")("c001-buyer")
    assert "data-draw-surface" not in web.get(photo_page(photo)).text
    assert annotate(web, photo).status_code == 403
    assert count(database_url, Annotation) == 0


@pytest.mark.parametrize(
    ("regions", "message"),
    [
        ("95,0,10,10", "lies outside the photo"),
        ("-5,0,10,10", "lies outside the photo"),
        ("abc,1,2,3", "four numbers are needed"),
        ("1,2,3", "four numbers are needed"),
        ("", "Draw at least one region"),
        ("1,1,1,1;2,2,2,2;3,3,3,3;4,4,4,4;5,5,5,5;6,6,6,6", "At most 5 regions"),
        ("0,0,10,10' OR 1=1 --", "four numbers are needed"),
    ],
)
def test_bad_regions_are_refused_with_a_message_and_nothing_is_stored(
    web: TestClient[Any], photo: PhotoFixture, database_url: str, regions: str, message: str
) -> None:
    Identities(web, "portal")("c001-qe")
    response = annotate(web, photo, text="看这里", regions=regions)
    assert response.status_code == 422
    assert message in response.text
    assert "看这里" in response.text  # the comment is kept for the next try
    assert count(database_url, Annotation) == 0
    assert (
        count(database_url, Notification, Notification.kind.like("annotation%")) == 0
    )  # the seed's promise alerts are not ours


def test_empty_or_huge_comment_is_refused(
    web: TestClient[Any], photo: PhotoFixture, database_url: str
) -> None:
    Identities(web, "portal")("c001-qe")
    assert "Write a comment" in annotate(web, photo, text="   ").text
    assert "At most 2000 characters" in annotate(web, photo, text="x" * 5000).text
    assert count(database_url, Annotation) == 0


def _annotation_id(database_url: str) -> tuple[int, int]:
    async def work(s: AsyncSession) -> tuple[int, int]:
        row = (await s.execute(select(Annotation.id, Annotation.version))).one()
        return row[0], row[1]

    return run_db(database_url, work)


def test_thread_resolve_and_forbidden_paths(
    web: TestClient[Any], photo: PhotoFixture, database_url: str
) -> None:
    customers = Identities(web, "portal")
    customers("c001-qe")
    assert annotate(web, photo).status_code == 303
    annotation_id, version = _annotation_id(database_url)

    customers("c001-buyer")  # the buyer of the same company replies
    reply = post(web, f"/portal/annotations/{annotation_id}/replies", {"text": "请尽快"}, photo_page(photo))
    assert reply.status_code == 303
    empty = post(web, f"/portal/annotations/{annotation_id}/replies", {"text": " "}, photo_page(photo))
    assert empty.status_code == 422
    assert "Write a comment" in empty.text

    customers("c002-qe")  # another company: the annotation does not exist for it
    other = post(web, f"/portal/annotations/{annotation_id}/replies", {"text": "x"}, "/portal/orders")
    assert other.status_code == 404
    assert count(database_url, AnnotationReply) == 1

    staff = Identities(web, "staff")
    board = f"/backoffice/photos/{photo.photo_id}"
    staff("qc")  # staff reply, but only the team lead (or PMC/admin) resolves
    assert (
        post(web, f"/backoffice/annotations/{annotation_id}/replies", {"text": "收到"}, board).status_code
        == 303
    )
    assert "data-resolve" not in web.get(board).text
    forbidden = post(
        web, f"/backoffice/annotations/{annotation_id}/resolve", {"note": "ok", "version": version}, board
    )
    assert forbidden.status_code == 403

    staff("lead-cnc")
    stale = post(
        web, f"/backoffice/annotations/{annotation_id}/resolve", {"note": "ok", "version": version - 1}, board
    )
    assert stale.status_code == 409
    no_note = post(
        web, f"/backoffice/annotations/{annotation_id}/resolve", {"note": "", "version": version}, board
    )
    assert no_note.status_code == 422
    assert "Write a comment" in no_note.text
    missing = post(web, "/backoffice/annotations/999999/resolve", {"note": "x", "version": 1}, board)
    assert missing.status_code == 404
    done = post(
        web,
        f"/backoffice/annotations/{annotation_id}/resolve",
        {"note": "已去毛刺 <b>", "version": version},
        board,
    )
    assert done.status_code == 303
    page = web.get(board).text
    assert 'data-status="resolved"' in page
    assert "已去毛刺 &lt;b&gt;" in page
    again = post(
        web, f"/backoffice/annotations/{annotation_id}/resolve", {"note": "x", "version": version + 1}, board
    )
    assert again.status_code == 409

    customers("c001-qe")  # the author sees the resolution and got notifications (staff reply, resolved)
    assert "已去毛刺 &lt;b&gt;" in web.get(photo_page(photo)).text
    assert 'data-unread="2"' in web.get("/portal/notifications/badge").text


def test_notifications_are_private_and_mark_all_read(
    web: TestClient[Any], photo: PhotoFixture, database_url: str
) -> None:
    Identities(web, "portal")("c001-qe")
    assert annotate(web, photo).status_code == 303
    staff = Identities(web, "staff")
    staff("lead-cnc")
    listing = web.get("/backoffice/notifications").text
    note_id = int(re.search(r'data-notification="(\d+)"', listing).group(1))  # type: ignore[union-attr]
    staff("pmc")  # someone else's notification id: nothing marked, nowhere to go
    opened = post(web, f"/backoffice/notifications/{note_id}/open", {}, "/backoffice/notifications")
    assert opened.headers["location"] == "/backoffice/notifications"
    assert (
        count(
            database_url,
            Notification,
            Notification.kind.like("annotation%"),
            Notification.read_at.is_not(None),
        )
        == 0
    )
    staff("lead-cnc")
    assert post(web, "/backoffice/notifications/read-all", {}, "/backoffice/notifications").status_code == 303
    assert (
        count(
            database_url, Notification, Notification.kind.like("annotation%"), Notification.read_at.is_(None)
        )
        == 0
    )
    assert "notes__item--unread" not in web.get("/backoffice/notifications").text


def test_photo_pages_cost_the_same_sql_whatever_the_number_of_photos_and_threads(
    database_url: str, photo: PhotoFixture, tmp_path: Path
) -> None:
    from sqlalchemy import event

    app = make_app(database_url, upload_dir=tmp_path)
    engine = app.state["alchemy"].get_engine()
    statements: list[str] = []

    def count_statement(*args: Any) -> None:
        statements.append(args[2])

    def cost(client: TestClient[Any], path: str) -> int:
        statements.clear()
        event.listen(engine.sync_engine, "before_cursor_execute", count_statement)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(engine.sync_engine, "before_cursor_execute", count_statement)
        return len(statements)

    with english_client(app) as client:
        customers = Identities(client, "portal")
        customers("c001-qe")
        assert annotate(client, photo).status_code == 303
        list_path = f"/portal/orders/{photo.order_no}/photos"
        small = (cost(client, list_path), cost(client, photo_page(photo)))
        for _ in range(3):
            run_db(database_url, lambda s: add_photo(s, photo.order_no, tmp_path, stage=("车削", "Turning")))
        for i in range(3):
            assert annotate(client, photo, text=f"第 {i} 处").status_code == 303
        annotation_id, _version = _annotation_id_any(database_url)
        for text in ("一", "二"):
            post(client, f"/portal/annotations/{annotation_id}/replies", {"text": text}, photo_page(photo))
        large = (cost(client, list_path), cost(client, photo_page(photo)))
    assert min(small) > 0
    assert large == small, (small, large)


def _annotation_id_any(database_url: str) -> tuple[int, int]:
    async def work(s: AsyncSession) -> tuple[int, int]:
        row = (await s.execute(select(Annotation.id, Annotation.version).limit(1))).one()
        return row[0], row[1]

    return run_db(database_url, work)


def test_notification_list_pages_newest_first(web: TestClient[Any], database_url: str, seeded: Seed) -> None:
    from domain.notifications.services import notify_staff

    async def work(s: AsyncSession) -> None:
        # Start from an empty list: the seed's submitted orders already raised promise alerts for PMC.
        await s.execute(delete(Notification))
        for i in range(25):
            notify_staff(
                s,
                [seeded.staff["pmc"]],
                kind="test",
                message="Order %(order_no)s",
                params={"order_no": f"N{i:02d}"},
            )
            await s.flush()

    run_db(database_url, work)
    Identities(web, "staff")("pmc")
    first = web.get("/backoffice/notifications").text
    assert first.count("data-notification=") == 20
    assert first.index("N24") < first.index("N05")
    assert "N04" not in first
    second = web.get("/backoffice/notifications?page=2", headers={"HX-Request": "true"})
    assert "<html" not in second.text
    assert second.text.count("data-notification=") == 5
    assert "N00" in second.text


def test_w3c_annotation_page_export(web: TestClient[Any], photo: PhotoFixture, database_url: str) -> None:
    customers = Identities(web, "portal")
    customers("c001-qe")
    assert annotate(web, photo, text="导出 <i>").status_code == 303
    annotation_id, _ = _annotation_id(database_url)
    post(web, f"/portal/annotations/{annotation_id}/replies", {"text": "回复"}, photo_page(photo))
    response = web.get(f"/portal/photos/{photo.photo_id}/annotations.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert 'profile="http://www.w3.org/ns/anno.jsonld"' in response.headers["content-type"]
    page = response.json()
    assert page["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert page["type"] == "AnnotationPage"
    first, reply = page["items"]
    assert first["type"] == "Annotation"
    assert first["body"]["value"] == "导出 <i>"  # plain text, as given (JSON, not HTML)
    assert first["target"]["selector"]["value"] == "xywh=percent:10,10,20,20"
    assert reply["motivation"] == "replying"
    assert reply["target"] == first["id"]
    customers("c002-qe")
    assert web.get(f"/portal/photos/{photo.photo_id}/annotations.jsonld").status_code == 404
    Identities(web, "staff")("sales")
    staff_page = web.get(f"/backoffice/photos/{photo.photo_id}/annotations.jsonld").json()
    assert staff_page["items"] == page["items"]
