"""The factory's starting chains (what the demo and a fresh install begin with; admins edit them after):
L1 PMC; L2 PMC → sales manager; L3 QC + PMC countersign → sales manager."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.approvals.models import ApprovalChain, ApprovalNode, LevelChain
from domain.approvals.services import SUBJECT_CHANGE

DEFAULT_CHAINS = (
    ("L1", "L1 交期微调 · PMC", [(["pmc"], "any", 8)]),
    ("L2", "L2 数量/重排 · PMC → 销售经理", [(["pmc"], "any", 8), (["sales_manager"], "any", 24)]),
    (
        "L3",
        "L3 技术变更 · QC+PMC 会签 → 销售经理",
        [(["qc", "pmc"], "all", 24), (["sales_manager"], "any", 24)],
    ),
)


async def ensure_default_chains(session: AsyncSession) -> bool:
    """Create the default chains and level mapping when no chain exists yet; True when it did."""
    if await session.scalar(select(func.count()).select_from(ApprovalChain)):
        return False
    for level, name, nodes in DEFAULT_CHAINS:
        chain = ApprovalChain(
            name=name,
            nodes=[
                ApprovalNode(
                    position=i, participants=[{"role": r} for r in roles], mode=mode, time_limit_hours=hours
                )
                for i, (roles, mode, hours) in enumerate(nodes, start=1)
            ],
        )
        session.add(chain)
        await session.flush()
        session.add(LevelChain(subject=SUBJECT_CHANGE, level=level, chain_id=chain.id))
    await session.flush()
    return True
