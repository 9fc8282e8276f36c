"""Domain errors. The web layer maps each to a status code; the domain never knows about HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping


class DomainError(Exception):
    """Base of every rule the domain refuses."""


class NotFound(DomainError):
    """The thing does not exist *for this viewer* (another customer's order is not found either)."""


class Forbidden(DomainError):
    """The actor's role may not do this."""


class InvalidTransition(DomainError):
    """The state machine has no such move from the current state."""

    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"{action} is not allowed from {status}")
        self.action = action
        self.status = status


class StaleVersion(DomainError):
    """Optimistic locking: someone else changed the record since the form was loaded."""

    def __init__(self, changed_by: str, changed_at: dt.datetime | None, current_version: int) -> None:
        super().__init__(f"changed by {changed_by} at {changed_at}")
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version


class ValidationFailed(DomainError):
    """Input broke a rule. ``errors`` maps a field name to a message id (translated by the web layer)."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class Throttled(DomainError):
    """Too many failed sign-ins; ``retry_after_s`` says when the next try is accepted."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"retry after {retry_after_s}s")
        self.retry_after_s = retry_after_s
