"""The stored documents follow the W3C Web Annotation model; regions and text are checked before."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from domain.annotations import w3c
from domain.errors import ValidationFailed

WHEN = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)


def _doc(regions: list[str]) -> dict:
    return w3c.annotation_document(
        annotation_id=w3c.new_id(), photo_id=42, regions=w3c.parse_regions(regions), text="毛刺 <b>", language="zh",
        creator_name="C001 qe", created=WHEN,
    )  # fmt: skip


def test_annotation_has_the_model_fields() -> None:
    doc = _doc(["10,20,30,15.5"])
    assert doc["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert doc["type"] == "Annotation"
    assert doc["id"].startswith("urn:uuid:")
    assert doc["motivation"] == "commenting"
    assert doc["body"] == {
        "type": "TextualBody",
        "value": "毛刺 <b>",
        "format": "text/plain",
        "language": "zh",
    }
    assert doc["target"] == {
        "source": "urn:orderpulse:photo:42",
        "selector": {
            "type": "FragmentSelector",
            "conformsTo": "http://www.w3.org/TR/media-frags/",
            "value": "xywh=percent:10,20,30,15.5",
        },
    }
    assert doc["creator"] == {"type": "Person", "name": "C001 qe"}
    assert doc["created"] == "2026-03-04T05:06:07Z"
    assert json.loads(json.dumps(doc)) == doc  # plain JSON: stores and exports as is


def test_several_regions_make_a_list_of_targets_on_the_same_photo() -> None:
    doc = _doc(["0,0,50,50", "50,50,50,50"])
    assert isinstance(doc["target"], list)
    assert [t["selector"]["value"] for t in doc["target"]] == [
        "xywh=percent:0,0,50,50",
        "xywh=percent:50,50,50,50",
    ]
    assert {t["source"] for t in doc["target"]} == {"urn:orderpulse:photo:42"}
    assert w3c.regions_of(doc) == w3c.parse_regions(["0,0,50,50", "50,50,50,50"])


def test_reply_targets_the_annotation() -> None:
    reply = w3c.reply_document(annotation_iri="urn:uuid:abc", text="已处理", language="zh", creator_name="班长",
                               created=WHEN)  # fmt: skip
    assert reply["motivation"] == "replying"
    assert reply["target"] == "urn:uuid:abc"
    assert reply["body"]["value"] == "已处理"
    assert reply["@context"] == w3c.CONTEXT
    assert reply["type"] == "Annotation"


def test_region_edges_inside_the_photo_are_accepted_and_rounded() -> None:
    assert w3c.parse_region("0,0,100,100") == w3c.Region(Decimal(0), Decimal(0), Decimal(100), Decimal(100))
    assert w3c.parse_region(" 99.99 , 0 , 0.01 , 100 ").fragment == "xywh=percent:99.99,0,0.01,100"
    assert w3c.parse_region("12.3456,1,2,3").x == Decimal("12.35")


@pytest.mark.parametrize(
    "raw",
    [
        "-1,0,10,10",  # left of the photo
        "0,-0.5,10,10",  # above
        "95,0,10,10",  # x + w > 100
        "0,95,10,10",  # y + h > 100
        "10,10,0,10",  # no width
        "10,10,10,-5",  # negative height
        "101,0,1,1",
    ],
)
def test_regions_outside_the_photo_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        w3c.parse_region(raw)
    assert err.value.errors["regions"] == w3c.MSG_REGION_OUTSIDE


@pytest.mark.parametrize(
    "raw",
    ["a,b,c,d", "1,2,3", "1,2,3,4,5", "NaN,1,1,1", "Infinity,0,1,1", "1e400,0,1,1", "", "1;2;3;4",
     "1,2,3,'; DROP TABLE annotations; --", "9" * 40 + ",0,1,1"],
)  # fmt: skip
def test_regions_that_are_not_four_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        w3c.parse_region(raw)
    assert err.value.errors["regions"] in (w3c.MSG_REGION_NOT_NUMBERS, w3c.MSG_REGION_OUTSIDE)
    if raw != "1e400,0,1,1":
        assert err.value.errors["regions"] == w3c.MSG_REGION_NOT_NUMBERS


def test_region_count_limits() -> None:
    with pytest.raises(ValidationFailed) as err:
        w3c.parse_regions(["", "  "])
    assert err.value.errors["regions"] == w3c.MSG_NO_REGION
    with pytest.raises(ValidationFailed) as err:
        w3c.parse_regions(["0,0,1,1"] * (w3c.MAX_REGIONS + 1))
    assert err.value.errors["regions"] == w3c.MSG_TOO_MANY_REGIONS
    assert len(w3c.parse_regions(["0,0,1,1"] * w3c.MAX_REGIONS)) == w3c.MAX_REGIONS


def test_text_is_kept_as_given_within_limits() -> None:
    assert w3c.clean_text("  <script>alert(1)</script>\r\n第二行 ") == "<script>alert(1)</script>\n第二行"
    with pytest.raises(ValidationFailed) as err:
        w3c.clean_text(" \n ")
    assert err.value.errors["text"] == w3c.MSG_TEXT_EMPTY
    with pytest.raises(ValidationFailed) as err:
        w3c.clean_text("x" * (w3c.MAX_TEXT + 1))
    assert err.value.errors["text"].params == {"max": w3c.MAX_TEXT, "length": w3c.MAX_TEXT + 1}


def test_annotation_page_wraps_documents() -> None:
    docs = [_doc(["0,0,1,1"]), _doc(["1,1,1,1"])]
    page = w3c.annotation_page("https://example/p", docs)
    assert page["@context"] == w3c.CONTEXT
    assert page["type"] == "AnnotationPage"
    assert page["items"] == docs
    assert page["startIndex"] == 0
