"""A small fake of DingTalk's open API on 127.0.0.1, speaking the v1.0 protocol the adapter uses:
POST /v1.0/oauth2/accessToken and GET /v1.0/workflow/processInstances (token in a header).
Errors are HTTP 4xx with {"code", "message"}, as the real v1.0 API answers them."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


class FakeDingTalk:
    def __init__(self, app_key: str, app_secret: str) -> None:
        self.app_key, self.app_secret = app_key, app_secret
        self.instances: dict[str, dict[str, Any]] = {}
        self.tokens_issued = 0
        self.calls: Counter[str] = Counter()
        self.valid_token: str | None = None
        self.url = ""
        self.delay_s = 0.0  # a slow DingTalk: widens the window in which copies of one event overlap

    def revoke_tokens(self) -> None:
        self.valid_token = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the test output quiet
                pass

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                fake.calls[f"POST {path}"] += 1
                if path != "/v1.0/oauth2/accessToken":
                    return self._send(404, {"code": "NotFound", "message": path})
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
                if body.get("appKey") != fake.app_key or body.get("appSecret") != fake.app_secret:
                    return self._send(
                        400, {"code": "invalidClientIdOrSecret", "message": "无效的clientId或者clientSecret"}
                    )
                fake.tokens_issued += 1
                fake.valid_token = f"fake-token-{fake.tokens_issued}"
                return self._send(200, {"accessToken": fake.valid_token, "expireIn": 7200})

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                fake.calls[f"GET {parts.path}"] += 1
                if parts.path != "/v1.0/workflow/processInstances":
                    return self._send(404, {"code": "NotFound", "message": parts.path})
                token = self.headers.get("x-acs-dingtalk-access-token")
                if not token or token != fake.valid_token:
                    return self._send(
                        401, {"code": "InvalidAuthentication", "message": "不合法的access_token"}
                    )
                instance_id = (parse_qs(parts.query).get("processInstanceId") or [""])[0]
                time.sleep(fake.delay_s)
                if instance_id not in fake.instances:
                    return self._send(400, {"code": "paramError", "message": "processInstanceId not found"})
                return self._send(200, {"success": True, "result": fake.instances[instance_id]})

        return Handler


@contextmanager
def running(fake: FakeDingTalk) -> Iterator[FakeDingTalk]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def approval_instance(
    *,
    customer: str,
    requested_date: str,
    lines: list[tuple[str, str]],
    po: str = "",
    notes: str = "",
    originator: str = "ding_sales_01",
) -> dict[str, Any]:
    """An approved 下单审批 instance as GET /v1.0/workflow/processInstances returns it."""
    rows = [
        {"rowValue": [{"label": "物料编码", "key": "TextField_part", "value": part},
                      {"label": "数量", "key": "NumberField_qty", "value": qty}]}
        for part, qty in lines
    ]  # fmt: skip
    return {
        "title": "下单审批",
        "status": "COMPLETED",
        "result": "agree",
        "originatorUserId": originator,
        "formComponentValues": [
            {"componentType": "TextField", "name": "客户编码", "value": customer},
            {"componentType": "DDDateField", "name": "要求交期", "value": requested_date},
            {"componentType": "TextField", "name": "客户PO号", "value": po},
            {"componentType": "TextareaField", "name": "特殊要求", "value": notes},
            {
                "componentType": "TableField",
                "name": "订单明细",
                "value": json.dumps(rows, ensure_ascii=False),
            },
        ],
    }
