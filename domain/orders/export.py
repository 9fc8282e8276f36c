"""Order lists as .xlsx: rows streamed from the database into a write-only workbook (constant memory)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from sqlalchemy.ext.asyncio import AsyncSession

from domain.orders import queries

# More rows than this is not a list anyone reads; narrow the filters (the file says so in its last row).
EXPORT_CAP = 50_000
FETCH = 1000


async def export_desk_orders(
    session: AsyncSession,
    f: queries.OrderFilter,
    path: Path,
    *,
    headers: Sequence[str],
    status_label: Callable[[str], str],
    channel_label: Callable[[str], str],
    capped_note: str,
) -> int:
    """Write the order desk's matches for ``f`` (in its sort order) to ``path``; returns the row count.

    openpyxl's write-only mode keeps no rows in memory, and the rows come from the database in slices
    of FETCH through a server-side cursor where the driver has one."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Orders")
    widths = (18, 12, 30, 22, 14, 12, 12, 12, 12, 8, 14, 14)
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    stmt = await queries.desk_rows_statement(session, f)
    count = 0
    result = await session.stream(stmt.limit(EXPORT_CAP + 1).execution_options(yield_per=FETCH))
    async for row in result:
        if count == EXPORT_CAP:
            ws.append([capped_note])
            break
        o = queries.OrderRow(*row)
        ws.append([
            o.order_no, o.customer_code, o.customer_name, o.customer_po or "", status_label(o.status),
            o.order_date, o.requested_date, o.promised_date, channel_label(o.channel), o.line_count,
            o.total_net, o.total_gross,
        ])  # fmt: skip
        count += 1
    await result.close()
    wb.save(path)
    return count
