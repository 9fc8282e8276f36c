"""Fill untranslated entries of this checkout's catalogs from other copies of them (e.g. a branch's).

After a merge, take one side's .po files, run ``make extract-messages`` so every msgid of the merged
code is present, then run ``python tools/merge_po.py OTHER_ROOT...`` where each OTHER_ROOT holds a
``translations/`` folder (a worktree, or files written by ``git show branch:path``). Existing
translations here win; empty ones are filled from the others.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent


def _empty(string: object) -> bool:
    """A plural entry's msgstr is a tuple of forms; it is untranslated when every form is empty."""
    return not any(string) if isinstance(string, tuple | list) else not string


def main(others: list[str]) -> None:
    for locale in ("zh_CN", "en"):
        here = ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po"
        with here.open("rb") as fh:
            catalog = read_po(fh, locale=locale)
        filled = 0
        for other in others:
            path = Path(other) / "translations" / locale / "LC_MESSAGES" / "messages.po"
            if not path.exists():
                continue
            with path.open("rb") as fh:
                source = read_po(fh, locale=locale)
            for message in catalog:
                if message.id and _empty(message.string):
                    found = source.get(message.id, message.context)
                    if found is not None and not _empty(found.string):
                        message.string = found.string
                        filled += 1
        with here.open("wb") as fh:
            write_po(fh, catalog, omit_header=False, sort_output=True, include_previous=False)
        missing = sum(1 for m in catalog if m.id and _empty(m.string))
        print(f"{locale}: filled {filled}, still untranslated {missing}")


if __name__ == "__main__":
    main(sys.argv[1:])
