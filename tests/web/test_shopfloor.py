"""Shop-floor routes: queues, the operation card and its commands, photo upload, the order's production
section; the forbidden paths (not a team lead → 403, unknown → 404, stale form → 409, bad upload → 422
and nothing stored)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.orders.models import SalesOrder
from domain.production.jobs import plan_jobs
from domain.production.models import JobOperation, OperationPhoto
from tests.floor import Floor, build_floor
from tests.helpers import csrf_token, sign_in_staff
from tests.seed import Seed
from tests.web.conftest import english_client, make_app, run_db

PMC = Actor(kind="staff", id=None, name="pmc", roles=frozenset({"pmc"}))


@pytest.fixture
def floor(database_url: str, seeded: Seed) -> Floor:
    """The test floor, and order c002_submitted confirmed and planned (40 × products[3]: LATHE, then INSP)."""

    async def work(s: AsyncSession) -> Floor:
        floor = await build_floor(s, seeded)
        order = await s.scalar(
            select(SalesOrder).where(SalesOrder.order_no == seeded.orders["c002_submitted"])
        )
        assert order is not None
        order.status = "confirmed"
        await s.flush()
        await plan_jobs(s, order, PMC)
        return floor

    return run_db(database_url, work)


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def client(database_url: str, floor: Floor, uploads: Path) -> Any:
    app: Litestar = make_app(database_url, upload_dir=uploads)
    with english_client(app) as c:
        yield c


def ops(database_url: str, seed: Seed) -> list[JobOperation]:
    async def work(s: AsyncSession) -> list[JobOperation]:
        order_id = (
            select(SalesOrder.id)
            .where(SalesOrder.order_no == seed.orders["c002_submitted"])
            .scalar_subquery()
        )
        return list(
            await s.scalars(
                select(JobOperation).where(JobOperation.order_id == order_id).order_by(JobOperation.seq)
            )
        )

    return run_db(database_url, work)


def photo_count(database_url: str) -> int:
    async def work(s: AsyncSession) -> int:
        return await s.scalar(select(func.count()).select_from(OperationPhoto)) or 0

    return run_db(database_url, work)


def post(client: TestClient[Any], path: str, data: dict[str, Any], **kw: Any) -> Any:
    token = csrf_token(client, "/backoffice/shopfloor/operations/" + path.split("/")[4])
    return client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False, **kw)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(out, "PNG")
    return out.getvalue()


def test_a_team_lead_sees_their_work_center_and_its_queue(client: TestClient[Any], floor: Floor, seeded: Seed,
                                                          database_url: str) -> None:  # fmt: skip
    sign_in_staff(client, "lead")
    index = client.get("/backoffice/shopfloor")
    assert index.status_code == 200
    assert f"/backoffice/shopfloor/work-centers/{floor.lathe}" in index.text
    assert f"/backoffice/shopfloor/work-centers/{floor.insp}" not in index.text  # not their work center
    queue = client.get(f"/backoffice/shopfloor/work-centers/{floor.lathe}")
    turn = ops(database_url, seeded)[0]
    assert queue.status_code == 200
    assert f"/backoffice/shopfloor/operations/{turn.id}" in queue.text
    assert client.get(f"/backoffice/shopfloor/work-centers/{floor.insp}").status_code == 403
    card = client.get(f"/backoffice/shopfloor/operations/{turn.id}")
    assert card.status_code == 200
    assert "Turning" in card.text
    assert seeded.orders["c002_submitted"] in card.text


def test_pmc_sees_every_work_center(client: TestClient[Any], floor: Floor) -> None:
    sign_in_staff(client, "pmc")
    index = client.get("/backoffice/shopfloor")
    assert f"/work-centers/{floor.lathe}" in index.text
    assert f"/work-centers/{floor.insp}" in index.text


def test_a_sales_user_who_leads_nothing_is_forbidden(client: TestClient[Any], floor: Floor, seeded: Seed,
                                                     database_url: str) -> None:  # fmt: skip
    turn = ops(database_url, seeded)[0]
    sign_in_staff(client, "sales")
    assert client.get("/backoffice/shopfloor").status_code == 403
    assert client.get(f"/backoffice/shopfloor/work-centers/{floor.lathe}").status_code == 403
    assert client.get(f"/backoffice/shopfloor/operations/{turn.id}").status_code == 403
    token = csrf_token(client, "/backoffice/orders")
    response = client.post(f"/backoffice/shopfloor/operations/{turn.id}/start",
                           data={"version": turn.version, "_csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert response.status_code == 403
    assert ops(database_url, seeded)[0].status == "pending"


def test_unknown_operation_is_404(client: TestClient[Any], floor: Floor) -> None:
    sign_in_staff(client, "pmc")
    assert client.get("/backoffice/shopfloor/operations/999999").status_code == 404
    assert client.get("/backoffice/shopfloor/work-centers/999999").status_code == 404
    assert client.get("/backoffice/shopfloor/orders/SO-NOPE/production").status_code == 404
    token = csrf_token(client, "/backoffice/orders")
    response = client.post(
        "/backoffice/shopfloor/operations/999999/start", data={"version": 1, "_csrf_token": token}
    )
    assert response.status_code == 404


def test_start_then_a_stale_form_gets_409_with_the_current_state(client: TestClient[Any], floor: Floor,
                                                                 seeded: Seed, database_url: str) -> None:  # fmt: skip
    turn = ops(database_url, seeded)[0]
    sign_in_staff(client, "lead")
    path = f"/backoffice/shopfloor/operations/{turn.id}"
    response = post(client, f"{path}/start", {"version": turn.version, "note": "开机"})
    assert response.status_code == 303
    assert response.headers["location"] == path
    now = ops(database_url, seeded)[0]
    assert now.status == "running"
    assert now.version == turn.version + 1
    order = run_db(database_url, lambda s: s.scalar(select(SalesOrder.status).where(
        SalesOrder.order_no == seeded.orders["c002_submitted"])))  # fmt: skip
    assert order == "in_production"
    stale = post(
        client,
        f"{path}/report",
        {"version": turn.version, "quantity_done": "5"},
        headers={"HX-Request": "true"},
    )
    assert stale.status_code == 409
    assert 'data-op-status="running"' in stale.text
    assert "data-notice" in stale.text
    assert ops(database_url, seeded)[0].quantity_done == 0


def test_bad_quantities_and_notes_come_back_next_to_the_field(client: TestClient[Any], floor: Floor,
                                                              seeded: Seed, database_url: str) -> None:  # fmt: skip
    turn = ops(database_url, seeded)[0]
    sign_in_staff(client, "pmc")
    path = f"/backoffice/shopfloor/operations/{turn.id}"
    assert post(client, f"{path}/start", {"version": turn.version}).status_code == 303
    version = turn.version + 1
    for bad in ("abc", "1e400", "-3", "41", "' OR 1=1 --"):
        response = post(client, f"{path}/report", {"version": version, "quantity_done": bad})
        assert response.status_code == 422, bad
        assert 'id="quantity_done-error"' in response.text
    response = post(
        client,
        f"{path}/report",
        {"version": version, "quantity_done": "10", "note": "<script>alert(1)</script>"},
    )
    assert response.status_code == 303
    card = client.get(path)
    assert "<script>alert(1)</script>" not in card.text
    assert ops(database_url, seeded)[0].quantity_done == 10
    short = post(client, f"{path}/finish", {"version": version + 1, "quantity_done": "30"})
    assert short.status_code == 422
    assert 'id="note-error"' in short.text
    assert ops(database_url, seeded)[0].status == "running"


def test_a_pdf_renamed_jpg_is_refused_and_nothing_is_stored(client: TestClient[Any], floor: Floor, seeded: Seed,
                                                            database_url: str, uploads: Path) -> None:  # fmt: skip
    turn = ops(database_url, seeded)[0]
    sign_in_staff(client, "lead")
    path = f"/backoffice/shopfloor/operations/{turn.id}/photos"
    pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF"
    response = post(client, path, {"caption": "图纸"}, files={"photo": ("drawing.jpg", pdf, "image/jpeg")})
    assert response.status_code == 422
    assert "not a JPEG, PNG or WebP image" in response.text
    assert "PDF" in response.text
    assert photo_count(database_url) == 0
    assert not uploads.exists() or list(uploads.iterdir()) == []
    empty = post(client, path, {"caption": ""})
    assert empty.status_code == 422
    assert "Please choose a photo" in empty.text


def test_a_photo_is_stored_and_lets_the_key_operation_finish(client: TestClient[Any], floor: Floor, seeded: Seed,
                                                             database_url: str, uploads: Path) -> None:  # fmt: skip
    turn, insp = ops(database_url, seeded)
    sign_in_staff(client, "pmc")
    base = "/backoffice/shopfloor/operations"
    assert post(client, f"{base}/{turn.id}/start", {"version": turn.version}).status_code == 303
    assert (
        post(
            client, f"{base}/{turn.id}/finish", {"version": turn.version + 1, "quantity_done": "40"}
        ).status_code
        == 303
    )
    assert post(client, f"{base}/{insp.id}/start", {"version": insp.version}).status_code == 303
    refused = post(client, f"{base}/{insp.id}/finish", {"version": insp.version + 1, "quantity_done": "40"})
    assert refused.status_code == 422
    assert "upload at least one process photo" in refused.text
    uploaded = post(
        client,
        f"{base}/{insp.id}/photos",
        {"caption": "首件 OK"},
        files={"photo": ("p.png", png(), "image/png")},
    )
    assert uploaded.status_code == 303
    assert photo_count(database_url) == 1
    assert len(list(uploads.iterdir())) == 1
    card = client.get(f"{base}/{insp.id}")
    assert "/backoffice/photos/" in card.text
    assert "首件 OK" in card.text
    assert (
        post(
            client, f"{base}/{insp.id}/finish", {"version": insp.version + 1, "quantity_done": "40"}
        ).status_code
        == 303
    )
    assert ops(database_url, seeded)[1].status == "done"


def test_the_order_page_carries_the_production_section(
    client: TestClient[Any], floor: Floor, seeded: Seed
) -> None:
    sign_in_staff(client, "sales")  # any staff member may read it
    order_no = seeded.orders["c002_submitted"]
    detail = client.get(f"/backoffice/orders/{order_no}")
    assert f"/backoffice/shopfloor/orders/{order_no}/production" in detail.text
    section = client.get(
        f"/backoffice/shopfloor/orders/{order_no}/production", headers={"HX-Request": "true"}
    )
    assert section.status_code == 200
    assert 'id="production"' in section.text
    assert "Turning" in section.text
    assert "Final inspection" in section.text
    assert "<html" not in section.text  # the fragment only
    assert "<html" in client.get(f"/backoffice/shopfloor/orders/{order_no}/production").text


def test_htmx_steps_answer_with_the_fresh_card_and_a_toast(client: TestClient[Any], floor: Floor, seeded: Seed,
                                                           database_url: str) -> None:  # fmt: skip
    turn = ops(database_url, seeded)[0]
    sign_in_staff(client, "lead")
    path = f"/backoffice/shopfloor/operations/{turn.id}"
    response = post(client, f"{path}/start", {"version": turn.version}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="op-card"')
    assert 'data-op-status="running"' in response.text
    assert 'hx-swap-oob="beforeend:#toasts"' in response.text
    assert ops(database_url, seeded)[0].status == "running"  # committed
