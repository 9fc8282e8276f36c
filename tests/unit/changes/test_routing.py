"""Chain routing: any-one and countersign nodes, rejection, own requests, participants only, reorder."""

from __future__ import annotations

import pytest

from domain.approvals.routing import Signature, Signer, may_sign, node_waits_for, route_state, slot_for
from domain.errors import Forbidden

PMC = Signer(10, frozenset({"pmc"}))
PMC2 = Signer(11, frozenset({"pmc"}))
QC = Signer(20, frozenset({"qc"}))
BOTH = Signer(30, frozenset({"qc", "pmc"}))
MGR = Signer(40, frozenset({"sales_manager"}))
ADMIN = Signer(50, frozenset({"admin"}))

L2 = [
    {"participants": [{"role": "pmc"}], "mode": "any"},
    {"participants": [{"role": "sales_manager"}], "mode": "any"},
]
L3 = [
    {"participants": [{"role": "qc"}, {"role": "pmc"}], "mode": "all"},
    {"participants": [{"role": "sales_manager"}], "mode": "any"},
]


def sign(
    route: list, sigs: list[Signature], who: Signer, decision: str = "approve", requester: int | None = None
) -> list[Signature]:
    node, key = slot_for(route, sigs, who, requested_by_staff_id=requester)
    return [*sigs, Signature(node, who.id, key, decision)]


def test_any_one_node_passes_with_one_signature_and_moves_on() -> None:
    sigs = sign(L2, [], PMC)
    assert route_state(L2, sigs).current == 1
    assert not may_sign(L2, sigs, PMC2, requested_by_staff_id=None)  # step 1 is done: PMC has nothing left
    sigs = sign(L2, sigs, MGR)
    assert route_state(L2, sigs).outcome == "approved"


def test_countersign_needs_every_participant() -> None:
    sigs = sign(L3, [], QC)
    state = route_state(L3, sigs)
    assert (state.outcome, state.current) == ("pending", 0)
    assert node_waits_for(L3[0], sigs) == [{"role": "pmc"}]
    assert not may_sign(L3, sigs, MGR, requested_by_staff_id=None)  # not the manager's turn yet
    sigs = sign(L3, sigs, PMC)
    assert route_state(L3, sigs).current == 1


def test_one_person_fills_one_countersign_slot_only() -> None:
    sigs = sign(L3, [], BOTH)  # takes the first slot it matches: QC
    with pytest.raises(Forbidden):
        sign(L3, sigs, BOTH)
    with pytest.raises(Forbidden):
        sign(L3, sigs, QC)  # the QC slot is filled; only PMC's is open
    assert route_state(L3, sign(L3, sigs, PMC)).current == 1


def test_a_rejection_ends_the_route() -> None:
    sigs = sign(L2, [], PMC, "reject")
    assert route_state(L2, sigs).outcome == "rejected"
    assert not may_sign(L2, sigs, MGR, requested_by_staff_id=None)


def test_nobody_approves_their_own_request_and_only_participants_sign() -> None:
    with pytest.raises(Forbidden):
        sign(L2, [], PMC, requester=PMC.id)
    with pytest.raises(Forbidden):
        sign(L2, [], ADMIN)  # an admin is not on the chain
    with pytest.raises(Forbidden):
        sign(L2, [], MGR)  # the manager's step is the second one


def test_a_named_user_node() -> None:
    route = [{"participants": [{"user_id": PMC2.id, "name": "Wang"}], "mode": "any"}]
    assert not may_sign(route, [], PMC, requested_by_staff_id=None)
    assert route_state(route, sign(route, [], PMC2)).outcome == "approved"


def test_reordered_chain_routes_in_the_new_order() -> None:
    reordered = [L2[1], L2[0]]
    assert may_sign(reordered, [], MGR, requested_by_staff_id=None)
    assert not may_sign(reordered, [], PMC, requested_by_staff_id=None)
