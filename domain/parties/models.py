from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.base import BigIntAuditBase


class Customer(BigIntAuditBase):
    __tablename__ = "customers"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_limit: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))
    payment_terms_days: Mapped[int] = mapped_column(Integer, default=60)
    contract_tax_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal("0.13"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CustomerUser(BigIntAuditBase):
    """A person at a customer who signs in to the portal."""

    __tablename__ = "customer_users"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    customer: Mapped[Customer] = relationship(lazy="raise")


class StaffUser(BigIntAuditBase):
    __tablename__ = "staff_users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class LoginAttempt(BigIntAuditBase):
    """One sign-in try; failures in a sliding window throttle the account and the client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account", "face", "username", "created_at"),
        Index("ix_login_attempts_ip", "ip", "created_at"),
    )

    face: Mapped[str] = mapped_column(String(10))  # "staff" | "portal"
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean)
