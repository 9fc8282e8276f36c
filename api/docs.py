"""The OpenAPI schema (/schema/openapi.json) and its reference page (/schema), both served offline.

Litestar's own render plugins load their scripts from a CDN and start them with an inline script;
this one serves Swagger UI from static/vendor/ and starts it from static/js/api-docs.js, so the
page works on a LAN without internet and under the site's script-src 'self' policy.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar._openapi.schema_generation import SchemaCreator
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import Components, Schema, SecurityScheme, Server
from litestar.typing import FieldDefinition

SWAGGER_DIR = "/static/vendor/swagger-ui-5.35.0"
# Swagger UI sets inline styles (React style attributes, a few <style> blocks): allowed on this
# page only. Scripts stay 'self'.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class OfflineSwaggerPlugin(OpenAPIRenderPlugin):
    def __init__(self, path: str = "/") -> None:
        super().__init__(path=path, favicon="", style="")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = str(openapi_schema["info"]["title"])
        spec_url = self.get_openapi_json_route(request)
        return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="{SWAGGER_DIR}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-spec-url="{spec_url}"></div>
<script src="{SWAGGER_DIR}/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script>
</body>
</html>
""".encode()


async def docs_csp(message: Any, scope: Any) -> None:
    """Give the reference page its own CSP before the site-wide hook adds the strict one."""
    from litestar.datastructures import MutableScopeHeaders

    if message["type"] == "http.response.start" and scope.get("path", "").rstrip("/") == "/schema":
        MutableScopeHeaders.from_message(message)["Content-Security-Policy"] = DOCS_CSP


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="OrderPulse API",
        version="1.0.0",
        description=(
            "Orders for other systems (ERP, EDI, MES). Authenticate with `Authorization: Bearer <token>`; "
            "an admin creates tokens in the back office (API clients). Errors are RFC 9457 problem details "
            "(`application/problem+json`) with `errors` naming the fields."
        ),
        path="/schema",
        servers=[Server(url="/")],
        render_plugins=[OfflineSwaggerPlugin(path="/")],
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", description="API token")}
        ),
        security=[{"bearer": []}],
        use_handler_docstrings=False,
    )


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar leaves ``forbid_unknown_fields`` out of the schema; say it (``additionalProperties:
    false``), so clients and schemathesis know an unknown field is refused, as it is."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        if (
            getattr(field_definition.type_, "__struct_config__", None)
            and field_definition.type_.__struct_config__.forbid_unknown_fields
        ):
            schema.additional_properties = False
        return schema
