"""Display names for change requests and approval chains (reason, scope, kind, status, mode, level)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from domain.i18n import N_
from web.i18n import fmt_money, gettext
from web.labels import ROLE

REASON = {
    "customer_adjustment": N_("Customer adjustment"),
    "drawing_upgrade": N_("Drawing upgrade"),
    "force_majeure": N_("Supply-chain force majeure"),
    "other": N_("Other"),
}
SCOPE = {
    "date_only": N_("Date only"),
    "bom_change": N_("BOM change"),
    "new_agreement": N_("Needs a new technical agreement"),
}
KIND = {
    "date": N_("Delivery date"),
    "quantity": N_("Quantity"),
    "add_line": N_("Add line"),
    "remove_line": N_("Remove line"),
    "spec": N_("Drawing / spec revision"),
    "packaging": N_("Packaging"),
}
STATUS = {"pending": N_("Waiting for approval"), "approved": N_("Approved"), "rejected": N_("Rejected")}
STATUS_TONE = {"pending": "warning", "approved": "success", "rejected": "danger"}
MODE = {"any": N_("Any one signs"), "all": N_("All must sign (countersign)")}
STEP = {
    "done": N_("Signed"),
    "current": N_("Waiting"),
    "waiting": N_("Not yet"),
    "rejected": N_("Rejected"),
    "skipped": N_("Not reached"),
}
DECISION = {"approve": N_("Approved"), "reject": N_("Rejected")}
FIELD = {
    "status": N_("Status"),
    "requested_date": N_("Requested"),
    "promised_date": N_("Promised"),
    "special_requirements": N_("Special requirements"),
    "total_net": N_("Net amount"),
    "total_tax": N_("Tax"),
    "line_count": N_("Lines"),
    "part_no": N_("Part no."),
    "product_name": N_("Product"),
    "quantity": N_("Quantity"),
    "unit_price": N_("Unit price"),
    "tax_rate": N_("Tax rate"),
    "amount_net": N_("Net amount"),
    "drawing_revision": N_("Drawing / spec revision"),
    "packaging": N_("Packaging"),
    "added": N_("Line added"),
    "removed": N_("Line removed"),
}


def _of(table: Mapping[str, str]) -> Callable[[Any], str]:
    return lambda code: gettext(table[code]) if code in table else str(code or "")


def participant(p: Mapping[str, Any]) -> str:
    if p.get("user_id") is not None:
        return str(p.get("name") or f"#{p['user_id']}")
    return _of(ROLE)(p.get("role"))


LABELS = {
    "reason": _of(REASON), "scope": _of(SCOPE), "kind": _of(KIND), "status": _of(STATUS), "mode": _of(MODE),
    "step": _of(STEP), "decision": _of(DECISION), "field": _of(FIELD), "participant": participant,
    "participants": lambda ps: " + ".join(participant(p) for p in ps),
    "status_tone": lambda c: STATUS_TONE.get(c, "neutral"),
    "money": lambda v: fmt_money(Decimal(v)) if v else "—",
    "options": lambda name: [(k, gettext(v)) for k, v in {"reason": REASON, "scope": SCOPE}[name].items()],
}  # fmt: skip
