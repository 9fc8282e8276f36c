"""Message ids for rules the domain reports. Translated late, by the web layer, in the reader's language."""

from __future__ import annotations

from typing import Any


def N_(msgid: str) -> str:
    return msgid


class Msg(str):
    """A message id with its named parameters (``%(name)s`` placeholders)."""

    params: dict[str, Any]

    def __new__(cls, msgid: str, **params: Any) -> Msg:
        obj = super().__new__(cls, msgid)
        obj.params = params
        return obj
