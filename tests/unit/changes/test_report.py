"""The change-impact report PDF: same request → same bytes (so a signed hash can be re-checked), Chinese
text embedded and extractable, user text escaped, the signature block carrying the signed hash."""

from __future__ import annotations

import datetime as dt
import io

from pypdf import PdfReader

from domain.approvals.models import ApprovalDecision
from domain.changes.models import ChangeRequest
from domain.changes.report import SignatureBlock, build_report, sha256

NOW = dt.datetime(2026, 11, 25, 8, 30, tzinfo=dt.UTC)


def request() -> ChangeRequest:
    return ChangeRequest(
        number="CR-2026-000042", status="approved", level="L2", scope="date_only", reason="other",
        reason_text="<script>alert(1)</script> & 图纸 <b>", base_order_version=3, from_revision=1, to_revision=2,
        requested_by_kind="customer", requested_by_name="李雷", chain_name="L2", created_at=NOW,
        items=[{"kind": "quantity", "line_no": 1, "part_no": "HR-BC-1001", "old": "100", "new": "120"}],
        impact={"date": {"old_date": "2026-12-25", "new_date": "2026-12-15", "available": True, "fits": False,
                         "finish_before": "2026-12-10", "finish_after": "2026-12-18",
                         "slips": [{"order_no": "SO-2026-000007", "delay_hours": 4.8}]},
                "value": {"gross_before": "100.00", "gross_after": "120.00", "gross_delta": "20.00", "net_after": "106.19"}},
    )  # fmt: skip


DECISIONS = [
    ApprovalDecision(node_index=0, staff_name="王芳", decision="approve", comment="同意", decided_at=NOW)
]


def text_of(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_same_request_renders_the_same_bytes() -> None:
    a = build_report(request(), order_no="SO-2026-000001", customer_name="宁波拓锐", decisions=DECISIONS)
    b = build_report(request(), order_no="SO-2026-000001", customer_name="宁波拓锐", decisions=DECISIONS)
    assert a == b
    assert sha256(a) == sha256(b)
    changed = request()
    changed.reason_text = "另一个原因"
    assert (
        build_report(changed, order_no="SO-2026-000001", customer_name="宁波拓锐", decisions=DECISIONS) != a
    )


def test_the_report_carries_everything_in_chinese_and_escapes_user_text() -> None:
    text = text_of(
        build_report(request(), order_no="SO-2026-000001", customer_name="宁波拓锐", decisions=DECISIONS)
    )
    for expected in ("变更影响评估简报", "CR-2026-000042", "SO-2026-000001", "宁波拓锐", "修订 Revision 1 → 2",
                     "HR-BC-1001", "王芳", "SO-2026-000007", "不能满足", "物料影响", "<script>alert(1)</script> & 图纸 <b>"):  # fmt: skip
        assert expected in text, expected


def test_the_signed_report_shows_the_signature_and_the_hash_it_signed() -> None:
    shown = build_report(request(), order_no="SO-2026-000001", customer_name="宁波拓锐", decisions=DECISIONS)
    block = SignatureBlock("李雷 <i>", "c001-buyer", NOW, "203.0.113.9", sha256(shown))
    signed = build_report(request(), order_no="SO-2026-000001", customer_name="宁波拓锐", decisions=DECISIONS,
                          signature=block)  # fmt: skip
    text = text_of(signed).replace("\n", "")
    assert "李雷 <i>" in text
    assert "203.0.113.9" in text
    assert sha256(shown) in text
    assert sha256(signed) != sha256(shown)
