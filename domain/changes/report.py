"""《变更影响评估简报》: the change-impact report as a PDF (ReportLab, CJK font embedded).

Built deterministically (``invariant``: no creation time or random id in the file), so the same
request renders to the same bytes — the customer signs the SHA-256 of exactly what they were shown,
and anyone can re-check it. Every piece of user text is escaped before it reaches ReportLab's
mini-markup. Labels are bilingual: the report is a document of record for both sides.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from domain.approvals.models import ApprovalDecision
from domain.base import SHANGHAI
from domain.changes.models import ChangeRequest

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT = "WenQuanYiMicroHei"

REASONS = {"customer_adjustment": "客户调整 Customer adjustment", "drawing_upgrade": "图纸升级 Drawing upgrade",
           "force_majeure": "供应链不可抗力 Supply-chain force majeure", "other": "其他 Other"}  # fmt: skip
SCOPES = {"date_only": "仅交期 Date only", "bom_change": "BOM 变更 BOM change",
          "new_agreement": "需新技术协议 New technical agreement"}  # fmt: skip
KINDS = {"date": "交期 Delivery date", "quantity": "数量 Quantity", "add_line": "新增行 Add line",
         "remove_line": "删除行 Remove line", "spec": "图纸/规格版本 Drawing revision",
         "packaging": "包装 Packaging"}  # fmt: skip
STATUS = {"pending": "审批中 Pending", "approved": "已批准 Approved", "rejected": "已驳回 Rejected"}
DECISIONS = {"approve": "同意 Approved", "reject": "驳回 Rejected"}


@cache
def _font() -> str:
    pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    return FONT


@dataclass(frozen=True)
class SignatureBlock:
    typed_name: str
    account_name: str
    signed_at: dt.datetime
    ip: str
    report_sha256: str


def _t(text: object) -> str:
    return escape(str(text if text is not None else ""))


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if moment else "—"


def _item_text(item: dict[str, object]) -> tuple[str, str, str, str]:
    line = (
        f"#{item['line_no']} {item.get('part_no', '')}" if "line_no" in item else str(item.get("part_no", ""))
    )
    return (
        KINDS.get(str(item["kind"]), str(item["kind"])),
        line,
        str(item.get("old", "") or "—"),
        str(item.get("new", "") or "—"),
    )


def build_report(
    cr: ChangeRequest,
    *,
    order_no: str,
    customer_name: str,
    decisions: list[ApprovalDecision],
    signature: SignatureBlock | None = None,
) -> bytes:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=13, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=16, leading=22, spaceAfter=4)
    h2 = ParagraphStyle("h2", parent=base, fontSize=11, leading=16, spaceBefore=8, spaceAfter=3)

    def p(text: object, style: ParagraphStyle = base) -> Paragraph:
        return Paragraph(_t(text), style)

    def table(rows: list[list[object]], widths: list[float]) -> Table:
        t = Table([[p(c) for c in row] for row in rows], colWidths=widths, repeatRows=1)
        t.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa4b2")),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f7")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))  # fmt: skip
        return t

    impact = cr.impact or {}
    date, value = impact.get("date", {}), impact.get("value", {})
    if cr.to_revision:
        versions = f"修订 Revision {cr.from_revision} → {cr.to_revision}"
    else:
        versions = f"订单版本 Order version {cr.base_order_version} → 待批准 proposed"
    story: list[object] = [
        p("变更影响评估简报 · Change-impact report", title),
        table(
            [
                ["变更单 Request", cr.number, "订单 Order", order_no],
                ["客户 Customer", customer_name, "版本 Versions", versions],
                ["级别 Level", cr.level, "状态 Status", STATUS.get(cr.status, cr.status)],
                [
                    "原因 Reason",
                    REASONS.get(cr.reason, cr.reason),
                    "影响范围 Scope",
                    SCOPES.get(cr.scope, cr.scope),
                ],
                ["发起人 Requested by", cr.requested_by_name, "发起时间 Requested at", _when(cr.created_at)],
            ],
            [30 * mm, 55 * mm, 30 * mm, 55 * mm],
        ),
    ]
    if cr.reason_text:
        story += [p("原因说明 Reason in detail", h2), p(cr.reason_text)]
    story += [p("变更内容 Changes", h2),
              table([["项目 What", "行 Line", "原值 Was", "新值 Becomes"], *[list(_item_text(i)) for i in cr.items]],
                    [40 * mm, 40 * mm, 45 * mm, 45 * mm])]  # fmt: skip
    fits = {True: "可满足 Holds", False: "不能满足 Does not hold", None: "无法评估 Cannot tell"}[
        date.get("fits")
    ]
    story += [p("交期影响 Date impact", h2), table([
        ["原交期 Old date", date.get("old_date", "—"), "新交期 New date", date.get("new_date", "—")],
        ["计划完工(变更前) Finish before", date.get("finish_before") or "—",
         "计划完工(变更后) Finish after", date.get("finish_after") or "—"],
        ["产能评估 Capacity", fits, "受影响订单 Orders that slip", str(len(date.get("slips", [])))],
    ], [35 * mm, 50 * mm, 35 * mm, 50 * mm])]  # fmt: skip
    if date.get("slips"):
        story.append(table([["订单 Order", "延误(小时) Delay (h)"],
                            *[[s["order_no"], s["delay_hours"]] for s in date["slips"][:20]]], [85 * mm, 85 * mm]))  # fmt: skip
    material = impact.get("material", {})
    story.append(p("物料影响 Material impact", h2))
    if not material.get("available"):
        story.append(p("评估时尚无 BOM/库存数据。Not available: assessed before BOM / stock data existed."))
    elif material.get("no_bom") or not material.get("items"):
        story.append(p("物料需求无变化。No change in material needs."))
    else:
        story.append(table([["物料 Component", "变更前 Before", "变更后 After", "缺口 Short", "可满足日期 Covered on"],
                            *[[f"{m['code']} {m['name']}", m["before"], m["after"], m["short"], m["covered_on"] or "—"]
                              for m in material["items"][:30]]],
                           [60 * mm, 25 * mm, 25 * mm, 25 * mm, 35 * mm]))  # fmt: skip
    story += [p("金额影响 Value impact", h2), table([
        ["含税金额(前) Total before", value.get("gross_before", "—"), "含税金额(后) Total after", value.get("gross_after", "—")],
        ["差额 Difference", value.get("gross_delta", "—"), "未税(后) Net after", value.get("net_after", "—")],
    ], [35 * mm, 50 * mm, 35 * mm, 50 * mm])]  # fmt: skip
    story += [p("审批记录 Approvals", h2)]
    if decisions:
        story.append(table([["步骤 Step", "审批人 Approver", "结论 Decision", "时间 Time", "意见 Comment"],
                            *[[d.node_index + 1, d.staff_name, DECISIONS.get(d.decision, d.decision),
                               _when(d.decided_at), d.comment or "—"] for d in decisions]],
                           [18 * mm, 32 * mm, 28 * mm, 32 * mm, 60 * mm]))  # fmt: skip
    else:
        story.append(p("尚无审批。No decision yet."))
    if signature is not None:
        story += [Spacer(1, 6 * mm), p("客户签署 Customer signature", h2), table([
            ["签署人 Signed by", signature.typed_name, "账号 Account", signature.account_name],
            ["时间 Time", _when(signature.signed_at), "IP", signature.ip],
        ], [35 * mm, 50 * mm, 35 * mm, 50 * mm]),
            p("所签简报的 SHA-256 · SHA-256 of the report signed:"), p(signature.report_sha256)]  # fmt: skip
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=18 * mm, title=f"变更影响评估简报 {cr.number}", author="OrderPulse",
                            invariant=1)  # fmt: skip
    doc.build(story)
    return buffer.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
