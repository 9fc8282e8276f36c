"""Who may annotate, reply and resolve."""

from __future__ import annotations

from domain.actors import Actor
from domain.annotations.permissions import may_annotate, may_reply, may_resolve


def customer(role: str) -> Actor:
    return Actor(kind="customer", id=5, name="c", roles=frozenset({role}), customer_id=1)


def staff(uid: int, *roles: str) -> Actor:
    return Actor(kind="staff", id=uid, name="s", roles=frozenset(roles))


def test_only_customer_qc_engineers_annotate() -> None:
    assert may_annotate(customer("qc_engineer"))
    assert not may_annotate(customer("buyer"))
    assert not may_annotate(staff(1, "qc"))  # the supplier's QC answers, it does not file customer points
    assert not may_annotate(staff(1, "admin"))
    assert not may_annotate(Actor.system())


def test_customers_and_staff_reply() -> None:
    assert may_reply(customer("buyer"))
    assert may_reply(customer("qc_engineer"))
    assert may_reply(staff(1, "sales"))
    assert not may_reply(Actor.system())


def test_team_lead_pmc_and_admin_resolve() -> None:
    assert may_resolve(staff(7), team_lead_id=7)
    assert not may_resolve(staff(8), team_lead_id=7)
    assert not may_resolve(staff(8, "qc", "sales"), team_lead_id=7)
    assert may_resolve(staff(8, "pmc"), team_lead_id=7)
    assert may_resolve(staff(8, "admin"), team_lead_id=None)
    assert not may_resolve(staff(7), team_lead_id=None)
    assert not may_resolve(customer("qc_engineer"), team_lead_id=5)  # same id number, other table
