"""The comment field names the actions, among those this role can press now, that need a reason."""

from __future__ import annotations

import re

from tests.helpers import sign_in_staff

HINT = re.compile(r'<p class="field__hint">Required for: ([^<]*)</p>')


def hint(client, order_no: str) -> str | None:
    page = client.get(f"/backoffice/orders/{order_no}")
    assert page.status_code == 200
    match = HINT.search(page.text)
    return match.group(1) if match else None


def test_sales_manager_on_a_submitted_order(client, seeded) -> None:
    sign_in_staff(client, "salesmgr")
    text = hint(client, seeded.orders["c001_submitted"])
    assert text is not None
    assert "Return to draft" in text
    assert "Put on hold" in text
    assert "Cancel order" in text
    assert "Confirm order" not in text  # confirming needs no reason


def test_sales_rep_on_a_draft_only_cancel_needs_a_reason(client, seeded) -> None:
    sign_in_staff(client, "sales")
    assert hint(client, seeded.orders["c001_draft"]) == "Cancel order"


def test_pmc_sees_hold_and_a_role_without_actions_sees_no_hint(client, seeded) -> None:
    sign_in_staff(client, "pmc")
    # PMC on an order in production: send to QC (no reason) and hold (reason).
    assert hint(client, seeded.orders["c001_in_production"]) == "Put on hold"
    # A role with no action on this order gets no comment field at all.
    sign_in_staff(client, "billing")
    assert hint(client, seeded.orders["c001_in_production"]) is None
