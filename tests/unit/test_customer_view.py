"""What the customer sees of the lifecycle: plain stages, done / current / upcoming, and stops."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from domain.orders.customer_view import (
    CUSTOMER_PATH,
    HIDDEN_FROM_CUSTOMER,
    STATUSES_OF_STAGE,
    Stage,
    customer_progress,
    stage_of,
)
from domain.orders.lifecycle import Status

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


@dataclass
class Event:
    to_status: str | None
    created_at: dt.datetime


def history(*statuses: str | None) -> list[Event]:
    """One event per status, an hour apart (None: an event that is not a move, e.g. a comment)."""
    return [Event(s, T0 + dt.timedelta(hours=i)) for i, s in enumerate(statuses)]


def states(steps: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(str(s.stage), s.state) for s in steps]


PATH = [str(s) for s in CUSTOMER_PATH]


def test_every_status_has_a_stage_and_every_stage_filter_covers_its_statuses() -> None:
    for status in Status:
        stage = stage_of(status)
        assert status in STATUSES_OF_STAGE[stage]
    assert sorted(s for group in STATUSES_OF_STAGE.values() for s in group) == sorted(Status)
    assert set(HIDDEN_FROM_CUSTOMER) == {"draft"}


def test_a_submitted_order_is_received_and_everything_else_upcoming() -> None:
    steps = customer_progress("submitted", history("draft", "submitted"))
    assert states(steps) == [("received", "current")] + [(s, "upcoming") for s in PATH[1:]]
    # Received when it was submitted: the rep's draft is not the customer's business.
    assert steps[0].reached_at == T0 + dt.timedelta(hours=1)
    assert all(s.reached_at is None for s in steps[1:])


def test_an_order_in_production() -> None:
    events = history("draft", "submitted", "confirmed", "in_production")
    steps = customer_progress("in_production", events)
    assert states(steps) == [
        ("received", "done"),
        ("confirmed", "done"),
        ("production", "current"),
        *[(s, "upcoming") for s in PATH[3:]],
    ]
    assert [s.reached_at for s in steps[:3]] == [e.created_at for e in events[1:]]


def test_a_returned_and_resubmitted_order_was_received_at_its_first_submission() -> None:
    events = history("draft", "submitted", "draft", "submitted", "confirmed")
    steps = customer_progress("confirmed", events)
    assert states(steps)[:2] == [("received", "done"), ("confirmed", "current")]
    assert steps[0].reached_at == events[1].created_at


def test_statuses_that_share_a_stage() -> None:
    events = history("draft", "submitted", "confirmed", "in_production", "qc", "ready_to_ship", "picking")
    steps = customer_progress("picking", events)
    assert states(steps)[4] == ("preparing_shipment", "current")
    assert steps[4].reached_at == events[5].created_at  # first reached at ready_to_ship


def test_a_failed_inspection_goes_back_to_production() -> None:
    events = history("draft", "submitted", "confirmed", "in_production", "qc", "in_production")
    steps = customer_progress("in_production", events)
    assert states(steps)[2:4] == [("production", "current"), ("inspection", "upcoming")]
    assert steps[3].reached_at is None


@pytest.mark.parametrize("status", ["invoiced", "closed"])
def test_invoiced_and_closed_are_simply_completed(status: str) -> None:
    events = history(
        "draft", "submitted", "confirmed", "in_production", "qc", "ready_to_ship", "picking", "shipped",
        "delivered", "invoiced", *(["closed"] if status == "closed" else []),
    )  # fmt: skip
    steps = customer_progress(status, events)
    assert states(steps) == [(s, "done") for s in PATH]
    assert steps[-1].reached_at == events[9].created_at


def test_an_order_on_hold_shows_a_stopped_step_where_it_stopped() -> None:
    events = history("draft", "submitted", "confirmed", "in_production", "on_hold")
    steps = customer_progress("on_hold", events)
    stages = [str(s.stage) for s in steps]
    assert stages == [*PATH[:3], "on_hold", *PATH[3:]]
    assert [s.state for s in steps[:2]] == ["done", "done"]
    # Paused in production: production was reached, not finished — it must not read as done.
    assert (steps[2].state, steps[2].reached_at) == ("halted", events[3].created_at)
    assert (steps[3].state, steps[3].reached_at) == ("stopped", events[4].created_at)
    assert [s.state for s in steps[4:]] == ["upcoming"] * len(PATH[3:])
    assert sum(s.state == "current" for s in steps) == 0


def test_a_second_hold_shows_since_when_it_is_held_now() -> None:
    events = history("draft", "submitted", "confirmed", "on_hold", "confirmed", "on_hold")
    steps = customer_progress("on_hold", events)
    stopped = [s for s in steps if s.state == "stopped"]
    assert len(stopped) == 1
    assert stopped[0].reached_at == events[5].created_at


def test_a_released_order_continues_where_it_was() -> None:
    events = history("draft", "submitted", "confirmed", "on_hold", "confirmed")
    steps = customer_progress("confirmed", events)
    assert states(steps)[:2] == [("received", "done"), ("confirmed", "current")]
    assert all(s.state != "stopped" for s in steps)


def test_a_cancelled_order_stops_and_shows_nothing_ahead() -> None:
    events = history("draft", "submitted", "confirmed", "cancelled")
    steps = customer_progress("cancelled", events)
    assert states(steps) == [("received", "done"), ("confirmed", "halted"), ("cancelled", "stopped")]
    assert steps[-1].reached_at == events[3].created_at


def test_an_order_cancelled_before_it_was_submitted_has_only_the_stop() -> None:
    steps = customer_progress("cancelled", history("draft", "cancelled"))
    assert states(steps) == [("cancelled", "stopped")]


def test_events_without_a_move_are_ignored() -> None:
    steps = customer_progress("submitted", history("draft", "submitted", None))
    assert states(steps)[0] == ("received", "current")


def test_the_steps_carry_no_names_or_comments() -> None:
    steps = customer_progress("submitted", history("draft", "submitted"))
    for step in steps:
        assert set(vars(step)) == {"stage", "state", "reached_at"}
        assert isinstance(step.stage, Stage)
