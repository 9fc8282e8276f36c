"""POST /integrations/dingtalk/callback: DingTalk's encrypted event callbacks.

Refused with 403 (and a warning in the app log, logger ``orderpulse.dingtalk``; nothing stored):
a bad signature, a timestamp outside the allowed skew, a message that does not decrypt or is
addressed to another app. Accepted events are answered with the encrypted "success" DingTalk asks
for. An approved order request (``bpms_instance_change``, type finish, result agree) has its form
fetched through the open API and becomes an order of channel "dingtalk", submitted for review like
every other channel's. Each approval is acted on once, however often DingTalk repeats it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, Router, post
from litestar.di import Provide
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.errors import ValidationFailed
from domain.integrations.services import already_processed, claim_event, forget_event, settle_event
from domain.orders.external_intake import create_coded_order
from domain.parties.roles import StaffRole
from integrations.dingtalk.client import DingTalkClient, DingTalkError
from integrations.dingtalk.crypto import CryptoError, DingTalkCrypto
from integrations.dingtalk.forms import order_from_form
from integrations.dingtalk.settings import DingTalkSettings

log = logging.getLogger("orderpulse.dingtalk")
SOURCE = "dingtalk"
PATH = "/integrations/dingtalk/callback"


class DingTalkAdapter:
    """What the endpoint needs, built once per app from the settings."""

    def __init__(self, settings: DingTalkSettings) -> None:
        self.settings = settings
        self.crypto = DingTalkCrypto(settings.token, settings.aes_key, settings.app_key)
        self.client = DingTalkClient(settings)


def _refuse(request: Request[Any, Any, Any], reason: str) -> Response[dict[str, str]]:
    client = request.client.host if request.client else "?"
    log.warning("dingtalk callback refused from %s: %s", client, reason)
    return Response({"error": "refused"}, status_code=403)


def _actor(instance: dict[str, Any]) -> Actor:
    # The approval was filed by a salesperson and approved in DingTalk: the order enters as the
    # desk's intake (submit needs a desk role), named after the DingTalk user who filed it.
    who = str(instance.get("originatorUserId") or "?")
    return Actor(kind="system", id=None, name=f"DingTalk: {who}"[:100], roles=frozenset({StaffRole.SALES}))


@post(PATH, include_in_schema=False, status_code=200, opt={"exclude_from_csrf": True})
async def dingtalk_callback(
    request: Request[Any, Any, Any], db_session: AsyncSession, dingtalk: DingTalkAdapter | None
) -> Response[Any]:
    if dingtalk is None:
        return Response({"error": "DingTalk is not configured"}, status_code=404)
    q = request.query_params
    signature = q.get("msg_signature") or q.get("signature") or ""
    timestamp = q.get("timeStamp") or q.get("timestamp") or ""
    nonce = q.get("nonce") or ""
    try:
        payload = json.loads(await request.body())
        encrypt = payload["encrypt"]
        assert isinstance(encrypt, str)
    except (ValueError, KeyError, TypeError, AssertionError):
        return _refuse(request, "body is not {'encrypt': …}")
    if not dingtalk.crypto.verify(signature, timestamp, nonce, encrypt):
        return _refuse(request, "bad signature")
    if (
        not timestamp.isdigit()
        or abs(time.time() * 1000 - int(timestamp)) > dingtalk.settings.max_skew_s * 1000
    ):
        return _refuse(request, f"stale timestamp {timestamp[:20]!r}")
    try:
        event = json.loads(dingtalk.crypto.decrypt(encrypt))
        assert isinstance(event, dict)
    except (CryptoError, ValueError, AssertionError) as exc:
        return _refuse(request, f"cannot decrypt: {exc}")

    kind = event.get("EventType")
    if kind == "bpms_instance_change" and event.get("type") == "finish" and event.get("result") == "agree":
        try:
            await _approved(db_session, dingtalk, event)
        except DingTalkError as exc:
            # Nothing recorded: DingTalk retries the callback, and then we fetch again.
            log.error("dingtalk approval %s not fetched: %s", event.get("processInstanceId"), exc)
            return Response({"error": "DingTalk API unavailable"}, status_code=503)
    elif kind != "check_url":
        log.info("dingtalk event %s ignored", kind)
    return Response(dingtalk.crypto.reply("success", timestamp, nonce))


async def _approved(session: AsyncSession, dingtalk: DingTalkAdapter, event: dict[str, Any]) -> None:
    instance_id = str(event.get("processInstanceId") or "")
    if not instance_id:
        return
    if dingtalk.settings.process_code and event.get("processCode") != dingtalk.settings.process_code:
        log.info(
            "dingtalk approval %s of another template (%s) ignored", instance_id, event.get("processCode")
        )
        return
    key = f"bpms_instance_change:{instance_id}:finish"
    if await already_processed(session, SOURCE, key):
        log.info("dingtalk approval %s replayed: already handled", instance_id)
        return
    # Fetched before anything is written, so no lock is held while DingTalk answers.
    instance = await dingtalk.client.process_instance(instance_id)
    async with AsyncSession(session.bind) as own:  # the claim commits at once, on its own
        event_id = await claim_event(own, SOURCE, key)
        await own.commit()
    if event_id is None:
        log.info("dingtalk approval %s handled by another copy", instance_id)
        return
    try:
        order = await create_coded_order(
            session, order_from_form(instance), _actor(instance), channel="dingtalk", submit=True
        )
    except ValidationFailed as exc:
        # A form no order can come from stays refused: settled so the retries stop, and logged for
        # the sales desk to enter by hand.
        await session.rollback()
        detail = str(exc)
        await _apart(session, lambda own: settle_event(own, event_id, outcome="invalid", detail=detail))
        log.warning("dingtalk approval %s cannot become an order: %s", instance_id, exc)
        return
    except Exception:
        await session.rollback()
        await _apart(session, lambda own: forget_event(own, event_id))  # DingTalk's retry tries again
        raise
    await settle_event(session, event_id, outcome="created", order_no=order.order_no)  # with the order
    log.info("dingtalk approval %s → order %s", instance_id, order.order_no)


async def _apart(session: AsyncSession, work: Callable[[AsyncSession], Awaitable[None]]) -> None:
    async with AsyncSession(session.bind) as own:
        await work(own)
        await own.commit()


def build_router(settings: DingTalkSettings | None = None) -> Router:
    settings = settings or DingTalkSettings.from_env()
    adapter = DingTalkAdapter(settings) if settings.enabled else None
    return Router(
        path="/",
        route_handlers=[dingtalk_callback],
        dependencies={"dingtalk": Provide(lambda: adapter, sync_to_thread=False)},
        include_in_schema=False,
    )
