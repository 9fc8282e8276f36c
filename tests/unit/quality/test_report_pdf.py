"""The report PDF: the Chinese text, the out-of-tolerance marks and the page numbers can be read back
out of the file (pypdf), and user text that looks like markup is printed, not interpreted."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

from pypdf import PdfReader

from domain.quality.report_pdf import CharacteristicRow, ReportData, render_report

NOW = dt.datetime(2026, 11, 25, 6, 30, tzinfo=dt.UTC)


def data(count: int, *, bad: set[int] = frozenset(), name: str = "外径") -> ReportData:  # type: ignore[assignment]
    rows = [
        CharacteristicRow(f"{name} {i}", D("20"), D("-0.05"), D("0.05"), "mm",
                          [D("20.01"), D("20.07") if i in bad else D("19.99")], i not in bad)
        for i in range(1, count + 1)
    ]  # fmt: skip
    return ReportData(
        company="宁波精密 <Parts> & Co", report_no="QC-1", order_no="SO-2026-000001", customer_po="PO-<1>",
        customer_name="苏州恒驰制动系统有限公司", part_no="HR-BC-1001", part_name="制动钳支架", quantity="100 件",
        lot_no="L2026-11-25", standard="GB/T 1804-m", standard_version="2000", instrument="数显卡尺 0-150",
        passed=not bad, inspector="张工", inspected_at=NOW, approver="李经理", approved_at=NOW, published_at=NOW,
        characteristics=rows,
    )  # fmt: skip


def text_of(pdf: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_chinese_text_marks_and_verdict_survive_extraction() -> None:
    pages, text = text_of(render_report(data(10, bad={3})))
    assert pages == 1
    for expected in ("检验报告", "苏州恒驰制动系统有限公司", "制动钳支架", "L2026-11-25", "GB/T 1804-m", "2000",
                     "数显卡尺", "张工", "李经理", "2026-11-25 14:30", "不合格 FAIL"):  # fmt: skip
        assert expected in text, expected
    assert "20.07 ✘" in text  # the value itself is marked
    assert text.count("超差 OUT") == 1  # and its row's result
    assert "第 1 页 / 共 1 页" in text


def test_passing_report_has_no_marks() -> None:
    _, text = text_of(render_report(data(5)))
    assert "合格 PASS" in text
    assert "超差 OUT" not in text
    assert "20.07" not in text


def test_long_report_numbers_every_page() -> None:
    pages, text = text_of(render_report(data(60, bad={59})))
    assert pages >= 2
    for n in range(1, pages + 1):
        assert f"第 {n} 页 / 共 {pages} 页" in text
    assert "外径 60" in text  # the last row made it


def test_markup_in_user_text_is_printed_literally() -> None:
    _, text = text_of(render_report(data(2, name="<script>alert(1)</script> & <b>")))
    squeezed = "".join(text.split())  # the narrow cell wraps the name over lines
    assert "<script>alert(1)</script>&<b>1" in squeezed
    assert "宁波精密 <Parts> & Co" in text
    assert "PO-<1>" in text


def test_font_is_embedded() -> None:
    pdf = render_report(data(1))
    reader = PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"] if "/DescendantFonts" in f.get_object()
                   else f.get_object().get("/FontDescriptor") for f in fonts.values()]  # fmt: skip
    assert any(d is not None and "/FontFile2" in d.get_object() for d in descriptors)
