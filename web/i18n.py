"""Per-request language: a ContextVar set by middleware, read by gettext and the Babel formatters."""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from babel.support import NullTranslations, Translations
from litestar.types import ASGIApp, Receive, Scope, Send

from domain.base import SHANGHAI
from domain.i18n import Msg

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LANG_COOKIE = "op_lang"
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"

_current: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)
_catalogs: dict[str, NullTranslations] = {}


def load_catalogs() -> None:
    for locale in LOCALES:
        # Translations.load falls back to NullTranslations when the .mo is missing (not compiled yet):
        # English msgids then still read correctly.
        _catalogs[locale] = Translations.load(str(TRANSLATIONS_DIR), [locale])


def current_locale() -> str:
    return _current.get()


def set_locale(locale: str) -> None:
    _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


def _catalog() -> NullTranslations:
    if not _catalogs:
        load_catalogs()
    return _catalogs[_current.get()]


def gettext(message: str, **params: Any) -> str:
    text = _catalog().gettext(message)
    return text % params if params else text


def ngettext(singular: str, plural: str, n: int, **params: Any) -> str:
    text = _catalog().ngettext(singular, plural, n)
    return text % {"num": n, **params}


def translate(message: str | Msg) -> str:
    """Translate a domain message id with its parameters."""
    params = getattr(message, "params", None) or {}
    return gettext(str(message), **params)


def negotiate(cookie: str | None, accept_language: str | None) -> str:
    if cookie in LOCALES:
        return cookie  # type: ignore[return-value]
    # Accept-Language lists tags with optional weights ("en-US,en;q=0.9,zh;q=0.8"): best weight wins.
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0
        ranked.append((-weight, position, tag.strip().lower()))
    for negative_weight, _, tag in sorted(ranked):
        if negative_weight >= 0:
            break  # q=0 means "not this one"
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LOCALE


def locale_of(scope: Scope) -> str:
    """The language of a request: the user's switch (cookie), then Accept-Language, then zh_CN."""
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
    cookie = None
    for chunk in headers.get("cookie", "").split(";"):
        name, _, value = chunk.strip().partition("=")
        if name == LANG_COOKIE:
            cookie = value
    return negotiate(cookie, headers.get("accept-language"))


class LocaleMiddleware:
    """Sets the language of this request (``locale_of``) for gettext and the formatters."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            token = _current.set(locale_of(scope))
            try:
                await self.app(scope, receive, send)
            finally:
                _current.reset(token)
        else:
            await self.app(scope, receive, send)


# --- Formatting in the reader's locale; times shown in Asia/Shanghai whatever the server's zone. ---


def fmt_date(value: dt.date | None, form: str = "medium") -> str:
    return format_date(value, form, locale=_current.get()) if value else "—"


def fmt_datetime(value: dt.datetime | None, form: str = "short") -> str:
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_datetime(value.astimezone(SHANGHAI), form, tzinfo=SHANGHAI, locale=_current.get())


def fmt_money(value: Decimal | None, currency: str = "CNY") -> str:
    return format_currency(value or 0, currency, locale=_current.get())


def fmt_qty(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.###", locale=_current.get())


def locale_display_name(locale: str) -> str:
    return Locale.parse(locale).get_display_name(locale) or locale
