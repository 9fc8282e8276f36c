"""Sending a stored PDF to the browser."""

from __future__ import annotations

from typing import Any

from litestar import Response


def pdf_response(report: Any) -> Response[bytes]:
    """The stored bytes, as a download named after the order and lot; never cached by a shared cache."""
    return Response(
        content=report.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{report.file_name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
            "ETag": f'"{report.sha256}"',
        },
    )
