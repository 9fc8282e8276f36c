"""The translation catalogs keep up with the code: every UI string extracted today is in both catalogs,
zh_CN (the default UI language) translates all of it, and no translation loses or invents a placeholder.

The extraction runs in-process with the same settings as `make extract-messages` (babel.cfg, the default
gettext keywords plus ``N_`` and ``ngettext:1,2``), so a string added to a template or a Python file and
not yet extracted and translated fails here. Fix with `make extract-messages`, then translate in
translations/zh_CN/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from web import i18n

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
# The Makefile's `pybabel extract -k N_ -k ngettext:1,2`: added to the default keywords.
KEYWORDS = {**DEFAULT_KEYWORDS, **parse_keywords(["N_", "ngettext:1,2"])}

# One printf conversion: %(name)s, %s, %d, %.2f, %% ...
CONVERSION = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def _extract() -> Catalog:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, filename=str(ROOT / "babel.cfg"))
    catalog = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def _read(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=locale)


def _entries(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def _key(message: Message) -> tuple[str, str | None]:
    singular = message.id[0] if isinstance(message.id, (list, tuple)) else message.id
    return singular, message.context


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


def _conversions(text: str) -> set[str]:
    return set(CONVERSION.findall(text))


def _stray_percent(text: str) -> bool:
    """A ``%`` that is no conversion: Jinja's newstyle gettext %-formats every string, so it would break."""
    return "%" in CONVERSION.sub("", text)


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    catalog = _extract()
    assert len(list(_entries(catalog))) > 50, "the extraction found suspiciously few strings"
    return catalog


@pytest.fixture(scope="module")
def zh() -> Catalog:
    return _read("zh_CN")


@pytest.fixture(scope="module")
def en() -> Catalog:
    return _read("en")


def _missing(extracted: Catalog, catalog: Catalog) -> list[str]:
    present = {_key(message): message for message in _entries(catalog)}
    missing = []
    for message in _entries(extracted):
        found = present.get(_key(message))
        if found is None or _ids(found) != _ids(message):
            missing.append(" / ".join(_ids(message)))
    return sorted(missing)


# --- (a) and (d): every string in the code is in both catalogs ---


def test_zh_cn_catalog_has_every_extracted_msgid(extracted: Catalog, zh: Catalog) -> None:
    missing = _missing(extracted, zh)
    assert not missing, f"not in zh_CN/messages.po (run `make extract-messages` and translate): {missing}"


def test_en_catalog_has_every_extracted_msgid(extracted: Catalog, en: Catalog) -> None:
    missing = _missing(extracted, en)
    assert not missing, f"not in en/messages.po (run `make extract-messages`): {missing}"


# --- (b): zh_CN translates everything, and nothing is left fuzzy ---


def test_zh_cn_catalog_is_fully_translated(zh: Catalog) -> None:
    assert zh.num_plurals == 1, "Chinese has a single plural form"
    untranslated = [
        " / ".join(_ids(message))
        for message in _entries(zh)
        if not _strings(message) or not all(s.strip() for s in _strings(message))
    ]
    assert not untranslated, f"untranslated in zh_CN: {untranslated}"


def test_zh_cn_catalog_has_no_fuzzy_entries(zh: Catalog) -> None:
    assert not zh.fuzzy, "the zh_CN catalog header is marked fuzzy"
    fuzzy = [" / ".join(_ids(message)) for message in _entries(zh) if message.fuzzy]
    assert not fuzzy, f"fuzzy in zh_CN (review the translation, then drop the flag): {fuzzy}"


# --- (c): translations keep the placeholders of their msgid ---


def _placeholder_problems(catalog: Catalog) -> list[str]:
    problems = []
    for message in _entries(catalog):
        expected = set().union(*(_conversions(msgid) for msgid in _ids(message)))
        for index, text in enumerate(_strings(message)):
            if not text:
                continue  # untranslated: gettext falls back to the msgid
            if _conversions(text) != expected:
                problems.append(
                    f"{_ids(message)[0]!r} [{index}]: {sorted(_conversions(text))} != {sorted(expected)}"
                )
            elif _stray_percent(text) and not any(_stray_percent(msgid) for msgid in _ids(message)):
                problems.append(f"{_ids(message)[0]!r} [{index}]: a lone % in {text!r} (write %%)")
    return problems


def test_zh_cn_placeholders_match_msgid(zh: Catalog) -> None:
    problems = _placeholder_problems(zh)
    assert not problems, "placeholders differ between msgid and msgstr in zh_CN:\n" + "\n".join(problems)


def test_en_placeholders_match_msgid(en: Catalog) -> None:
    problems = _placeholder_problems(en)
    assert not problems, "placeholders differ between msgid and msgstr in en:\n" + "\n".join(problems)


# --- (e): the compiled catalogs, as web.i18n reads them ---


@pytest.fixture
def compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zh: Catalog, en: Catalog) -> None:
    """Compile both .po files like `make translations` (fuzzy included) into a temp dir and hand them to
    web.i18n, so the test needs no prior build and never touches translations/*.mo."""
    catalogs = {}
    for locale, catalog in (("zh_CN", zh), ("en", en)):
        mo = tmp_path / locale / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True)
        with mo.open("wb") as out:
            write_mo(out, catalog, use_fuzzy=True)
        catalogs[locale] = Translations.load(str(tmp_path), [locale])
        assert isinstance(catalogs[locale], Translations), f"{mo} did not load"
    monkeypatch.setattr(i18n, "_catalogs", catalogs)


def _in_locale(locale: str, func: Callable[..., str], *args: Any, **kwargs: Any) -> str:
    """Run in a copied context so the locale set here never leaks into other tests."""

    def run() -> str:
        i18n.set_locale(locale)
        return func(*args, **kwargs)

    return contextvars.copy_context().run(run)


@pytest.mark.usefixtures("compiled")
def test_web_i18n_translates_into_chinese() -> None:
    assert _in_locale("zh_CN", i18n.gettext, "Orders") == "订单"
    assert _in_locale("zh_CN", i18n.gettext, "Ready to ship") == "待发货"
    assert (
        _in_locale("zh_CN", i18n.gettext, "Order %(order_no)s submitted.", order_no="SO-1")
        == "订单 SO-1 已提交。"
    )
    assert _in_locale("zh_CN", i18n.ngettext, "%(num)s line", "%(num)s lines", 3) == "3 条明细"


@pytest.mark.usefixtures("compiled")
def test_web_i18n_keeps_english_in_en() -> None:
    assert _in_locale("en", i18n.gettext, "Orders") == "Orders"
    assert _in_locale("en", i18n.gettext, "Ready to ship") == "Ready to ship"
    assert (
        _in_locale("en", i18n.gettext, "Order %(order_no)s submitted.", order_no="SO-1")
        == "Order SO-1 submitted."
    )
    assert _in_locale("en", i18n.ngettext, "%(num)s line", "%(num)s lines", 1) == "1 line"
    assert _in_locale("en", i18n.ngettext, "%(num)s line", "%(num)s lines", 3) == "3 lines"


@pytest.mark.usefixtures("compiled")
def test_every_zh_cn_entry_reads_back_from_the_compiled_catalog(zh: Catalog) -> None:
    wrong = []
    for message in _entries(zh):
        if isinstance(message.id, (list, tuple)):
            got = _in_locale("zh_CN", lambda m=message: i18n._catalog().ngettext(m.id[0], m.id[1], 2))
        else:
            got = _in_locale("zh_CN", lambda m=message: i18n._catalog().gettext(m.id))
        if got != _strings(message)[0]:
            wrong.append(f"{_ids(message)[0]!r}: {got!r}")
    assert not wrong, f"compiled zh_CN catalog disagrees with the .po: {wrong}"
