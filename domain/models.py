"""Imports every context's models so the metadata (and Alembic) sees all tables."""

from domain.catalog.models import Product
from domain.expedite.models import ExpediteRequest
from domain.feedback.models import CareTicket, DeliveryRating
from domain.notifications.models import Notification
from domain.orders.models import NumberSequence, OrderEvent, SalesOrder, SalesOrderLine
from domain.outbox.models import OutboxMessage
from domain.parties.models import Customer, CustomerUser, LoginAttempt, StaffUser
from domain.production.models import Job, JobOperation, OperationPhoto, RoutingOperation, WorkCenter
from domain.promise.models import BomItem, Material, MaterialReceipt, PromiseCheck, Receivable
from domain.quality.models import Characteristic, Inspection, Nonconformance, QcReport, ReportDownload

__all__ = [
    "BomItem",
    "CareTicket",
    "Characteristic",
    "Customer",
    "CustomerUser",
    "DeliveryRating",
    "ExpediteRequest",
    "Inspection",
    "Job",
    "JobOperation",
    "LoginAttempt",
    "Material",
    "MaterialReceipt",
    "Nonconformance",
    "Notification",
    "NumberSequence",
    "OperationPhoto",
    "OrderEvent",
    "OutboxMessage",
    "Product",
    "PromiseCheck",
    "QcReport",
    "Receivable",
    "ReportDownload",
    "RoutingOperation",
    "SalesOrder",
    "SalesOrderLine",
    "StaffUser",
    "WorkCenter",
]
