"""催 and 评 over HTTP: the buyer's forms, PMC's answer, after-sales' ticket, and every forbidden path."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import today_local
from domain.expedite.models import ExpediteRequest
from domain.feedback.models import CareTicket, DeliveryRating
from domain.orders.models import SalesOrder
from tests.helpers import post_form
from tests.seed import Seed
from tests.web.conftest import Identities, run_db


def count(database_url: str, model: type) -> int:
    async def work(s: AsyncSession) -> int:
        return await s.scalar(select(func.count()).select_from(model)) or 0

    return run_db(database_url, work)


def set_status(database_url: str, order_no: str, status: str) -> None:
    async def work(s: AsyncSession) -> None:
        await s.execute(update(SalesOrder).where(SalesOrder.order_no == order_no).values(status=status))

    run_db(database_url, work)


def ask(client: TestClient[Any], order_no: str, days: int = 5, **data: str) -> Any:
    values = {
        "line": "",
        "wanted_date": (today_local() + dt.timedelta(days=days)).isoformat(),
        "reason": "线体停线",
    }
    values.update(data)
    path = f"/portal/orders/{order_no}/expedite"
    return post_form(client, path, values)


def latest_request(database_url: str) -> ExpediteRequest:
    async def work(s: AsyncSession) -> ExpediteRequest:
        row = await s.scalar(select(ExpediteRequest).order_by(ExpediteRequest.id.desc()))
        assert row is not None
        return row

    return run_db(database_url, work)


def test_buyer_asks_pmc_answers_and_the_buyer_reads_it(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    portal = Identities(client, "portal")
    buyer = portal("c001-buyer")
    page = buyer.get(f"/portal/orders/{order_no}")
    assert f'href="/portal/orders/{order_no}/expedite"' in page.text
    response = ask(buyer, order_no, reason="<script>alert(1)</script>")
    assert (response.status_code, response.headers["location"]) == (
        303,
        f"/portal/orders/{order_no}/expedite",
    )
    listing = buyer.get(response.headers["location"]).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert "<script>alert(1)" not in listing
    request = latest_request(database_url)

    staff = Identities(client, "staff")
    pmc = staff("pmc")
    queue = pmc.get("/backoffice/expedite").text
    assert f'data-request="{request.id}"' in queue
    assert pmc.get(f"/backoffice/expedite/{request.id}").status_code == 200
    assert (
        post_form(
            pmc,
            f"/backoffice/expedite/{request.id}/check",
            {},
            token_from=f"/backoffice/expedite/{request.id}",
        ).status_code
        == 303
    )
    checked = latest_request(database_url)
    assert checked.feasibility["planned"] is False  # the seed has no production plan
    new_date = (today_local() + dt.timedelta(days=6)).isoformat()
    response = post_form(pmc, f"/backoffice/expedite/{request.id}/answer",
                         {"version": str(checked.version), "outcome": "accepted", "new_date": new_date,
                          "explanation": "车削加班", "compensation": ""}, token_from=f"/backoffice/expedite/{request.id}")  # fmt: skip
    assert response.status_code == 303, response.text[:500]
    assert latest_request(database_url).status == "accepted"

    mine = portal("c001-buyer").get(f"/portal/orders/{order_no}/expedite").text
    assert "车削加班" in mine
    assert 'data-status="accepted"' in mine


def test_forbidden_paths(client: TestClient[Litestar], seeded: Seed, database_url: str) -> None:
    order_no = seeded.orders["c001_in_production"]
    portal = Identities(client, "portal")
    # another customer's order: as absent as a missing one, on the page and on the form
    other = portal("c002-buyer")
    assert other.get(f"/portal/orders/{order_no}/expedite").status_code == 404
    token_page = f"/portal/orders/{seeded.orders['c002_submitted']}/expedite"
    response = post_form(other, f"/portal/orders/{order_no}/expedite", {"wanted_date": "2030-01-01", "reason": "x"},
                         token_from=token_page)  # fmt: skip
    assert response.status_code == 404
    # a QC engineer follows orders but does not ask for dates
    qe = portal("c001-qe")
    response = post_form(
        qe, f"/portal/orders/{order_no}/expedite", {"wanted_date": "2030-01-01", "reason": "x"}
    )
    assert response.status_code == 403
    assert count(database_url, ExpediteRequest) == 0

    assert ask(portal("c001-buyer"), order_no).status_code == 303
    request = latest_request(database_url)
    staff = Identities(client, "staff")
    for username in ("sales", "warehouse"):
        response = post_form(staff(username), f"/backoffice/expedite/{request.id}/answer",
                             {"version": str(request.version), "outcome": "declined", "explanation": "no"},
                             token_from="/backoffice/orders")  # fmt: skip
        assert response.status_code == 403
    assert staff("warehouse").get("/backoffice/expedite").status_code == 403
    assert staff("warehouse").get("/backoffice/care").status_code == 403
    assert latest_request(database_url).status == "open"


def test_bad_input_is_reported_and_nothing_stored(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    buyer = Identities(client, "portal")("c001-buyer")
    for data in ({"wanted_date": "2001-01-01"}, {"wanted_date": "not a date"}, {"reason": ""},
                 {"line": "99"}, {"wanted_date": "' OR 1=1 --"}, {"reason": "x" * 3000}):  # fmt: skip
        response = ask(buyer, order_no, **data)
        assert response.status_code == 422, data
        assert 'role="alert"' in response.text
    assert count(database_url, ExpediteRequest) == 0
    # the same request twice: the second is a duplicate
    assert ask(buyer, order_no).status_code == 303
    response = ask(buyer, order_no, days=4)
    assert response.status_code == 422
    assert "already open" in response.text
    assert count(database_url, ExpediteRequest) == 1


def test_stale_and_withdrawn_answers_are_refused(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    portal = Identities(client, "portal")
    assert ask(portal("c001-buyer"), order_no).status_code == 303
    request = latest_request(database_url)
    path = f"/portal/orders/{order_no}/expedite/{request.id}/withdraw"
    assert (
        post_form(
            portal("c001-buyer"),
            path,
            {"version": str(request.version)},
            token_from=f"/portal/orders/{order_no}/expedite",
        ).status_code
        == 303
    )
    pmc = Identities(client, "staff")("pmc")
    response = post_form(pmc, f"/backoffice/expedite/{request.id}/answer",
                         {"version": str(request.version), "outcome": "declined", "explanation": "满负荷"},
                         token_from="/backoffice/expedite")  # fmt: skip
    assert response.status_code == 409
    withdrawn = latest_request(database_url)
    response = post_form(pmc, f"/backoffice/expedite/{request.id}/answer",
                         {"version": str(withdrawn.version), "outcome": "declined", "explanation": "满负荷"},
                         token_from="/backoffice/expedite")  # fmt: skip
    assert response.status_code == 409
    assert latest_request(database_url).status == "withdrawn"
    # a request id under another order's path is not found
    other_order = seeded.orders["c001_submitted"]
    response = post_form(portal("c001-buyer"), f"/portal/orders/{other_order}/expedite/{request.id}/withdraw",
                         {"version": str(withdrawn.version)}, token_from=f"/portal/orders/{other_order}/expedite")  # fmt: skip
    assert response.status_code == 404


def test_low_rating_opens_a_ticket_after_sales_closes_it(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    portal = Identities(client, "portal")
    buyer = portal("c001-buyer")
    assert buyer.get(f"/portal/orders/{order_no}/rating").status_code == 200
    response = post_form(buyer, f"/portal/orders/{order_no}/rating",
                         {"delivery_score": "5", "quality_score": "5", "service_score": "5"})  # fmt: skip
    assert response.status_code == 422  # not delivered yet
    set_status(database_url, order_no, "delivered")
    assert f'href="/portal/orders/{order_no}/rating"' in buyer.get(f"/portal/orders/{order_no}").text
    response = post_form(buyer, f"/portal/orders/{order_no}/rating",
                         {"delivery_score": "9", "quality_score": "", "service_score": "abc"})  # fmt: skip
    assert response.status_code == 422
    assert count(database_url, DeliveryRating) == 0
    qe = portal("c001-qe")
    assert (
        post_form(
            qe,
            f"/portal/orders/{order_no}/rating",
            {"delivery_score": "1", "quality_score": "1", "service_score": "1"},
        ).status_code
        == 403
    )
    other = portal("c002-buyer")
    assert other.get(f"/portal/orders/{order_no}/rating").status_code == 404
    buyer = portal("c001-buyer")
    response = post_form(buyer, f"/portal/orders/{order_no}/rating",
                         {"delivery_score": "4", "quality_score": "2", "service_score": "3", "comment": "毛刺 <b>多</b>"})  # fmt: skip
    assert response.status_code == 303
    assert 'data-score="2"' in buyer.get(f"/portal/orders/{order_no}/rating").text
    assert count(database_url, CareTicket) == 1

    staff = Identities(client, "staff")
    after_sales = staff("aftersales")
    listing = after_sales.get("/backoffice/care").text
    ticket_id = int(listing.split('data-ticket="')[1].split('"')[0])
    detail = after_sales.get(f"/backoffice/care/{ticket_id}").text
    assert "毛刺 &lt;b&gt;多&lt;/b&gt;" in detail
    assert staff("sales").get("/backoffice/ratings").status_code == 200
    assert 'data-customer="C001"' in staff("sales").get("/backoffice/ratings").text
    response = post_form(staff("salesmgr"), f"/backoffice/care/{ticket_id}/close", {"version": "1", "resolution": "x"},
                         token_from=f"/backoffice/care/{ticket_id}")  # fmt: skip
    assert response.status_code == 403
    response = post_form(
        staff("aftersales"),
        f"/backoffice/care/{ticket_id}/close",
        {"version": "1", "resolution": " "},
        token_from="/backoffice/care",
    )
    assert response.status_code == 422
    response = post_form(
        staff("aftersales"),
        f"/backoffice/care/{ticket_id}/close",
        {"version": "7", "resolution": "补发"},
        token_from="/backoffice/care",
    )
    assert response.status_code == 409
    response = post_form(
        staff("aftersales"),
        f"/backoffice/care/{ticket_id}/close",
        {"version": "1", "resolution": "已回访，补发 10 件"},
        token_from="/backoffice/care",
    )
    assert response.status_code == 303
    assert "已回访，补发 10 件" in staff("aftersales").get(f"/backoffice/care/{ticket_id}").text
