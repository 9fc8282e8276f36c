"""The Jinja environment both faces share, and ``page()``: a full page, or only its named block for htmx."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import MediaType, Request
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template

from domain.expedite.services import EXPEDITABLE
from domain.feedback.services import RATEABLE
from web import i18n, labels
from web.auth import return_path
from web.flash import pop_flashes

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"


def _query(request: Request[Any, Any, Any], **changes: Any) -> str:
    """The current query string with some parameters changed (for sort links and pagers)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return "?" + urlencode(params) if params else "?"


def _static_version() -> str:
    """A content hash of our own CSS and JS: a deploy changes the URLs, so they may be cached for good
    (web.static_cache). Every file counts, not only app.*: a page may link any of them with ``?v=``."""
    digest = hashlib.sha256()
    static = TEMPLATES_DIR.parent / "static"
    for path in sorted([*static.glob("css/*.css"), *static.glob("js/*.js")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: i18n._catalog().gettext(s),
        ngettext=lambda s, p, n: i18n._catalog().ngettext(s, p, n),
        newstyle=True,
    )
    env.filters.update(
        date=i18n.fmt_date,
        datetime=i18n.fmt_datetime,
        money=i18n.fmt_money,
        qty=i18n.fmt_qty,
        status_label=lambda c: labels.label(labels.STATUS, c),
        stage_label=lambda c: labels.label(labels.STAGE, c),
        action_label=lambda c: labels.label(labels.ACTION, c),
        role_label=lambda c: labels.label(labels.ROLE, c),
        channel_label=lambda c: labels.label(labels.CHANNEL, c),
        expedite_label=lambda c: labels.label(labels.EXPEDITE, c),
        expedite_tone=lambda c: labels.EXPEDITE_TONE.get(c, "neutral"),
        outcome_label=lambda c: labels.label(labels.OUTCOME, c),
        msg=i18n.translate,
    )
    env.globals.update(
        current_locale=i18n.current_locale,
        locales=i18n.LOCALES,
        locale_name=i18n.locale_display_name,
        status_tone=lambda c: labels.STATUS_TONE.get(c, "neutral"),
        stage_tone=lambda c: labels.STAGE_TONE.get(c, "neutral"),
        action_tone=lambda c: labels.ACTION_TONE.get(c, "primary"),
        # 催 / 评 offered on an order page: the domain's rules, not the template's.
        expeditable=lambda status: status in EXPEDITABLE,
        rateable=lambda status: status in RATEABLE,
        query=_query,
        return_path=return_path,
        pop_flashes=pop_flashes,
        static_version=_static_version(),
    )
    return env


def template_engine() -> JinjaTemplateEngine:
    return JinjaTemplateEngine.from_environment(build_environment())


def is_fragment_request(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def page(
    request: Request[Any, Any, Any],
    template: str,
    context: dict[str, Any],
    *,
    block: str | None = None,
    status_code: int = 200,
) -> Template:
    """Render ``template``; when htmx asks (and ``block`` is named) only that block.

    ``Vary: HX-Request`` keeps caches from serving a fragment where a page was asked for. The media type
    is set here because handlers that may also redirect are annotated ``Any``, and Litestar would
    otherwise label the page ``application/json`` (a failed sign-in showed as source text).
    """
    headers = {"Vary": "HX-Request", "Cache-Control": "no-store"}
    if block and is_fragment_request(request):
        return HTMXBlockTemplate(
            template_name=template,
            block_name=block,
            context=context,
            status_code=status_code,
            headers=headers,
            media_type=MediaType.HTML,
        )
    return Template(
        template_name=template,
        context=context,
        status_code=status_code,
        headers=headers,
        media_type=MediaType.HTML,
    )
