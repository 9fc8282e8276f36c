"""The W3C Web Annotation documents (https://www.w3.org/TR/annotation-model/) and the input rules for
what goes into them: regions as percent media fragments, plain text.

Pure functions: no database, no web. The services call them; the unit tests check the shape against
the model's fields.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from domain.errors import ValidationFailed
from domain.i18n import N_, Msg

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_FRAGMENTS = "http://www.w3.org/TR/media-frags/"

MAX_REGIONS = 5
MAX_TEXT = 2000
MAX_NOTE = 1000
MAX_NUMBER_CHARS = 12  # "12.3456" is plenty; a megabyte of digits is refused before Decimal parses it

MSG_NO_REGION = N_("Draw at least one region on the photo.")
MSG_TOO_MANY_REGIONS = N_("At most %(max)s regions per annotation.")
MSG_REGION_NOT_NUMBERS = N_("Region %(n)s: four numbers are needed (x, y, width, height in %%).")
MSG_REGION_OUTSIDE = N_(
    "Region %(n)s lies outside the photo: x and y from 0 to 100, width and height above 0, "
    "x + width and y + height at most 100."
)
MSG_TEXT_EMPTY = N_("Write a comment.")
MSG_TEXT_TOO_LONG = N_("At most %(max)s characters (this one has %(length)s).")

_HUNDRED = Decimal(100)
_STEP = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Region:
    """A rectangle in percent of the photo's width and height (top-left corner, size)."""

    x: Decimal
    y: Decimal
    w: Decimal
    h: Decimal

    @property
    def fragment(self) -> str:
        return f"xywh=percent:{_fmt(self.x)},{_fmt(self.y)},{_fmt(self.w)},{_fmt(self.h)}"


def _fmt(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _number(text: str) -> Decimal | None:
    text = text.strip()
    if not text or len(text) > MAX_NUMBER_CHARS:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    if not value.is_finite():  # "NaN", "Infinity"
        return None
    if abs(value) > _HUNDRED:  # "1e400" is a number, just far outside; rounding it would overflow
        return value
    return value.quantize(_STEP, rounding=ROUND_HALF_UP)


def parse_region(raw: str | Sequence[Any], n: int = 1, *, field: str = "regions") -> Region:
    """``"x,y,w,h"`` (or four values) → Region; the rectangle must lie inside the photo."""
    parts = raw.split(",") if isinstance(raw, str) else list(raw)
    numbers = [_number(str(p)) for p in parts]
    if len(numbers) != 4 or any(v is None for v in numbers):
        raise ValidationFailed({field: Msg(MSG_REGION_NOT_NUMBERS, n=n)})
    x, y, w, h = (v for v in numbers if v is not None)
    if x < 0 or y < 0 or w <= 0 or h <= 0 or x + w > _HUNDRED or y + h > _HUNDRED:
        raise ValidationFailed({field: Msg(MSG_REGION_OUTSIDE, n=n)})
    return Region(x, y, w, h)


def parse_regions(raws: Iterable[str], *, field: str = "regions") -> list[Region]:
    """Every non-blank region of a form; at least one, at most ``MAX_REGIONS``."""
    items = [r for r in raws if r and r.strip()]
    if not items:
        raise ValidationFailed({field: Msg(MSG_NO_REGION)})
    if len(items) > MAX_REGIONS:
        raise ValidationFailed({field: Msg(MSG_TOO_MANY_REGIONS, max=MAX_REGIONS)})
    return [parse_region(raw, n, field=field) for n, raw in enumerate(items, start=1)]


def clean_text(text: str, *, field: str = "text", limit: int = MAX_TEXT) -> str:
    """Plain text as given (only the ends trimmed): it is stored unchanged and escaped when shown."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise ValidationFailed({field: Msg(MSG_TEXT_EMPTY)})
    if len(text) > limit:
        raise ValidationFailed({field: Msg(MSG_TEXT_TOO_LONG, max=limit, length=len(text))})
    return text


def new_id() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def photo_iri(photo_id: int) -> str:
    """The photo as an IRI. Each face serves it at its own URL, so the stored document names it by a URN
    that neither face's routing can change."""
    return f"urn:orderpulse:photo:{photo_id}"


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _body(text: str, language: str) -> dict[str, Any]:
    return {"type": "TextualBody", "value": text, "format": "text/plain", "language": language}


def _creator(name: str) -> dict[str, Any]:
    return {"type": "Person", "name": name}


def annotation_document(
    *,
    annotation_id: str,
    photo_id: int,
    regions: Sequence[Region],
    text: str,
    language: str,
    creator_name: str,
    created: dt.datetime,
) -> dict[str, Any]:
    """A commenting annotation whose target is the photo, narrowed by one selector per region."""
    targets = [
        {
            "source": photo_iri(photo_id),
            "selector": {"type": "FragmentSelector", "conformsTo": MEDIA_FRAGMENTS, "value": r.fragment},
        }
        for r in regions
    ]
    return {
        "@context": CONTEXT,
        "id": annotation_id,
        "type": "Annotation",
        "motivation": "commenting",
        "body": _body(text, language),
        "target": targets[0] if len(targets) == 1 else targets,
        "creator": _creator(creator_name),
        "created": _iso(created),
    }


def reply_document(
    *, annotation_iri: str, text: str, language: str, creator_name: str, created: dt.datetime
) -> dict[str, Any]:
    """A reply is itself an annotation (motivation ``replying``) whose target is the annotation."""
    return {
        "@context": CONTEXT,
        "id": new_id(),
        "type": "Annotation",
        "motivation": "replying",
        "body": _body(text, language),
        "target": annotation_iri,
        "creator": _creator(creator_name),
        "created": _iso(created),
    }


def regions_of(document: dict[str, Any]) -> list[Region]:
    """The regions back out of a stored document (for drawing them)."""
    target = document.get("target")
    targets = target if isinstance(target, list) else [target]
    regions = []
    for t in targets:
        value = str(((t or {}).get("selector") or {}).get("value", ""))
        if value.startswith("xywh=percent:"):
            regions.append(parse_region(value.removeprefix("xywh=percent:")))
    return regions


def annotation_page(page_id: str, documents: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Stored documents as one W3C AnnotationPage (the Web Annotation Protocol's container page), so a
    customer's own tool can take a photo's annotations and replies as they are."""
    return {
        "@context": CONTEXT,
        "id": page_id,
        "type": "AnnotationPage",
        "startIndex": 0,
        "items": list(documents),
    }
