"""DingTalk open API (api.dingtalk.com v1.0): the app access token and approval instances.

The v1.0 API answers errors with HTTP 4xx and ``{"code", "message"}`` (unlike the old oapi, which
says errcode in a 200). The token lasts 7200 s; it is cached and refreshed a little early, and once
more when DingTalk says it is no longer valid.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from integrations.dingtalk.settings import DingTalkSettings

TOKEN_HEADER = "x-acs-dingtalk-access-token"  # noqa: S105 (a header name)
REFRESH_EARLY_S = 300


class DingTalkError(RuntimeError):
    """DingTalk could not be reached or refused the call; the callback answers 503 so DingTalk retries."""


class DingTalkClient:
    def __init__(self, settings: DingTalkSettings, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self._transport = transport
        self._token: str | None = None
        self._expires_at = 0.0
        # Callbacks arrive together (DingTalk retries, several approvals at once): one token request
        # serves them all, instead of each fetching its own and revoking the one before.
        self._lock = asyncio.Lock()

    def _http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.settings.api_base, timeout=self.settings.timeout_s, transport=self._transport
        )

    async def access_token(self, *, refused: str | None = None) -> str:
        """The cached token, or a new one. ``refused``: a token DingTalk just rejected (fetch anew,
        unless another caller has done so meanwhile)."""
        async with self._lock:
            if self._token and self._token != refused and time.monotonic() < self._expires_at:
                return self._token
            return await self._fetch_token()

    async def _fetch_token(self) -> str:
        async with self._http() as http:
            try:
                r = await http.post(
                    "/v1.0/oauth2/accessToken",
                    json={"appKey": self.settings.app_key, "appSecret": self.settings.app_secret},
                )
            except httpx.HTTPError as exc:
                raise DingTalkError(f"token request failed: {exc}") from exc
        body = _json(r)
        if r.status_code != 200 or not body.get("accessToken"):
            raise DingTalkError(f"token refused: {r.status_code} {body.get('code')} {body.get('message')}")
        self._token = str(body["accessToken"])
        self._expires_at = time.monotonic() + max(60, int(body.get("expireIn", 7200)) - REFRESH_EARLY_S)
        return self._token

    async def process_instance(self, instance_id: str) -> dict[str, Any]:
        """The approval instance (``result`` of GET /v1.0/workflow/processInstances)."""
        token = await self.access_token()
        for attempt in range(2):
            async with self._http() as http:
                try:
                    r = await http.get(
                        "/v1.0/workflow/processInstances",
                        params={"processInstanceId": instance_id},
                        headers={TOKEN_HEADER: token},
                    )
                except httpx.HTTPError as exc:
                    raise DingTalkError(f"instance request failed: {exc}") from exc
            if r.status_code in (401, 403) and attempt == 0:
                # The cached token was revoked or expired early: a new one, and one more try.
                token = await self.access_token(refused=token)
                continue
            body = _json(r)
            if r.status_code != 200 or not isinstance(body.get("result"), dict):
                raise DingTalkError(
                    f"instance refused: {r.status_code} {body.get('code')} {body.get('message')}"
                )
            return body["result"]
        raise DingTalkError("instance refused after a token refresh")


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
