"""Editing approval chains (sales managers and admins, no IT needed) and picking the chain of a level.

Commands take the actor, check the role, add to the caller's transaction and never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.actors import Actor
from domain.approvals.models import ApprovalChain, ApprovalNode, LevelChain
from domain.base import utcnow
from domain.errors import Forbidden, NotFound, StaleVersion, ValidationFailed
from domain.i18n import N_, Msg
from domain.parties.models import StaffUser
from domain.parties.roles import StaffRole

EDITOR_ROLES = frozenset({StaffRole.SALES_MANAGER, StaffRole.ADMIN})
MODES = ("any", "all")
MAX_NODES = 12
MAX_PARTICIPANTS = 8
MAX_TIME_LIMIT_H = 720
LEVELS = ("L1", "L2", "L3")
SUBJECT_CHANGE = "change_request"


def may_edit_chains(roles: Iterable[str]) -> bool:
    return not EDITOR_ROLES.isdisjoint(roles)


def authorize_edit(actor: Actor) -> None:
    if actor.kind != "staff" or not may_edit_chains(actor.roles):
        raise Forbidden("editing approval chains needs sales_manager or admin")


@dataclass(frozen=True)
class NodeInput:
    roles: tuple[str, ...]
    user_ids: tuple[int, ...]
    mode: str
    time_limit_hours: int | None


async def list_chains(session: AsyncSession) -> list[ApprovalChain]:
    rows = await session.scalars(
        select(ApprovalChain).options(selectinload(ApprovalChain.nodes)).order_by(ApprovalChain.name)
    )
    return list(rows)


async def level_map(session: AsyncSession, subject: str = SUBJECT_CHANGE) -> dict[str, int]:
    rows = await session.execute(
        select(LevelChain.level, LevelChain.chain_id).where(LevelChain.subject == subject)
    )
    return {level: chain_id for level, chain_id in rows.all()}


async def get_chain(session: AsyncSession, chain_id: int, *, for_update: bool = False) -> ApprovalChain:
    stmt = (
        select(ApprovalChain).options(selectinload(ApprovalChain.nodes)).where(ApprovalChain.id == chain_id)
    )
    if for_update:
        stmt = stmt.with_for_update()
    chain = await session.scalar(stmt)
    if chain is None:
        raise NotFound(str(chain_id))
    return chain


async def _locked(session: AsyncSession, chain_id: int, expected_version: int, actor: Actor) -> ApprovalChain:
    authorize_edit(actor)
    chain = await get_chain(session, chain_id, for_update=True)
    if chain.version != expected_version:
        raise StaleVersion("", chain.updated_at, chain.version)
    return chain


def _touch(chain: ApprovalChain) -> None:
    # Any node edit is an edit of the chain: bumping its row bumps its version (optimistic lock).
    chain.updated_at = utcnow()


def _check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationFailed({"name": Msg(N_("Enter a name."))})
    if len(name) > 100:
        raise ValidationFailed({"name": Msg(N_("At most %(max)s characters."), max=100)})
    return name


async def copy_chain(session: AsyncSession, chain_id: int, *, name: str, actor: Actor) -> ApprovalChain:
    """A new chain with the same nodes: the usual way to make a variant ("copy the flow, change order")."""
    authorize_edit(actor)
    source = await get_chain(session, chain_id)
    name = _check_name(name)
    if await session.scalar(select(func.count()).where(ApprovalChain.name == name)):
        raise ValidationFailed({"name": Msg(N_("A chain with this name already exists."))})
    copy = ApprovalChain(
        name=name,
        description=source.description,
        nodes=[
            ApprovalNode(
                position=n.position, participants=list(n.participants), mode=n.mode,
                time_limit_hours=n.time_limit_hours,
            )
            for n in source.nodes
        ],
    )  # fmt: skip
    session.add(copy)
    await session.flush()
    return copy


async def _participants(session: AsyncSession, node: NodeInput) -> list[dict[str, Any]]:
    errors: dict[str, Msg] = {}
    if node.mode not in MODES:
        errors["mode"] = Msg(N_("Choose how the step is signed."))
    if node.time_limit_hours is not None and not 1 <= node.time_limit_hours <= MAX_TIME_LIMIT_H:
        errors["time_limit_hours"] = Msg(
            N_("Enter a whole number of hours between %(min)s and %(max)s."), min=1, max=MAX_TIME_LIMIT_H
        )
    roles = list(dict.fromkeys(node.roles))
    user_ids = list(dict.fromkeys(node.user_ids))
    if any(r not in StaffRole.__members__.values() for r in roles):
        errors["roles"] = Msg(N_("Unknown role."))
    users: dict[int, str] = {}
    if user_ids:
        rows = await session.execute(
            select(StaffUser.id, StaffUser.display_name).where(
                StaffUser.id.in_(user_ids), StaffUser.active.is_(True)
            )
        )
        users = dict(rows.tuples().all())
        if len(users) != len(user_ids):
            errors["users"] = Msg(N_("Unknown staff member."))
    if not roles and not user_ids:
        errors["roles"] = Msg(N_("Choose at least one role or person."))
    if len(roles) + len(user_ids) > MAX_PARTICIPANTS:
        errors["roles"] = Msg(N_("At most %(max)s participants per step."), max=MAX_PARTICIPANTS)
    if errors:
        raise ValidationFailed(errors)
    return [{"role": r} for r in roles] + [{"user_id": uid, "name": users[uid]} for uid in user_ids]


async def add_node(
    session: AsyncSession, chain_id: int, node: NodeInput, *, expected_version: int, actor: Actor
) -> ApprovalChain:
    chain = await _locked(session, chain_id, expected_version, actor)
    if len(chain.nodes) >= MAX_NODES:
        raise ValidationFailed({"roles": Msg(N_("At most %(max)s steps per chain."), max=MAX_NODES)})
    participants = await _participants(session, node)
    position = max((n.position for n in chain.nodes), default=0) + 1
    chain.nodes.append(
        ApprovalNode(
            position=position,
            participants=participants,
            mode=node.mode,
            time_limit_hours=node.time_limit_hours,
        )
    )
    _touch(chain)
    await session.flush()
    return chain


async def move_node(
    session: AsyncSession, chain_id: int, node_id: int, direction: str, *, expected_version: int, actor: Actor
) -> ApprovalChain:
    chain = await _locked(session, chain_id, expected_version, actor)
    nodes = list(chain.nodes)
    index = next((i for i, n in enumerate(nodes) if n.id == node_id), None)
    if index is None:
        raise NotFound(str(node_id))
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else None
    if other is None:
        raise ValidationFailed({"direction": Msg(N_("Unknown direction."))})
    if not 0 <= other < len(nodes):
        return chain  # the first step cannot go further up: nothing to do
    a, b = nodes[index], nodes[other]
    pa, pb = a.position, b.position
    # Positions are unique per chain: park one at 0 while the other takes its place.
    a.position = 0
    await session.flush()
    b.position = pa
    await session.flush()
    a.position = pb
    _touch(chain)
    await session.flush()
    await session.refresh(chain, ["nodes"])
    return chain


async def remove_node(
    session: AsyncSession, chain_id: int, node_id: int, *, expected_version: int, actor: Actor
) -> ApprovalChain:
    chain = await _locked(session, chain_id, expected_version, actor)
    node = next((n for n in chain.nodes if n.id == node_id), None)
    if node is None:
        raise NotFound(str(node_id))
    if len(chain.nodes) == 1:
        raise ValidationFailed({"node": Msg(N_("A chain needs at least one step."))})
    chain.nodes.remove(node)
    # Close the gap so positions stay 1..n (what the screens show as step numbers).
    await session.flush()
    for pos, n in enumerate(sorted(chain.nodes, key=lambda n: n.position), start=1):
        if n.position != pos:
            n.position = pos
            await session.flush()
    _touch(chain)
    await session.flush()
    return chain


async def set_level_chain(
    session: AsyncSession, level: str, chain_id: int, *, actor: Actor, subject: str = SUBJECT_CHANGE
) -> None:
    authorize_edit(actor)
    if level not in LEVELS:
        raise ValidationFailed({"level": Msg(N_("Unknown level."))})
    chain = await session.get(ApprovalChain, chain_id)
    if chain is None or not chain.active:
        raise ValidationFailed({f"chain-{level}": Msg(N_("Choose a chain."))})
    row = await session.scalar(
        select(LevelChain).where(LevelChain.subject == subject, LevelChain.level == level).with_for_update()
    )
    if row is None:
        session.add(LevelChain(subject=subject, level=level, chain_id=chain_id))
    else:
        row.chain_id = chain_id
    await session.flush()


async def route_for_level(
    session: AsyncSession, level: str, subject: str = SUBJECT_CHANGE
) -> tuple[ApprovalChain, list[dict[str, Any]]]:
    """The chain a level uses now and a snapshot of its nodes (what a new request will follow)."""
    chain_id = await session.scalar(
        select(LevelChain.chain_id).where(LevelChain.subject == subject, LevelChain.level == level)
    )
    if chain_id is None:
        raise ValidationFailed(
            {"level": Msg(N_("No approval chain is set up for level %(level)s."), level=level)}
        )
    chain = await get_chain(session, chain_id)
    if not chain.nodes:
        raise ValidationFailed(
            {"level": Msg(N_("No approval chain is set up for level %(level)s."), level=level)}
        )
    return chain, snapshot(chain.nodes)


def snapshot(nodes: Sequence[ApprovalNode]) -> list[dict[str, Any]]:
    return [
        {"participants": list(n.participants), "mode": n.mode, "time_limit_hours": n.time_limit_hours}
        for n in sorted(nodes, key=lambda n: n.position)
    ]


async def staff_for_node(session: AsyncSession, node: dict[str, Any]) -> list[int]:
    """Active staff who may sign ``node`` (for notifications and the queue)."""
    roles = {p["role"] for p in node["participants"] if p.get("role")}
    users = {int(p["user_id"]) for p in node["participants"] if p.get("user_id") is not None}
    rows = (
        await session.execute(select(StaffUser.id, StaffUser.roles).where(StaffUser.active.is_(True)))
    ).all()
    return [uid for uid, r in rows if uid in users or roles.intersection(r or ())]
