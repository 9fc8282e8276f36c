"""Imports every context's models so the metadata (and Alembic) sees all tables."""

from domain.annotations.models import Annotation, AnnotationReply
from domain.api_access.models import ApiClient, IdempotencyRecord
from domain.approvals.models import ApprovalChain, ApprovalDecision, ApprovalNode, LevelChain
from domain.catalog.models import Product
from domain.changes.models import ChangeRequest, ChangeSignature, OrderLineTerms, OrderRevision
from domain.expedite.models import ExpediteRequest
from domain.feedback.models import CareTicket, DeliveryRating
from domain.intake.models import ExcelImport
from domain.integrations.models import ProcessedEvent
from domain.notifications.models import Notification
from domain.orders.models import NumberSequence, OrderEvent, SalesOrder, SalesOrderLine
from domain.outbox.models import OutboxMessage
from domain.parties.models import Customer, CustomerUser, LoginAttempt, StaffUser
from domain.production.models import Job, JobOperation, OperationPhoto, RoutingOperation, WorkCenter
from domain.promise.models import BomItem, Material, MaterialReceipt, PromiseCheck, Receivable
from domain.quality.models import Characteristic, Inspection, Nonconformance, QcReport, ReportDownload

__all__ = [
    "Annotation",
    "AnnotationReply",
    "ApiClient",
    "ApprovalChain",
    "ApprovalDecision",
    "ApprovalNode",
    "BomItem",
    "CareTicket",
    "ChangeRequest",
    "ChangeSignature",
    "Characteristic",
    "Customer",
    "CustomerUser",
    "DeliveryRating",
    "ExcelImport",
    "ExpediteRequest",
    "IdempotencyRecord",
    "Inspection",
    "Job",
    "JobOperation",
    "LevelChain",
    "LoginAttempt",
    "Material",
    "MaterialReceipt",
    "Nonconformance",
    "Notification",
    "NumberSequence",
    "OperationPhoto",
    "OrderEvent",
    "OrderLineTerms",
    "OrderRevision",
    "OutboxMessage",
    "ProcessedEvent",
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
