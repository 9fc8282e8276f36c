"""The expedite request's states and moves, in one table.

open ──answer(accepted)──▶ accepted        (new promised date set at once)
open ──answer(declined)──▶ declined
open ──answer(partial)───▶ offered ──choose──▶ agreed    (the alternative becomes the plan)
                                   └─reject──▶ closed
open / offered ──withdraw──▶ withdrawn     (the customer no longer needs it)
"""

from __future__ import annotations

from enum import StrEnum

from domain.errors import InvalidTransition


class State(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    OFFERED = "offered"
    AGREED = "agreed"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    PARTIAL = "partial"
    DECLINED = "declined"


MOVES: dict[tuple[str, State], State | None] = {
    # (action, from) → to; "answer" goes where its outcome says (None here)
    ("answer", State.OPEN): None,
    ("choose", State.OFFERED): State.AGREED,
    ("reject", State.OFFERED): State.CLOSED,
    ("withdraw", State.OPEN): State.WITHDRAWN,
    ("withdraw", State.OFFERED): State.WITHDRAWN,
}
ANSWER_TARGET = {
    Outcome.ACCEPTED: State.ACCEPTED,
    Outcome.PARTIAL: State.OFFERED,
    Outcome.DECLINED: State.DECLINED,
}
ACTIVE = frozenset({State.OPEN, State.OFFERED})


def target(action: str, current: str, outcome: Outcome | None = None) -> State:
    key = (action, State(current))
    if key not in MOVES:
        raise InvalidTransition(action, current)
    to = MOVES[key]
    if to is None:
        if outcome is None:
            raise InvalidTransition(action, current)
        return ANSWER_TARGET[outcome]
    return to
