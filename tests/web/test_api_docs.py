"""The OpenAPI document and its reference page: served by Litestar, usable without the internet."""

from __future__ import annotations

import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import TestClient

from config import ROOT

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def test_openapi_document_describes_the_api(client: TestClient[Litestar]) -> None:
    r = client.get("/schema/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert set(doc["paths"]) == {"/api/v1/orders", "/api/v1/orders/{order_no}"}
    create = doc["paths"]["/api/v1/orders"]["post"]
    assert {p["name"] for p in create["parameters"] if p["in"] == "header"} == {"Idempotency-Key"}
    assert {"201", "400", "401", "403", "409", "422"} <= set(create["responses"])
    assert "application/problem+json" in create["responses"]["422"]["content"]
    order_in = doc["components"]["schemas"]["OrderIn"]
    assert order_in["additionalProperties"] is False  # unknown fields are refused, and the schema says so
    assert doc["components"]["schemas"]["OrderLineIn"]["additionalProperties"] is False
    assert set(order_in["required"]) == {"customer", "requested_date", "lines"}
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_loads_nothing_from_outside(client: TestClient[Litestar]) -> None:
    r = client.get("/schema")
    assert r.status_code == 200
    html = r.text
    assert not EXTERNAL.search(html), html
    assert "<script>" not in html.replace(" ", "")  # no inline script: the site's CSP forbids it
    scripts = re.findall(r'<script src="([^"]+)"', html)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert scripts
    assert styles
    for path in scripts + styles:
        assert path.startswith("/static/")
        assert (ROOT / path.lstrip("/")).is_file(), path
        assert client.get(path).status_code == 200
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "http" not in csp


def test_vendored_swagger_ui_is_documented() -> None:
    readme = (ROOT / "static/vendor/README.md").read_text()
    assert "swagger-ui-dist" in readme
    assert Path(ROOT / "static/vendor/swagger-ui-5.35.0/LICENSE").is_file()


def test_unknown_api_paths_and_methods_answer_problem_json(client: TestClient[Litestar]) -> None:
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    r = client.delete("/api/v1/orders")
    assert r.status_code == 405
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "GET" in r.headers["allow"]
