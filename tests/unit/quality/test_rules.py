"""The verdict rules: limits inclusive, Decimal exact, numbers as people type them, four eyes."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from domain.errors import Forbidden, InvalidTransition
from domain.quality import rules
from domain.quality.rules import NotANumber, Spec, Verdict, characteristic_verdict, overall_verdict

SPEC = Spec(D("20"), D("-0.05"), D("0.05"))


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("19.95", True),  # exactly on the lower limit
        ("20.05", True),  # exactly on the upper limit
        ("20", True),
        ("19.9499", False),
        ("20.0501", False),
        ("20.050", True),  # trailing zero, same number
    ],
)
def test_limits_are_inclusive_and_exact(value: str, ok: bool) -> None:
    assert SPEC.accepts(D(value)) is ok
    assert characteristic_verdict(SPEC, [D(value)]) == (Verdict.PASS if ok else Verdict.FAIL)


def test_float_trap_is_not_a_trap_with_decimal() -> None:
    # 0.1 + 0.2 > 0.3 in binary floating point; here the limit 0.3 is met exactly.
    spec = Spec(D("0.1"), D("-0.1"), D("0.2"))
    assert spec.high == D("0.3")
    assert spec.accepts(rules.parse_decimal(0.3))


def test_asymmetric_tolerance_band() -> None:
    spec = Spec(D("10"), D("0.02"), D("0.10"))  # +0.02 / +0.10: the nominal itself is out
    assert characteristic_verdict(spec, [D("10")]) == Verdict.FAIL
    assert characteristic_verdict(spec, [D("10.02"), D("10.1")]) == Verdict.PASS


def test_one_bad_sample_fails_the_characteristic() -> None:
    assert characteristic_verdict(SPEC, [D("20"), D("20.01"), D("20.06")]) == Verdict.FAIL


def test_no_samples_means_no_verdict() -> None:
    assert characteristic_verdict(SPEC, []) is None


def test_overall_verdict() -> None:
    assert overall_verdict([Verdict.PASS, Verdict.PASS]) == Verdict.PASS
    assert overall_verdict([Verdict.PASS, Verdict.FAIL]) == Verdict.FAIL
    assert overall_verdict([Verdict.PASS, None]) is None  # something unmeasured: cannot submit
    assert overall_verdict([]) is None  # nothing to inspect: cannot submit


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("１２．５", D("12.5")), ("－0.05", D("-0.05")), ("−0.05", D("-0.05")), (" 3 ", D("3")), (20, D("20")),
     (20.01, D("20.01")), (D("1.2345"), D("1.2345"))],
)  # fmt: skip
def test_parse_decimal_accepts(raw: object, expected: D) -> None:
    assert rules.parse_decimal(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [("abc", "Not a number."), ("1,5", "Not a number."), ("", "A number is required."), (None, "A number is required."),
     ("NaN", "Not a number."), ("Infinity", "Not a number."), ("1e20", "Number too large."),
     ("1.23456", "At most 4 decimal places."), (True, "Not a number."), ("1; DROP TABLE x", "Not a number.")],
)  # fmt: skip
def test_parse_decimal_refuses(raw: object, message: str) -> None:
    with pytest.raises(NotANumber) as err:
        rules.parse_decimal(raw)
    assert err.value.args[0] == message


def test_tolerance_forms() -> None:
    assert rules.parse_tolerance("±0.05", "") == (D("-0.05"), D("0.05"))
    assert rules.parse_tolerance("", "+/-0.1") == (D("-0.1"), D("0.1"))
    assert rules.parse_tolerance("-0.02", "+0.08") == (D("-0.02"), D("0.08"))
    with pytest.raises(NotANumber):
        rules.parse_tolerance("0.05", "0.05")  # lower typed without its minus: an empty band
    with pytest.raises(NotANumber):
        rules.parse_tolerance("0.1", "-0.1")
    with pytest.raises(NotANumber):
        rules.parse_tolerance("±0", "")


def test_state_machine() -> None:
    assert rules.target_of("submit", "draft") == "submitted"
    assert rules.target_of("approve", "submitted") == "approved"
    assert rules.target_of("publish", "approved") == "published"
    assert rules.target_of("reject", "submitted") == "draft"
    with pytest.raises(InvalidTransition):
        rules.target_of("publish", "submitted")
    with pytest.raises(InvalidTransition):
        rules.target_of("approve", "published")
    with pytest.raises(InvalidTransition):
        rules.target_of("delete", "draft")


def test_four_eyes_and_roles() -> None:
    rules.check_may("approve", roles={"qc"}, actor_id=2, inspector_id=1)
    rules.check_may("approve", roles={"admin"}, actor_id=3, inspector_id=1)
    with pytest.raises(Forbidden):
        rules.check_may("approve", roles={"qc"}, actor_id=1, inspector_id=1)
    with pytest.raises(Forbidden):
        rules.check_may("approve", roles={"admin"}, actor_id=1, inspector_id=1)
    with pytest.raises(Forbidden):
        rules.check_may("submit", roles={"pmc"}, actor_id=5, inspector_id=1)
    assert rules.available_actions("submitted", roles={"qc"}, actor_id=1, inspector_id=1) == []
    assert rules.available_actions("submitted", roles={"qc"}, actor_id=2, inspector_id=1) == [
        "reject",
        "approve",
    ]
    assert rules.may_read({"sales"})
    assert not rules.may_record({"sales"})
    assert not rules.may_read({"warehouse"})
