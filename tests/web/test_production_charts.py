"""Production charts over HTTP: the customer's Gantt JSON (scoped, customer-safe, constant statements),
the order page that links it, and the back office's work-center Gantt and load heat map (roles, window
validation)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from html import unescape

from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession

from demo.gantt_jobs import OpPlan, add_job
from domain.base import SHANGHAI, today_local
from domain.orders.models import SalesOrder, SalesOrderLine
from domain.production.models import WorkCenter
from tests.helpers import sign_in_customer, sign_in_staff
from tests.seed import Seed
from tests.web.conftest import run_db

DAY_SHIFTS = {"shifts": [["08:00", "12:00"], ["13:00", "17:00"]], "workdays": [0, 1, 2, 3, 4, 5, 6]}


def _at(days: int, hour: int) -> dt.datetime:
    return dt.datetime.combine(today_local() + dt.timedelta(days=days), dt.time(hour), tzinfo=SHANGHAI)


def plan(database_url: str, order_no: str, *, stages: int = 3, lines: int | None = None) -> int:
    """Jobs for every line of ``order_no``: ``stages`` stages a day apart around today. Answers the
    work center's id (code WC-SECRET, which must never reach the customer)."""

    async def work(s: AsyncSession) -> int:
        wc = await s.scalar(select(WorkCenter).where(WorkCenter.code == "WC-SECRET"))
        if wc is None:
            wc = WorkCenter(code="WC-SECRET", name="秘密 车间", machines=2, calendar=DAY_SHIFTS)
            s.add(wc)
            await s.flush()
        order_id = await s.scalar(select(SalesOrder.id).where(SalesOrder.order_no == order_no))
        rows = (await s.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id == order_id))).all()
        for line in rows[:lines]:
            ops = []
            for i in range(stages):
                # Two stages in the past (one done, one running late), the rest from tomorrow on:
                # nothing is due today, so what is late does not depend on the hour the test runs.
                day = i - 2 if i < 2 else i - 1
                start, end = _at(day, 8), _at(day, 17)
                done = i == 0
                ops.append(OpPlan(wc.id, f"工序{i}", f"Stage {i}", start, end,
                                  actual_start=start if i <= 1 else None, actual_end=end if done else None,
                                  quantity_done=line.quantity if done else Decimal("1"), machine=i % 2,
                                  setup_min=Decimal("77.77")))  # fmt: skip
            await add_job(s, order_id=order_id, line=line, ops=ops)
        return wc.id

    return run_db(database_url, work)


@contextmanager
def counting(app: Litestar) -> Iterator[list[str]]:
    engine = app.state["alchemy"].get_engine().sync_engine
    seen: list[str] = []

    def count(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


# -- portal --------------------------------------------------------------------------------------


def test_gantt_json_is_the_customers_own_and_customer_safe(
    client: TestClient[Litestar], app: Litestar, seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    plan(database_url, order_no)
    sign_in_customer(client, "c001-buyer")
    r = client.get(f"/portal/orders/{order_no}/gantt.json")
    assert r.status_code == 200, r.text[:300]
    assert r.headers["cache-control"] == "no-store"
    data = r.json()
    (line,) = data["lines"]
    assert [s["label"] for s in line["stages"]] == ["Stage 0", "Stage 1", "Stage 2"]
    assert [s["state"] for s in line["stages"]] == ["done", "running", "waiting"]
    assert [s["late"] for s in line["stages"]] == [False, True, False]
    assert line["stages"][0]["percent"] == 100
    assert "empty" not in data
    for leak in ("WC-SECRET", "秘密", "77.77", "setup", "machine", "work_center", "price"):
        assert leak not in r.text, leak
    # The customer's language: Chinese stage names for a Chinese reader.
    zh = client.get(f"/portal/orders/{order_no}/gantt.json", headers={"Accept-Language": "zh-CN"})
    assert [s["label"] for s in zh.json()["lines"][0]["stages"]] == ["工序0", "工序1", "工序2"]


def test_another_customers_gantt_is_404_and_signed_out_is_sent_to_sign_in(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    plan(database_url, order_no)
    r = client.get(f"/portal/orders/{order_no}/gantt.json", follow_redirects=False)
    assert r.status_code in (302, 303)
    assert "/portal/login" in r.headers["location"]
    sign_in_customer(client, "c002-buyer")
    assert client.get(f"/portal/orders/{order_no}/gantt.json").status_code == 404
    assert client.get(f"/portal/orders/{seeded.orders['c001_draft']}/gantt.json").status_code == 404
    assert client.get("/portal/orders/SO-0000-000000/gantt.json").status_code == 404
    assert client.get("/portal/orders/%3Cscript%3E/gantt.json").status_code == 404


def test_an_unconfirmed_order_says_when_planning_happens(client: TestClient[Litestar], seeded: Seed) -> None:
    sign_in_customer(client, "c001-buyer")
    data = client.get(f"/portal/orders/{seeded.orders['c001_submitted']}/gantt.json").json()
    assert all(not line["stages"] for line in data["lines"])
    assert "when we confirm your order" in data["empty"]


def test_gantt_json_costs_the_same_statements_for_one_line_or_many(
    client: TestClient[Litestar], app: Litestar, seeded: Seed, database_url: str
) -> None:
    small, big = seeded.orders["c001_in_production"], seeded.orders["c001_submitted"]
    plan(database_url, small, stages=1)
    plan(database_url, big, stages=6)  # two lines × six stages
    sign_in_customer(client, "c001-buyer")
    counts = []
    for order_no in (small, big):
        with counting(app) as seen:
            assert client.get(f"/portal/orders/{order_no}/gantt.json").status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 4, counts  # the session read + order, lines, operations


def test_the_order_page_links_the_lazy_gantt_and_stays_cheap(
    client: TestClient[Litestar], app: Litestar, seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    plan(database_url, order_no)
    sign_in_customer(client, "c001-buyer")
    with counting(app) as seen:
        r = client.get(f"/portal/orders/{order_no}")
    assert r.status_code == 200
    assert len(seen) == 3, seen  # session, order with lines, events: the chart adds nothing here
    assert f'data-gantt-src="/portal/orders/{order_no}/gantt.json"' in r.text
    assert re.search(r'<script src="/static/js/gantt\.js\?v=\w+" defer></script>', r.text)
    assert "plotly" not in r.text.split("data-plotly-src")[0]  # Plotly is fetched by the script, on reveal
    assert "<script>" not in r.text


def test_static_files_with_a_version_are_cached_for_a_year(client: TestClient[Litestar]) -> None:
    versioned = client.get("/static/js/gantt.js?v=abc")
    assert versioned.status_code == 200
    assert "immutable" in versioned.headers["cache-control"]
    assert "max-age=31536000" in versioned.headers["cache-control"]
    vendored = client.get("/static/vendor/plotly-basic-4.1.1.min.js")
    assert "immutable" in vendored.headers["cache-control"]
    plain = client.get("/static/img/favicon.svg")
    assert "immutable" not in plain.headers["cache-control"]


# -- back office ----------------------------------------------------------------------------------


def _figure(html: str, attr: str) -> dict:
    match = re.search(attr + r' data-figure="([^"]*)"', html)
    assert match, f"no {attr} figure"
    return json.loads(unescape(match.group(1)))


def test_work_center_gantt_shows_the_window_and_filters_by_center(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    order_no = seeded.orders["c001_in_production"]
    wc_id = plan(database_url, order_no)
    sign_in_staff(client, "pmc")
    r = client.get("/backoffice/production/gantt")
    assert r.status_code == 200
    assert 'href="/backoffice/production/gantt"' in r.text  # the nav link
    figure = _figure(r.text, "data-center-gantt")
    assert set(figure["bars"]["order_no"]) == {order_no}
    assert len(figure["bars"]["row"]) == 3
    assert "WC-SECRET #1" in figure["rows"]
    yesterday = today_local() - dt.timedelta(days=1)
    r = client.get(f"/backoffice/production/gantt?center={wc_id}&start={yesterday}&end={yesterday}")
    assert _figure(r.text, "data-center-gantt")["bars"]["stage"] == ["Stage 1"]


def test_load_heat_map_shows_percent_and_closed_days(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    plan(database_url, seeded.orders["c001_in_production"])
    sign_in_staff(client, "salesmgr")
    day = today_local()
    r = client.get(
        f"/backoffice/production/load?start={day - dt.timedelta(days=1)}&end={day + dt.timedelta(days=1)}"
    )
    assert r.status_code == 200
    figure = _figure(r.text, "data-load-heatmap")
    row = figure["centers"].index("WC-SECRET 秘密 车间")
    # One of two machines busy the whole 8-hour day yesterday and tomorrow; nothing booked today.
    assert figure["percent"][row] == [50, 0, 50]
    assert 'class="heat--low"' in r.text


def test_schedule_pages_refuse_roles_without_a_need(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    sign_in_staff(client, "sales")
    assert 'href="/backoffice/production/gantt"' not in client.get("/backoffice/orders").text
    for path in ("/backoffice/production/gantt", "/backoffice/production/load"):
        assert client.get(path).status_code == 403


def test_a_team_lead_may_look_without_a_planning_role(
    client: TestClient[Litestar], seeded: Seed, database_url: str
) -> None:
    wc_id = plan(database_url, seeded.orders["c001_in_production"])

    async def lead(s: AsyncSession) -> None:
        wc = await s.get(WorkCenter, wc_id)
        assert wc is not None
        wc.team_lead_id = seeded.staff["warehouse"]

    run_db(database_url, lead)
    sign_in_staff(client, "warehouse")
    assert client.get("/backoffice/production/load").status_code == 200


def test_a_bad_window_gets_a_clear_message_next_to_the_field(
    client: TestClient[Litestar], seeded: Seed
) -> None:
    sign_in_staff(client, "pmc")
    for query, field, text in (
        ("start=2026-02-30", "start", "Write the date as YYYY-MM-DD"),
        ("start=<script>alert(1)</script>", "start", "Write the date as YYYY-MM-DD"),
        ("start=2026-12-10&end=2026-12-01", "end", "The end date must not be before the start date."),
        ("start=2026-01-01&end=2026-12-31", "end", "Choose at most 62 days."),
    ):
        for path in ("/backoffice/production/gantt", "/backoffice/production/load"):
            r = client.get(f"{path}?{query}")
            assert r.status_code == 422, (path, query)
            assert f'id="{field}-error"' in r.text
            assert text in r.text
            assert "<script>alert(1)</script>" not in r.text
