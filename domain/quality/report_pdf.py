"""The QC report as a PDF (ReportLab). Knows nothing of the database: it draws a ``ReportData``.

Chinese text needs a font that carries it: Debian's WenQuanYi Micro Hei is embedded (subset) in every
file, so the report reads the same on any phone. Out-of-tolerance values are marked by colour *and* by
the ✘ sign with "超差 OUT", so the mark survives printing in black and white and text extraction.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from domain.base import SHANGHAI

FONT_PATH = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT = "WQYMicroHei"
OUT_MARK = "✘"
RED = colors.HexColor("#b42318")
GREEN = colors.HexColor("#067647")
GREY = colors.HexColor("#667085")
LINE = colors.HexColor("#d0d5dd")
HEAD_BG = colors.HexColor("#f2f4f7")


@dataclass(frozen=True)
class CharacteristicRow:
    name: str
    nominal: Decimal
    lower_tol: Decimal
    upper_tol: Decimal
    unit: str
    measured: Sequence[Decimal]
    passed: bool

    def out_of_tolerance(self, value: Decimal) -> bool:
        return not (self.nominal + self.lower_tol <= value <= self.nominal + self.upper_tol)


@dataclass(frozen=True)
class ReportData:
    company: str
    report_no: str
    order_no: str
    customer_po: str
    customer_name: str
    part_no: str
    part_name: str
    quantity: str
    lot_no: str
    standard: str
    standard_version: str
    instrument: str
    passed: bool
    inspector: str
    inspected_at: dt.datetime | None
    approver: str
    approved_at: dt.datetime | None
    published_at: dt.datetime
    characteristics: Sequence[CharacteristicRow]


@cache
def _register_font() -> str:
    """Once per process: parsing the .ttc costs ~100 ms."""
    pdfmetrics.registerFont(TTFont(FONT, FONT_PATH, subfontIndex=0))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _register_font()
    base = ParagraphStyle("base", fontName=font, fontSize=9, leading=12)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10, textColor=GREY),
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=20, alignment=TA_CENTER),
        "company": ParagraphStyle("company", parent=base, fontSize=11, leading=14, alignment=TA_CENTER),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
        "num": ParagraphStyle("num", parent=base, fontSize=8.5, leading=11, alignment=TA_RIGHT),
        "verdict": ParagraphStyle("verdict", parent=base, fontSize=13, leading=17),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """Every piece of user text goes through here: Paragraph reads markup, so < & > must be escaped."""
    return Paragraph(escape(text), style)


def _num(value: Decimal) -> str:
    text = format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return text


def _tol(lower: Decimal, upper: Decimal) -> str:
    if lower == -upper:
        return f"±{_num(upper)}"
    return f"{'+' if upper >= 0 else ''}{_num(upper)} / {'+' if lower >= 0 else ''}{_num(lower)}"


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else "—"


def _measured_markup(row: CharacteristicRow) -> str:
    parts = []
    for value in row.measured:
        text = escape(_num(value))
        if row.out_of_tolerance(value):
            parts.append(f'<font color="#b42318"><b>{text} {OUT_MARK}</b></font>')
        else:
            parts.append(text)
    return "  ".join(parts)


class _NumberedCanvas(rl_canvas.Canvas):
    """Keeps every page until the end so each footer can say how many pages there are."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._pages: list[dict[str, object]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(FONT, 8)
            self.setFillColor(GREY)
            self.drawCentredString(A4[0] / 2, 10 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页")
            self.drawRightString(A4[0] - 15 * mm, 10 * mm, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


def render_report(data: ReportData) -> bytes:
    """The report's PDF bytes. Deterministic for the same data except ReportLab's creation date."""
    st = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm, bottomMargin=18 * mm,
        title=f"QC report {data.report_no}", author=data.company, subject=f"{data.order_no} {data.lot_no}",
    )  # fmt: skip
    story: list[object] = [
        _p(data.company, st["company"]),
        Spacer(1, 2 * mm),
        _p("检验报告 Inspection Report", st["title"]),
        _p(
            f"报告编号 Report no. {data.report_no}",
            ParagraphStyle("rn", parent=st["small"], alignment=TA_CENTER),
        ),
        Spacer(1, 5 * mm),
    ]
    facts = [
        ("客户 Customer", data.customer_name, "订单号 Order no.", data.order_no),
        ("客户PO PO no.", data.customer_po or "—", "批次号 Lot no.", data.lot_no),
        ("零件号 Part no.", data.part_no, "零件名称 Part", data.part_name),
        ("数量 Quantity", data.quantity, "检验量具 Instrument", data.instrument or "—"),
        ("检验标准 Standard", data.standard, "标准版本 Version", data.standard_version),
    ]
    facts_table = Table(
        [
            [_p(a, st["small"]), _p(b, st["cell"]), _p(c, st["small"]), _p(d, st["cell"])]
            for a, b, c, d in facts
        ],
        colWidths=[28 * mm, 62 * mm, 28 * mm, 62 * mm],
    )
    facts_table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
        ("BACKGROUND", (2, 0), (2, -1), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))  # fmt: skip
    story += [facts_table, Spacer(1, 5 * mm)]

    header = [_p(t, st["small"]) for t in ("#", "特性 Characteristic", "名义值 Nominal", "公差 Tolerance",
                                               "单位 Unit", "实测值 Measured", "判定 Result")]  # fmt: skip
    rows: list[list[object]] = [header]
    out_rows = []
    for i, row in enumerate(data.characteristics, start=1):
        result = "合格 OK" if row.passed else f"{OUT_MARK} 超差 OUT"
        rows.append([
            _p(str(i), st["num"]), _p(row.name, st["cell"]), _p(_num(row.nominal), st["num"]),
            _p(_tol(row.lower_tol, row.upper_tol), st["cell"]), _p(row.unit, st["cell"]),
            Paragraph(_measured_markup(row), st["cell"]),
            Paragraph(f'<font color="{"#067647" if row.passed else "#b42318"}"><b>{result}</b></font>', st["cell"]),
        ])  # fmt: skip
        if not row.passed:
            out_rows.append(i)
    table = Table(
        rows, colWidths=[8 * mm, 38 * mm, 20 * mm, 24 * mm, 12 * mm, 56 * mm, 22 * mm], repeatRows=1
    )
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, LINE),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    style += [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#fef3f2")) for r in out_rows]
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 3 * mm)]
    story.append(_p(f"{OUT_MARK} = 超出公差 out of tolerance", st["small"]))
    story.append(Spacer(1, 5 * mm))

    verdict = "合格 PASS" if data.passed else "不合格 FAIL"
    colour = "#067647" if data.passed else "#b42318"
    story.append(Paragraph(f'结论 Verdict: <font color="{colour}"><b>{verdict}</b></font>', st["verdict"]))
    story.append(Spacer(1, 5 * mm))
    signatures = Table(
        [
            [_p("检验员 Inspector", st["small"]), _p(data.inspector, st["cell"]), _p(_when(data.inspected_at), st["cell"])],
            [_p("批准人 Approver", st["small"]), _p(data.approver or "—", st["cell"]), _p(_when(data.approved_at), st["cell"])],
            [_p("发布 Published", st["small"]), _p("", st["cell"]), _p(_when(data.published_at), st["cell"])],
        ],
        colWidths=[30 * mm, 80 * mm, 70 * mm],
    )  # fmt: skip
    signatures.setStyle(
        TableStyle([("GRID", (0, 0), (-1, -1), 0.4, LINE), ("BACKGROUND", (0, 0), (0, -1), HEAD_BG)])
    )
    story.append(signatures)
    doc.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()
