"""DingTalk approval callbacks end to end: a fake DingTalk on 127.0.0.1, the real app, the real crypto."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import today_local
from domain.integrations.models import ProcessedEvent
from domain.orders.models import SalesOrder
from integrations.dingtalk.crypto import DingTalkCrypto
from tests.fakes.dingtalk_server import FakeDingTalk, approval_instance, running
from tests.seed import Seed
from tests.web.conftest import BASE_URL, count_orders, make_app, run_db

# The reference's test-vector keys, used here with fresh timestamps.
TOKEN, AES_KEY, APP_KEY, APP_SECRET = (
    "mryue",
    "Yue0EfdN5900c1ce5cf6A152c63DDe1808a60c5ecd7",
    "ding6ccabc44d2c8d38b",
    "s3cret",
)
PATH = "/integrations/dingtalk/callback"
CRYPTO = DingTalkCrypto(TOKEN, AES_KEY, APP_KEY)


@pytest.fixture
def fake() -> Iterator[FakeDingTalk]:
    with running(FakeDingTalk(APP_KEY, APP_SECRET)) as server:
        yield server


@pytest.fixture
def client(
    database_url: str, seeded: Seed, fake: FakeDingTalk, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient[Litestar]]:
    for name, value in {
        "DINGTALK_TOKEN": TOKEN, "DINGTALK_AES_KEY": AES_KEY, "DINGTALK_APP_KEY": APP_KEY,
        "DINGTALK_APP_SECRET": APP_SECRET, "DINGTALK_API_BASE": fake.url,
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    with TestClient(app=make_app(database_url), base_url=BASE_URL) as c:
        yield c


def signed(
    event: dict[str, Any], *, ts: str | None = None, nonce: str = "n0nce123", crypto: DingTalkCrypto = CRYPTO
) -> tuple[dict[str, str], dict[str, str]]:
    ts = ts or str(int(time.time() * 1000))
    encrypt = crypto.encrypt(json.dumps(event, ensure_ascii=False))
    params = {"msg_signature": crypto.signature(ts, nonce, encrypt), "timeStamp": ts, "nonce": nonce}
    return params, {"encrypt": encrypt}


def post_event(client: TestClient[Litestar], event: dict[str, Any], **kwargs: Any) -> Any:
    params, body = signed(event, **kwargs)
    return client.post(PATH, params=params, json=body)


def assert_success_reply(response: Any) -> None:
    assert response.status_code == 200, response.text
    reply = response.json()
    assert CRYPTO.verify(reply["msg_signature"], reply["timeStamp"], reply["nonce"], reply["encrypt"])
    assert CRYPTO.decrypt(reply["encrypt"]) == "success"


def finish_event(instance_id: str, result: str = "agree") -> dict[str, Any]:
    return {"EventType": "bpms_instance_change", "processInstanceId": instance_id, "corpId": "ding_corp",
            "type": "finish", "result": result, "processCode": "PROC-ORDER", "createTime": 1, "finishTime": 2}  # fmt: skip


def when(days: int = 45) -> str:
    return (today_local() + dt.timedelta(days=days)).isoformat()


def test_check_url_handshake(client: TestClient[Litestar]) -> None:
    assert_success_reply(post_event(client, {"EventType": "check_url"}))


def test_published_vector_passes_the_signature_but_is_stale(
    client: TestClient[Litestar], caplog: pytest.LogCaptureFixture
) -> None:
    """The reference's request (from 2020) has a valid signature; its age alone refuses it now."""
    vector = "0vJiX6vliEpwG3U45CtXqi+m8PXbQRARJ8p8BbDuD1EMTDf0jKpQ79QS93qEk7XHpP6u+oTTrd15NRPvNvmBKyDCYxxOK+HZeKju4yhELOFchzNukR+t8SB/qk4ROMu3"
    params = {
        "msg_signature": "03044561471240d4a14bb09372dfcfd4fd0e40cb",
        "timeStamp": "1608001896814",
        "nonce": "WL4PK6yA",
    }
    with caplog.at_level(logging.WARNING, logger="orderpulse.dingtalk"):
        r = client.post(PATH, params=params, json={"encrypt": vector})
    assert r.status_code == 403
    assert "stale timestamp" in caplog.text


def test_approved_order_request_becomes_a_submitted_order_once(
    client: TestClient[Litestar], fake: FakeDingTalk, database_url: str
) -> None:
    fake.instances["PI-1"] = approval_instance(
        customer="C002", requested_date=when(), po="DT-PO-1", notes="加急",
        lines=[("HR-SH-2002", "30"), ("HR-FL-4004", "１２")],  # full-width digits, as typed on a phone
    )  # fmt: skip
    before = count_orders(database_url)
    assert_success_reply(post_event(client, finish_event("PI-1")))
    assert count_orders(database_url) == before + 1

    async def created(s: AsyncSession) -> tuple[Any, ...]:
        order = await s.scalar(select(SalesOrder).where(SalesOrder.customer_po == "DT-PO-1"))
        assert order is not None
        event = await s.scalar(select(ProcessedEvent).where(ProcessedEvent.event_key.contains("PI-1")))
        assert event is not None
        return (
            order.channel,
            order.status,
            order.line_count,
            order.changed_by,
            event.order_no == order.order_no,
        )

    assert run_db(database_url, created) == ("dingtalk", "submitted", 2, "DingTalk: ding_sales_01", True)
    # DingTalk repeats the callback (it did not hear us, or replays): nothing happens twice.
    for nonce in ("again001", "again002"):
        assert_success_reply(post_event(client, finish_event("PI-1"), nonce=nonce))
    assert count_orders(database_url) == before + 1
    assert fake.calls["GET /v1.0/workflow/processInstances"] == 1
    assert fake.tokens_issued == 1


def test_token_refreshed_once_when_dingtalk_revokes_it(
    client: TestClient[Litestar], fake: FakeDingTalk, database_url: str
) -> None:
    fake.instances["PI-A"] = approval_instance(
        customer="C001", requested_date=when(), po="DT-A", lines=[("HR-PI-5005", "5")]
    )
    fake.instances["PI-B"] = approval_instance(
        customer="C001", requested_date=when(), po="DT-B", lines=[("HR-PI-5005", "6")]
    )
    assert_success_reply(post_event(client, finish_event("PI-A")))
    fake.revoke_tokens()
    assert_success_reply(post_event(client, finish_event("PI-B")))
    assert fake.tokens_issued == 2
    assert stored_po_count(database_url, "DT-A", "DT-B") == 2


def stored_po_count(database_url: str, *pos: str) -> int:
    async def work(s: AsyncSession) -> int:
        return len((await s.scalars(select(SalesOrder.id).where(SalesOrder.customer_po.in_(pos)))).all())

    return run_db(database_url, work)


def test_refused_and_terminated_approvals_create_nothing(
    client: TestClient[Litestar], fake: FakeDingTalk, database_url: str
) -> None:
    fake.instances["PI-R"] = approval_instance(
        customer="C001", requested_date=when(), lines=[("HR-PI-5005", "5")]
    )
    before = count_orders(database_url)
    assert_success_reply(post_event(client, finish_event("PI-R", result="refuse")))
    assert_success_reply(post_event(client, {**finish_event("PI-R"), "type": "terminate"}))
    assert_success_reply(post_event(client, {**finish_event("PI-R"), "type": "start", "result": None}))
    assert count_orders(database_url) == before
    assert fake.calls["GET /v1.0/workflow/processInstances"] == 0


def test_form_that_cannot_be_an_order_is_recorded_and_not_retried(
    client: TestClient[Litestar], fake: FakeDingTalk, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    fake.instances["PI-X"] = approval_instance(
        customer="C404", requested_date="下周", lines=[("NOPE", "abc")]
    )
    before = count_orders(database_url)
    with caplog.at_level(logging.WARNING, logger="orderpulse.dingtalk"):
        assert_success_reply(post_event(client, finish_event("PI-X")))
    assert "cannot become an order" in caplog.text
    assert count_orders(database_url) == before

    async def outcome(s: AsyncSession) -> tuple[str, str]:
        event = await s.scalar(select(ProcessedEvent).where(ProcessedEvent.event_key.contains("PI-X")))
        assert event is not None
        return event.outcome, event.detail

    state, detail = run_db(database_url, outcome)
    assert state == "invalid"
    assert "customer" in detail
    assert "lines-0-product" in detail
    assert_success_reply(post_event(client, finish_event("PI-X"), nonce="retry999"))
    assert fake.calls["GET /v1.0/workflow/processInstances"] == 1


@pytest.mark.parametrize(
    "tamper",
    [
        "signature",
        "timestamp_old",
        "timestamp_future",
        "wrong_app",
        "not_json",
        "no_encrypt",
        "signature_missing",
    ],
)
def test_bad_callbacks_are_refused_logged_and_create_nothing(
    client: TestClient[Litestar],
    fake: FakeDingTalk,
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    tamper: str,
) -> None:
    fake.instances["PI-T"] = approval_instance(
        customer="C001", requested_date=when(), po="DT-T", lines=[("HR-PI-5005", "5")]
    )
    event = finish_event("PI-T")
    now_ms = int(time.time() * 1000)
    params, body = signed(event)
    if tamper == "signature":
        params["msg_signature"] = "0" * 40
    elif tamper == "signature_missing":
        del params["msg_signature"]
    elif tamper in ("timestamp_old", "timestamp_future"):
        shift = -3_600_000 if tamper == "timestamp_old" else 3_600_000
        params, body = signed(event, ts=str(now_ms + shift))  # correctly signed, but an hour off
    elif tamper == "wrong_app":
        params, body = signed(event, crypto=DingTalkCrypto(TOKEN, AES_KEY, "ding_other_app"))
    before = count_orders(database_url)
    with caplog.at_level(logging.WARNING, logger="orderpulse.dingtalk"):
        if tamper == "not_json":
            r = client.post(PATH, params=params, content=b"<xml>hi</xml>")
        elif tamper == "no_encrypt":
            r = client.post(PATH, params=params, json={"data": body["encrypt"]})
        else:
            r = client.post(PATH, params=params, json=body)
    assert r.status_code == 403
    assert "refused" in caplog.text
    assert count_orders(database_url) == before
    assert fake.calls["GET /v1.0/workflow/processInstances"] == 0


def test_dingtalk_down_answers_503_so_it_retries(
    client: TestClient[Litestar], fake: FakeDingTalk, database_url: str
) -> None:
    before = count_orders(database_url)
    r = post_event(client, finish_event("PI-UNKNOWN"))  # the fake answers 400 paramError
    assert r.status_code == 503
    assert count_orders(database_url) == before

    async def events(s: AsyncSession) -> int:
        return len((await s.scalars(select(ProcessedEvent.id))).all())

    assert run_db(database_url, events) == 0  # nothing recorded: the retry will fetch again


def test_not_configured_is_404(database_url: str, seeded: Seed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DINGTALK_TOKEN", raising=False)
    with TestClient(app=make_app(database_url), base_url=BASE_URL) as c:
        params, body = signed({"EventType": "check_url"})
        assert c.post(PATH, params=params, json=body).status_code == 404
