"""Declarative base shared by every bounded context, and the clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from advanced_alchemy.base import BigIntAuditBase, BigIntBase, orm_registry
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB

metadata = orm_registry.metadata

# JSON documents: JSONB on PostgreSQL (indexable), JSON text on SQLite.
JsonB = JSON().with_variant(JSONB(), "postgresql")

SHANGHAI = ZoneInfo("Asia/Shanghai")

__all__ = [
    "SHANGHAI",
    "BigIntAuditBase",
    "BigIntBase",
    "DateTimeUTC",
    "JsonB",
    "metadata",
    "today_local",
    "utcnow",
]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today_local() -> dt.date:
    """The factory's calendar day: dates (requested, promised) are Shanghai days, not UTC days."""
    return dt.datetime.now(SHANGHAI).date()
