"""Display names for the domain's codes (statuses, stages, actions, roles, channels), in the reader's language."""

from __future__ import annotations

from domain.i18n import N_
from web.i18n import gettext

STATUS = {
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "confirmed": N_("Confirmed"),
    "in_production": N_("In production"),
    "qc": N_("Quality check"),
    "ready_to_ship": N_("Ready to ship"),
    "picking": N_("Picking"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
    "invoiced": N_("Invoiced"),
    "closed": N_("Closed"),
    "on_hold": N_("On hold"),
    "cancelled": N_("Cancelled"),
}

# What the status badge looks like: a small set of tones shared by both faces.
STATUS_TONE = {
    "draft": "neutral",
    "submitted": "info",
    "confirmed": "info",
    "in_production": "progress",
    "qc": "progress",
    "ready_to_ship": "progress",
    "picking": "progress",
    "shipped": "success",
    "delivered": "success",
    "invoiced": "success",
    "closed": "neutral",
    "on_hold": "warning",
    "cancelled": "danger",
}

STAGE = {
    "received": N_("Order received"),
    "confirmed": N_("Confirmed"),
    "production": N_("In production"),
    "inspection": N_("Quality inspection"),
    "preparing_shipment": N_("Preparing shipment"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
    "completed": N_("Completed"),
    "on_hold": N_("Paused"),
    "cancelled": N_("Cancelled"),
}

STAGE_TONE = {
    "received": "info",
    "confirmed": "info",
    "production": "progress",
    "inspection": "progress",
    "preparing_shipment": "progress",
    "shipped": "success",
    "delivered": "success",
    "completed": "neutral",
    "on_hold": "warning",
    "cancelled": "danger",
}

ACTION = {
    "submit": N_("Submit"),
    "confirm": N_("Confirm order"),
    "return_to_draft": N_("Return to draft"),
    "start_production": N_("Start production"),
    "send_to_qc": N_("Send to QC"),
    "pass_qc": N_("Pass QC"),
    "fail_qc": N_("Fail QC"),
    "start_picking": N_("Start picking"),
    "ship": N_("Ship"),
    "confirm_delivery": N_("Confirm delivery"),
    "invoice": N_("Invoice"),
    "close": N_("Close"),
    "hold": N_("Put on hold"),
    "release": N_("Release hold"),
    "cancel": N_("Cancel order"),
    # Quality (domain/quality): timeline entries about an order's inspections.
    "qc_created": N_("QC inspection recorded"),
    "qc_submit": N_("QC inspection submitted"),
    "qc_reject": N_("QC inspection returned"),
    "qc_approve": N_("QC inspection approved"),
    "qc_publish": N_("QC report published"),
    "qc_nonconformance": N_("Nonconformance raised"),
    "qc_nonconformance_closed": N_("Nonconformance closed"),
    # Change requests (domain/changes) on the order's timeline.
    "change_requested": N_("Change requested"),
    "change_applied": N_("Change applied"),
    "change_rejected": N_("Change rejected"),
    "change_signed": N_("Impact report signed"),
    # photo annotations (domain/annotations): timeline rows, not order transitions
    "annotate": N_("Photo annotated"),
    "annotation_reply": N_("Reply on a photo annotation"),
    "annotation_resolve": N_("Photo annotation resolved"),
    # promise (domain/promise): timeline rows that are not transitions
    "promise_check": N_("Promise check"),
    "credit_override": N_("Credit flag overridden"),
}

# Actions that undo or stop work are drawn as secondary/danger buttons.
ACTION_TONE = {"cancel": "danger", "hold": "secondary", "return_to_draft": "secondary", "fail_qc": "danger"}

ROLE = {
    "sales": N_("Sales rep"),
    "sales_manager": N_("Sales manager"),
    "customer_service": N_("Customer service"),
    "pmc": N_("PMC planner"),
    "warehouse": N_("Warehouse lead"),
    "qc": N_("QC engineer"),
    "logistics": N_("Logistics dispatcher"),
    "billing": N_("Billing accountant"),
    "after_sales": N_("After-sales advisor"),
    "admin": N_("Administrator"),
    "buyer": N_("Buyer"),
    "qc_engineer": N_("QC engineer"),
}

CHANNEL = {
    "quick_entry": N_("Quick entry"),
    "excel": N_("Excel import"),
    "api": N_("API"),
    "dingtalk": N_("DingTalk"),
    "portal": N_("Portal"),
}


def label(table: dict[str, str], code: str | None) -> str:
    if not code:
        return ""
    return gettext(table[code]) if code in table else code


# Expedite requests (催) and care tickets.
EXPEDITE = {
    "open": N_("Waiting for PMC"),
    "accepted": N_("Accepted"),
    "declined": N_("Declined"),
    "offered": N_("Alternative offered"),
    "agreed": N_("Alternative agreed"),
    "closed": N_("Closed"),
    "withdrawn": N_("Withdrawn"),
}
EXPEDITE_TONE = {
    "open": "warning",
    "accepted": "success",
    "declined": "danger",
    "offered": "info",
    "agreed": "success",
    "closed": "neutral",
    "withdrawn": "neutral",
}
OUTCOME = {
    "accepted": N_("Accepted"),
    "partial": N_("Partly: offer alternatives"),
    "declined": N_("Declined"),
}


# Production timeline entries (shop floor): the order timeline shows them with the transitions.
ACTION.update(
    {
        "jobs_planned": N_("Production planned"),
        "planning_blocked": N_("Production waits for a routing"),
        "jobs_cancelled": N_("Production cancelled"),
        "operation_started": N_("Operation started"),
        "quantity_reported": N_("Quantity reported"),
        "operation_finished": N_("Operation finished"),
        "replanned": N_("Production re-planned"),
        "photo_added": N_("Process photo added"),
    }
)
