"""查 QC reports: the published reports of one of the customer's orders, and the PDF download.

The download link carries a random token, but the token alone opens nothing: the report's order must
be the signed-in customer's (another customer gets the same 404 as a wrong token). Every download is
logged for the back office.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFound
from domain.quality import queries
from domain.quality.services import record_download
from web.auth import CustomerViewer, client_ip, require_signed_in
from web.pdf import pdf_response
from web.quality_labels import QC
from web.templating import page


class PortalQualityController(Controller):
    path = "/"
    guards = [require_signed_in]  # noqa: RUF012

    @get("/orders/{order_no:str}/qc-reports", name="portal:qc_reports")
    async def reports(
        self, request: Request[Any, Any, Any], db_session: AsyncSession, viewer: CustomerViewer, order_no: str
    ) -> Template:
        reports = await queries.customer_reports(db_session, viewer.customer_id, order_no[:20])
        context = {"viewer": viewer, "order_no": order_no, "reports": reports, "qc": QC}
        return page(request, "portal/quality/reports.html", context, block="qc_reports")

    @get("/qc-reports/{file_name:str}", name="portal:qc_report_pdf")
    async def download(
        self,
        request: Request[Any, Any, Any],
        db_session: AsyncSession,
        viewer: CustomerViewer,
        file_name: str,
    ) -> Response[bytes]:
        if not file_name.endswith(".pdf"):
            raise NotFound(file_name[:64])
        report = await queries.customer_report(db_session, viewer.customer_id, file_name.removesuffix(".pdf"))
        record_download(db_session, report, actor=viewer.actor(), ip=client_ip(request))
        return pdf_response(report)
