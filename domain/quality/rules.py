"""The inspection rules, in one place and free of the database: reading a number a person typed,
the verdict of a characteristic and of the whole inspection, the inspection's state machine and who
may move it.

Verdicts use Decimal arithmetic on the exact digits entered: 10.05 is inside 10 ± 0.05, which a
float comparison would not promise.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from domain.errors import Forbidden, InvalidTransition
from domain.i18n import N_
from domain.parties.roles import StaffRole as R

MAX_CHARACTERISTICS = 200
MAX_SAMPLES = 50
# Numeric(14, 4): ten digits before the point, four after.
MAX_ABS = Decimal("9999999999")
MAX_PLACES = 4


class InspectionStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    PUBLISHED = "published"


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105  (a verdict, not a password)
    FAIL = "fail"


# Who records and moves inspections; who may only read them.
QC_ROLES = frozenset({R.QC, R.ADMIN})
READ_ROLES = QC_ROLES | {R.PMC, R.SALES, R.SALES_MANAGER}
# Who hears of a nonconformance and may close it.
NC_NOTIFY_ROLES = frozenset({R.PMC, R.SALES})
NC_CLOSE_ROLES = frozenset({R.QC, R.PMC, R.ADMIN})


def may_read(roles: Iterable[str]) -> bool:
    return not READ_ROLES.isdisjoint(roles)


def may_record(roles: Iterable[str]) -> bool:
    return not QC_ROLES.isdisjoint(roles)


def authorize_read(roles: Iterable[str]) -> None:
    if not may_read(roles):
        raise Forbidden("quality")


def authorize_record(roles: Iterable[str]) -> None:
    if not may_record(roles):
        raise Forbidden("quality: record")


# --- the state machine -------------------------------------------------------------------------------

S = InspectionStatus
# action → (from, to). "reject" sends a submitted inspection back to its inspector for correction.
TRANSITIONS: dict[str, tuple[InspectionStatus, InspectionStatus]] = {
    "submit": (S.DRAFT, S.SUBMITTED),
    "reject": (S.SUBMITTED, S.DRAFT),
    "approve": (S.SUBMITTED, S.APPROVED),
    "publish": (S.APPROVED, S.PUBLISHED),
}
ACTIONS = tuple(TRANSITIONS)


def target_of(action: str, status: str) -> InspectionStatus:
    if action not in TRANSITIONS:
        raise InvalidTransition(action, status)
    source, target = TRANSITIONS[action]
    if status != source:
        raise InvalidTransition(action, status)
    return target


def check_may(action: str, *, roles: Iterable[str], actor_id: int | None, inspector_id: int | None) -> None:
    """Only QC staff (or an admin) move inspections; approving and rejecting need a second person, so
    nobody signs off their own measurements (four eyes, admin included)."""
    authorize_record(roles)
    if action in ("approve", "reject") and actor_id is not None and actor_id == inspector_id:
        raise Forbidden("quality: approve own inspection")


def available_actions(status: str, *, roles: Iterable[str], actor_id: int | None,
                      inspector_id: int | None) -> list[str]:  # fmt: skip
    out = []
    for action, (source, _) in TRANSITIONS.items():
        if status != source:
            continue
        try:
            check_may(action, roles=roles, actor_id=actor_id, inspector_id=inspector_id)
        except Forbidden:
            continue
        out.append(action)
    return out


# --- numbers as people type them ---------------------------------------------------------------------


class NotANumber(ValueError):
    """The text is not a decimal number this app can store (message id in ``args[0]``)."""


def parse_decimal(raw: object) -> Decimal:
    """A number from a form field or a spreadsheet cell. Full-width digits and signs (１２．５, －0.1)
    are folded by NFKC, a decimal comma is not guessed at (1,5 is refused, not read as 15)."""
    if raw is None:
        raise NotANumber(N_("A number is required."))
    if isinstance(raw, bool):
        raise NotANumber(N_("Not a number."))
    if isinstance(raw, int | Decimal):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))  # the digits Excel showed, not the binary expansion
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
        text = text.replace("−", "-")  # U+2212 MINUS SIGN, which NFKC leaves alone
        if not text:
            raise NotANumber(N_("A number is required."))
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise NotANumber(N_("Not a number.")) from None
    if not value.is_finite():
        raise NotANumber(N_("Not a number."))
    if abs(value) > MAX_ABS:
        raise NotANumber(N_("Number too large."))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_PLACES and value != value.quantize(Decimal("1e-4")):
        raise NotANumber(N_("At most 4 decimal places."))
    return value


def parse_tolerance(lower_raw: object, upper_raw: object) -> tuple[Decimal, Decimal]:
    """Lower and upper deviation from nominal, signed as on the drawing (-0.05 / +0.10). "±0.05" (or
    "+/-0.05") in either cell with the other empty means symmetric. An empty band (lower not below
    upper) is refused: it is nearly always a lower deviation typed without its minus sign."""
    lower_text = _text(lower_raw)
    upper_text = _text(upper_raw)
    for text, other in ((lower_text, upper_text), (upper_text, lower_text)):
        if text.startswith(("±", "+/-", "+-")) and not other:
            amount = parse_decimal(text.removeprefix("±").removeprefix("+/-").removeprefix("+-"))
            if amount <= 0:
                raise NotANumber(N_("The tolerance must be greater than zero."))
            return -amount, amount
    lower = parse_decimal(lower_raw)
    upper = parse_decimal(upper_raw)
    if lower >= upper:
        raise NotANumber(N_("The lower tolerance must be below the upper tolerance."))
    return lower, upper


def _text(raw: object) -> str:
    if raw is None:
        return ""
    return unicodedata.normalize("NFKC", str(raw)).strip()


# --- verdicts ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    nominal: Decimal
    lower_tol: Decimal
    upper_tol: Decimal

    @property
    def low(self) -> Decimal:
        return self.nominal + self.lower_tol

    @property
    def high(self) -> Decimal:
        return self.nominal + self.upper_tol

    def accepts(self, value: Decimal) -> bool:
        """Inclusive at both limits: a value on the limit is in tolerance."""
        return self.low <= value <= self.high


def characteristic_verdict(spec: Spec, values: Sequence[Decimal]) -> Verdict | None:
    """Pass when every sample is within the limits; None when nothing was measured yet."""
    if not values:
        return None
    return Verdict.PASS if all(spec.accepts(v) for v in values) else Verdict.FAIL


def overall_verdict(verdicts: Sequence[Verdict | None]) -> Verdict | None:
    """Fail if any characteristic fails; None (cannot submit) while any has no measurement or there are
    no characteristics at all."""
    if not verdicts or any(v is None for v in verdicts):
        return None
    return Verdict.FAIL if Verdict.FAIL in verdicts else Verdict.PASS
