"""Who may sign which node, and where a route stands: pure functions over a route snapshot and its
decisions, so the rules are tested without a database.

A route is a list of nodes ``{"participants": [...], "mode": "any"|"all", "time_limit_hours": n|None}``;
a participant is ``{"role": "qc"}`` or ``{"user_id": 5, "name": "Li Qiang"}``.

- mode ``any``: the node passes with one approval from anyone matching any participant.
- mode ``all`` (countersign, 会签): the node passes when every participant has an approval, each from a
  different person (one person holding both roles fills one slot, not two).
- one rejection anywhere rejects the whole route.
- nobody signs a request they raised themselves; only people matching a participant of the *current*
  node sign, and each person signs a node once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.errors import Forbidden

Node = Mapping[str, Any]


@dataclass(frozen=True)
class Signature:
    node_index: int
    staff_user_id: int
    acting_as: str
    decision: str  # approve | reject


@dataclass(frozen=True)
class Signer:
    id: int
    roles: frozenset[str]


def participant_key(p: Mapping[str, Any]) -> str:
    return f"user:{p['user_id']}" if p.get("user_id") is not None else f"role:{p['role']}"


def matches(p: Mapping[str, Any], signer: Signer) -> bool:
    if p.get("user_id") is not None:
        return int(p["user_id"]) == signer.id
    return p.get("role") in signer.roles


def node_outcome(node: Node, signatures: Iterable[Signature]) -> str:
    """'approved', 'rejected' or 'pending' for one node given the signatures on it."""
    sigs = list(signatures)
    if any(s.decision == "reject" for s in sigs):
        return "rejected"
    approved = {s.acting_as for s in sigs if s.decision == "approve"}
    keys = [participant_key(p) for p in node["participants"]]
    if node.get("mode") == "all":
        return "approved" if all(k in approved for k in keys) else "pending"
    return "approved" if approved else "pending"


@dataclass(frozen=True)
class RouteState:
    outcome: str  # pending | approved | rejected
    current: int | None  # index of the node waiting for signatures (None when decided)


def route_state(route: Sequence[Node], signatures: Iterable[Signature]) -> RouteState:
    by_node: dict[int, list[Signature]] = {}
    for s in signatures:
        by_node.setdefault(s.node_index, []).append(s)
    for index, node in enumerate(route):
        outcome = node_outcome(node, by_node.get(index, ()))
        if outcome == "rejected":
            return RouteState("rejected", None)
        if outcome == "pending":
            return RouteState("pending", index)
    return RouteState("approved", None)


def slot_for(
    route: Sequence[Node],
    signatures: Iterable[Signature],
    signer: Signer,
    *,
    requested_by_staff_id: int | None,
) -> tuple[int, str]:
    """(node index, participant key) this signer signs for now, or Forbidden saying why not."""
    sigs = list(signatures)
    state = route_state(route, sigs)
    if state.current is None:
        raise Forbidden("the approval is already decided")
    if requested_by_staff_id is not None and requested_by_staff_id == signer.id:
        raise Forbidden("nobody approves their own request")
    node = route[state.current]
    on_node = [s for s in sigs if s.node_index == state.current]
    if any(s.staff_user_id == signer.id for s in on_node):
        raise Forbidden("already signed this step")
    taken = {s.acting_as for s in on_node if s.decision == "approve"}
    candidates = [participant_key(p) for p in node["participants"] if matches(p, signer)]
    if not candidates:
        raise Forbidden("not a participant of the current step")
    free = [k for k in candidates if k not in taken]
    if not free:
        raise Forbidden("the part of this step you may sign is signed already")
    return state.current, free[0]


def may_sign(
    route: Sequence[Node],
    signatures: Iterable[Signature],
    signer: Signer,
    *,
    requested_by_staff_id: int | None,
) -> bool:
    try:
        slot_for(route, signatures, signer, requested_by_staff_id=requested_by_staff_id)
    except Forbidden:
        return False
    return True


def node_waits_for(node: Node, signatures: Iterable[Signature]) -> list[Mapping[str, Any]]:
    """The participants of ``node`` still to sign (for 'any': all of them until one has)."""
    sigs = list(signatures)
    if node_outcome(node, sigs) != "pending":
        return []
    approved = {s.acting_as for s in sigs if s.decision == "approve"}
    return [p for p in node["participants"] if participant_key(p) not in approved]
