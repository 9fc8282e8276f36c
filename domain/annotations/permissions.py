"""Who may do what with annotations: the one place the rule lives (screens ask it to show buttons,
the commands enforce it).

- A customer's QC engineer creates annotations; a buyer of the same company sees them and replies but
  does not create (marking a defect is an engineering judgement the supplier acts on).
- Staff of any role reply (sales and QC answer customers too).
- The team lead of the operation's work center resolves; PMC and admin may too (a team lead is away,
  a work center has none).
"""

from __future__ import annotations

from domain.actors import Actor
from domain.parties.roles import CustomerRole, StaffRole

RESOLVER_ROLES = frozenset({StaffRole.PMC, StaffRole.ADMIN})


def may_annotate(actor: Actor) -> bool:
    return actor.kind == "customer" and CustomerRole.QC_ENGINEER in actor.roles


def may_reply(actor: Actor) -> bool:
    return actor.kind in ("customer", "staff")


def may_resolve(actor: Actor, team_lead_id: int | None) -> bool:
    if actor.kind != "staff":
        return False
    return (team_lead_id is not None and actor.id == team_lead_id) or bool(RESOLVER_ROLES & actor.roles)
