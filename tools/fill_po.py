"""Fill empty translations after ``make extract-messages``: English gets msgstr = msgid, Chinese comes
from a JSON file mapping msgid → translation. Prints what is still untranslated.

    .venv/bin/python tools/fill_po.py my-strings.zh.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def main(zh_file: str | None) -> None:
    zh = json.loads(Path(zh_file).read_text(encoding="utf-8")) if zh_file else {}
    for locale in ("zh_CN", "en"):
        path = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        for message in catalog:
            if message.id and not message.string:
                if locale == "en":
                    message.string = message.id
                elif isinstance(message.id, str) and message.id in zh:
                    message.string = zh[message.id]
        with path.open("wb") as fh:
            write_po(fh, catalog, sort_output=True, include_previous=False)
        print(locale, "untranslated:", [m.id for m in catalog if m.id and not m.string])


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
