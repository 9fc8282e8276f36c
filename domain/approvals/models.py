"""Approval chains. A chain is data an admin edits (copy, reorder, add, remove nodes); a subject being
approved (a change request, later anything else) keeps a snapshot of the chain it started on, so an edit
never changes the route of a request already in flight."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase, DateTimeUTC, JsonB


class ApprovalChain(BigIntAuditBase):
    __tablename__ = "approval_chains"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    nodes: Mapped[list[ApprovalNode]] = relationship(
        back_populates="chain", lazy="raise", order_by="ApprovalNode.position", cascade="all, delete-orphan"
    )

    # Two admins editing the same chain: the second save is refused instead of mixing their edits.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ApprovalNode(BigIntAuditBase):
    """One step. ``participants`` is a list of ``{"role": "qc"}`` or ``{"user_id": 5, "name": "…"}``;
    ``mode`` "any" needs one signature from any participant, "all" (countersign) one from each."""

    __tablename__ = "approval_nodes"
    __table_args__ = (UniqueConstraint("chain_id", "position", name="uq_approval_nodes_chain_position"),)

    chain_id: Mapped[int] = mapped_column(ForeignKey("approval_chains.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    participants: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)
    mode: Mapped[str] = mapped_column(String(8), default="any")  # any | all
    time_limit_hours: Mapped[int | None] = mapped_column(Integer, default=None)

    chain: Mapped[ApprovalChain] = relationship(back_populates="nodes", lazy="raise")


class LevelChain(BigIntAuditBase):
    """Which chain a level (L1/L2/L3) of a subject kind uses."""

    __tablename__ = "approval_level_chains"
    __table_args__ = (UniqueConstraint("subject", "level", name="uq_approval_level_chains_subject_level"),)

    subject: Mapped[str] = mapped_column(String(30))  # e.g. "change_request"
    level: Mapped[str] = mapped_column(String(8))
    chain_id: Mapped[int] = mapped_column(ForeignKey("approval_chains.id"))


class ApprovalDecision(BigIntAuditBase):
    """One signature (or refusal) on one node of one subject: the approval's audit trail."""

    __tablename__ = "approval_decisions"
    __table_args__ = (
        # The same person cannot sign the same node of the same subject twice (a double click, a race).
        UniqueConstraint(
            "subject", "subject_id", "node_index", "staff_user_id", name="uq_approval_decisions_signer"
        ),
        Index("ix_approval_decisions_subject", "subject", "subject_id"),
    )

    subject: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    node_index: Mapped[int] = mapped_column(Integer)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    staff_name: Mapped[str] = mapped_column(String(100))
    acting_as: Mapped[str] = mapped_column(String(64))  # the participant signed for: "role:qc" | "user:5"
    decision: Mapped[str] = mapped_column(String(10))  # approve | reject
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime] = mapped_column(DateTimeUTC(timezone=True))
