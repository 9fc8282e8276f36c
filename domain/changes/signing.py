"""The customer signs the change-impact report in the portal; staff re-verify a PDF against the stored
hashes. The hash is of the exact bytes the customer was shown: the form carries it, and the server
re-renders the report and refuses when the two differ (the report changed in between)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.actors import Actor
from domain.base import utcnow
from domain.changes.models import ChangeRequest, ChangeSignature
from domain.changes.queries import RequestView, get_request
from domain.changes.report import SignatureBlock, build_report, sha256
from domain.errors import Forbidden, StaleVersion, ValidationFailed
from domain.i18n import N_, Msg
from domain.orders.models import OrderEvent, SalesOrder
from domain.outbox.services import record_event
from domain.parties.models import Customer
from domain.parties.roles import CustomerRole

MAX_NAME = 100
MAX_PDF_BYTES = 10 * 1024 * 1024


async def report_for(session: AsyncSession, view: RequestView) -> bytes:
    """The PDF to show: the signed one byte for byte once signed, else the current report."""
    if view.signature is not None:
        return view.signature.signed_pdf
    customer_name = await session.scalar(select(Customer.name).where(Customer.id == view.request.customer_id))
    return build_report(view.request, order_no=view.order_no, customer_name=customer_name or "",
                        decisions=view.decisions)  # fmt: skip


def may_sign(view: RequestView, actor: Actor) -> bool:
    return (actor.kind == "customer" and CustomerRole.BUYER in actor.roles and view.request.status == "approved"
            and view.signature is None)  # fmt: skip


async def sign_report(
    session: AsyncSession, *, number: str, typed_name: str, confirmed: bool, shown_sha256: str, ip: str,
    actor: Actor,
) -> ChangeSignature:  # fmt: skip
    view = await get_request(session, number, actor)  # customer scope: another company's → NotFound
    if actor.kind != "customer" or CustomerRole.BUYER not in actor.roles or actor.id is None:
        raise Forbidden("only the customer's buyer signs")
    if view.signature is not None:
        raise ValidationFailed({"typed_name": Msg(N_("This report is already signed."))})
    if view.request.status != "approved":
        raise ValidationFailed(
            {"typed_name": Msg(N_("The report can be signed once the change is approved."))}
        )
    errors: dict[str, Msg] = {}
    name = " ".join(typed_name.split())
    if not name:
        errors["typed_name"] = Msg(N_("Type your name to sign."))
    elif len(name) > MAX_NAME:
        errors["typed_name"] = Msg(N_("At most %(max)s characters."), max=MAX_NAME)
    if not confirmed:
        errors["confirm"] = Msg(N_("Tick the box to confirm you have read the report."))
    if errors:
        raise ValidationFailed(errors)
    report = await report_for(session, view)
    digest = sha256(report)
    if digest != shown_sha256.strip().lower():
        # What they read is not what would be signed (the request moved on): they must look again.
        raise StaleVersion(view.request.requested_by_name, view.request.updated_at, view.request.version)
    now = utcnow()
    customer_name = await session.scalar(select(Customer.name).where(Customer.id == view.request.customer_id))
    signed = build_report(
        view.request, order_no=view.order_no, customer_name=customer_name or "", decisions=view.decisions,
        signature=SignatureBlock(name, actor.name, now, ip[:64], digest),
    )  # fmt: skip
    signature = ChangeSignature(change_request_id=view.request.id, customer_user_id=actor.id,
                                account_name=actor.name, typed_name=name, signed_at=now, ip=ip[:64],
                                report_sha256=digest, signed_pdf_sha256=sha256(signed), signed_pdf=signed)  # fmt: skip
    try:
        async with session.begin_nested():
            session.add(signature)
            await session.flush()
    except IntegrityError:  # signed twice at the same moment: the unique request id lets one win
        raise ValidationFailed({"typed_name": Msg(N_("This report is already signed."))}) from None
    order_version = await session.scalar(
        select(SalesOrder.version).where(SalesOrder.id == view.request.order_id)
    )
    session.add(OrderEvent(order_id=view.request.order_id, kind="change", action="change_signed",
                           actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name, comment="",
                           version=order_version or 0,
                           data={"change_request": number, "sha256": digest}))  # fmt: skip
    record_event(session, "change.report_signed", aggregate_type="change_request", aggregate_id=number,
                 payload={"order_no": view.order_no, "report_sha256": digest,
                          "signed_pdf_sha256": signature.signed_pdf_sha256, "signed_by": name})  # fmt: skip
    return signature


@dataclass(frozen=True)
class Verification:
    sha256: str
    signature: ChangeSignature | None
    number: str | None
    which: str | None  # "signed_pdf" | "report"


async def verify_pdf(session: AsyncSession, data: bytes) -> Verification:
    if not data:
        raise ValidationFailed({"file": Msg(N_("Choose a PDF file."))})
    if len(data) > MAX_PDF_BYTES:
        raise ValidationFailed({"file": Msg(N_("The file is larger than %(max)s MB."), max=10)})
    if not data.startswith(b"%PDF-"):
        raise ValidationFailed({"file": Msg(N_("This file is not a PDF."))})
    digest = sha256(data)
    row = (
        await session.execute(
            select(ChangeSignature, ChangeRequest.number)
            .join(ChangeRequest, ChangeRequest.id == ChangeSignature.change_request_id)
            .where(or_(ChangeSignature.signed_pdf_sha256 == digest, ChangeSignature.report_sha256 == digest))
            .limit(1)
        )
    ).first()
    if row is None:
        return Verification(digest, None, None, None)
    signature, number = row
    which = "signed_pdf" if signature.signed_pdf_sha256 == digest else "report"
    return Verification(digest, signature, number, which)
