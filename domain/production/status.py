"""Statuses of jobs and operations (stored as plain strings; these enums name the allowed values)."""

from __future__ import annotations

from enum import StrEnum


class JobStatus(StrEnum):
    PLANNED = "planned"  # placed on the calendars, nothing started
    IN_PROGRESS = "in_progress"  # at least one operation started
    DONE = "done"  # every operation finished
    CANCELLED = "cancelled"  # the order was cancelled; its unfinished work freed its capacity


class OperationStatus(StrEnum):
    PENDING = "pending"  # planned, not started
    RUNNING = "running"
    DONE = "done"
    CANCELLED = "cancelled"


# Operations that still hold capacity on a work center.
OPEN_OPERATION = frozenset({OperationStatus.PENDING, OperationStatus.RUNNING})
