"""The order desk's current list (filters and sort as on screen) as an .xlsx download."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
from litestar import Controller, get
from litestar.params import Parameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from domain.base import utcnow
from domain.i18n import N_
from domain.orders import export as xlsx
from domain.orders import queries
from domain.orders.drafts import parse_date, parse_int
from web.auth import StaffViewer, require_signed_in
from web.i18n import gettext
from web.labels import CHANNEL, STATUS, label

HEADERS = (
    N_("Order no."), N_("Customer code"), N_("Customer"), N_("PO no."), N_("Status"), N_("Ordered"),
    N_("Requested"), N_("Promised"), N_("Channel"), N_("Lines"), N_("Amount excl. tax"), N_("Amount incl. tax"),
)  # fmt: skip
CHUNK = 64 * 1024


async def _chunks(path: anyio.Path) -> AsyncIterator[bytes]:
    """The finished file in slices, removed once sent (or once the client went away)."""
    try:
        async with await path.open("rb") as fh:
            while chunk := await fh.read(CHUNK):
                yield chunk
    finally:
        await path.unlink(missing_ok=True)


class OrderExportController(Controller):
    path = "/orders/export.xlsx"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/", name="bo:orders_export")
    async def export(
        self,
        db_session: AsyncSession,
        viewer: StaffViewer,  # every staff role sees the desk list, so every one may take it along
        q: str = "",
        status: str = "",
        customer: str = "",
        date_from: str = "",
        date_to: str = "",
        sort: str = "order_no",
        direction: str = Parameter(query="dir", default="desc"),
    ) -> Stream:
        f = queries.OrderFilter(
            q=q, status=status, customer_id=parse_int(customer), date_from=parse_date(date_from),
            date_to=parse_date(date_to), sort=sort, direction=direction,
        )  # fmt: skip
        fd, name = tempfile.mkstemp(prefix="op-export-", suffix=".xlsx")
        os.close(fd)
        path = anyio.Path(name)
        try:
            await xlsx.export_desk_orders(
                db_session, f, Path(name),
                headers=[gettext(h) for h in HEADERS],
                status_label=lambda c: label(STATUS, c),
                channel_label=lambda c: label(CHANNEL, c),
                capped_note=gettext("Only the first %(max)s orders are in this file: narrow the filters.")
                % {"max": f"{xlsx.EXPORT_CAP:,}"},
            )  # fmt: skip
        except BaseException:
            await path.unlink(missing_ok=True)
            raise
        stamp = utcnow().strftime("%Y%m%d-%H%M")
        return Stream(
            _chunks(path),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={
                "Content-Disposition": f'attachment; filename="orders-{stamp}.xlsx"',
                "Cache-Control": "no-store",
                "Content-Length": str((await path.stat()).st_size),
            },
        )
