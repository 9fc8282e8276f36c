"""What a customer may see of the lifecycle: fewer, plainer stages than the factory's statuses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from domain.orders.lifecycle import Status as S


class Stage(StrEnum):
    RECEIVED = "received"
    CONFIRMED = "confirmed"
    PRODUCTION = "production"
    INSPECTION = "inspection"
    PREPARING_SHIPMENT = "preparing_shipment"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


CUSTOMER_PATH: tuple[Stage, ...] = (
    Stage.RECEIVED, Stage.CONFIRMED, Stage.PRODUCTION, Stage.INSPECTION,
    Stage.PREPARING_SHIPMENT, Stage.SHIPPED, Stage.DELIVERED, Stage.COMPLETED,
)  # fmt: skip

_STAGE_OF: dict[S, Stage] = {
    S.DRAFT: Stage.RECEIVED,
    S.SUBMITTED: Stage.RECEIVED,
    S.CONFIRMED: Stage.CONFIRMED,
    S.IN_PRODUCTION: Stage.PRODUCTION,
    S.QC: Stage.INSPECTION,
    S.READY_TO_SHIP: Stage.PREPARING_SHIPMENT,
    S.PICKING: Stage.PREPARING_SHIPMENT,
    S.SHIPPED: Stage.SHIPPED,
    S.DELIVERED: Stage.DELIVERED,
    # Invoicing is the factory's business; to the customer the order is simply complete.
    S.INVOICED: Stage.COMPLETED,
    S.CLOSED: Stage.COMPLETED,
    S.ON_HOLD: Stage.ON_HOLD,
    S.CANCELLED: Stage.CANCELLED,
}

# Statuses a customer filter chip stands for (the portal filters by stage, the database by status).
STATUSES_OF_STAGE: dict[Stage, tuple[S, ...]] = {}
for _status, _stage in _STAGE_OF.items():
    STATUSES_OF_STAGE.setdefault(_stage, ())
    STATUSES_OF_STAGE[_stage] += (_status,)

# Drafts are the rep's working copies; the customer sees an order once it is submitted.
HIDDEN_FROM_CUSTOMER = frozenset({S.DRAFT})


def stage_of(status: S | str) -> Stage:
    return _STAGE_OF[S(status)]


@dataclass(frozen=True)
class StageStep:
    stage: Stage
    state: str  # "done" | "current" | "upcoming" | "halted" (where it stopped) | "stopped" (paused/cancelled)
    reached_at: dt.datetime | None


class _EventLike(Protocol):
    to_status: str | None
    created_at: dt.datetime


def customer_progress(status: str, events: Sequence[_EventLike]) -> list[StageStep]:
    """The customer's timeline: each stage of the customer path with when it was first reached.

    Staff names and comments stay out: they are internal notes, not messages to the customer.
    """
    reached: dict[Stage, dt.datetime] = {}  # first time: when the order got that far
    latest: dict[Stage, dt.datetime] = {}  # last time: since when it is paused or cancelled
    last_path_stage: Stage | None = None
    for event in events:
        # The rep's draft is not the customer's business: the order was received when it was submitted.
        if not event.to_status or event.to_status in HIDDEN_FROM_CUSTOMER:
            continue
        stage = stage_of(event.to_status)
        reached.setdefault(stage, event.created_at)
        latest[stage] = event.created_at
        if stage in CUSTOMER_PATH:
            last_path_stage = stage
    current = stage_of(status)
    steps: list[StageStep] = []
    anchor = current if current in CUSTOMER_PATH else last_path_stage
    anchor_index = CUSTOMER_PATH.index(anchor) if anchor else -1
    for i, stage in enumerate(CUSTOMER_PATH):
        if i < anchor_index:
            state = "done"
        elif i == anchor_index:
            if current not in CUSTOMER_PATH:
                # Paused or cancelled while at this stage: reached, but not finished.
                state = "halted"
            else:
                state = "current" if current != Stage.COMPLETED else "done"
        else:
            state = "upcoming"
        steps.append(StageStep(stage, state, reached.get(stage) if state != "upcoming" else None))
    if current not in CUSTOMER_PATH:
        steps.insert(anchor_index + 1, StageStep(current, "stopped", latest.get(current)))
        if current == Stage.CANCELLED:
            steps = [s for s in steps if s.state != "upcoming"]
    return steps
