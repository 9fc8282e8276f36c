from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from domain.base import BigIntAuditBase, JsonB


class ExcelImport(BigIntAuditBase):
    """One uploaded order workbook, from preview to the end of its import.

    The file itself lives under settings.upload_dir/imports/<key>.xlsx until the import has run; this
    row binds it to the user who uploaded it, holds the plan parsed from it when the import starts, and
    counts progress step by step (each step commits its orders together with the new count, so the
    count never disagrees with what was stored)."""

    __tablename__ = "excel_imports"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    staff_user_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"), index=True)
    # A digest of the uploader's sign-in session: the upload is reachable from that session only.
    session_tag: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    size_bytes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="uploaded")  # uploaded | importing | done
    plan: Mapped[list[dict[str, Any]] | None] = mapped_column(JsonB, default=None)
    total_orders: Mapped[int] = mapped_column(Integer, default=0)
    total_lines: Mapped[int] = mapped_column(Integer, default=0)
    done_orders: Mapped[int] = mapped_column(Integer, default=0)
    done_lines: Mapped[int] = mapped_column(Integer, default=0)
    refused_orders: Mapped[int] = mapped_column(Integer, default=0)  # invalid in the preview
    created: Mapped[list[str]] = mapped_column(JsonB, default=list)  # order numbers
    failed: Mapped[list[dict[str, Any]]] = mapped_column(JsonB, default=list)  # refused at import time
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
