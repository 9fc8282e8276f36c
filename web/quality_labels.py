"""Display names for quality codes (inspection status, verdict, nonconformance status)."""

from __future__ import annotations

from domain.i18n import N_
from web.labels import label

INSPECTION_STATUS = {
    "draft": N_("Draft"),
    "submitted": N_("Awaiting approval"),
    "approved": N_("Approved"),
    "published": N_("Published"),
}
INSPECTION_TONE = {"draft": "neutral", "submitted": "info", "approved": "progress", "published": "success"}
VERDICT = {"pass": N_("Pass"), "fail": N_("Fail")}
VERDICT_TONE = {"pass": "success", "fail": "danger"}
NC_STATUS = {"open": N_("Open"), "closed": N_("Closed")}
ACTION = {
    "submit": N_("Submit for approval"),
    "reject": N_("Return to inspector"),
    "approve": N_("Approve"),
    "publish": N_("Publish to customer"),
}
ACTION_TONE = {"reject": "secondary", "submit": "primary", "approve": "primary", "publish": "primary"}


class QcLabels:
    """Passed to the quality templates as ``qc``: ``qc.status(code)``, ``qc.verdict(code)`` …"""

    @staticmethod
    def status(code: str | None) -> str:
        return label(INSPECTION_STATUS, code)

    @staticmethod
    def status_tone(code: str | None) -> str:
        return INSPECTION_TONE.get(code or "", "neutral")

    @staticmethod
    def verdict(code: str | None) -> str:
        return label(VERDICT, code) if code else "—"

    @staticmethod
    def verdict_tone(code: str | None) -> str:
        return VERDICT_TONE.get(code or "", "neutral")

    @staticmethod
    def nc_status(code: str | None) -> str:
        return label(NC_STATUS, code)

    @staticmethod
    def action(code: str) -> str:
        return label(ACTION, code)

    @staticmethod
    def action_tone(code: str) -> str:
        return ACTION_TONE.get(code, "primary")


QC = QcLabels()
