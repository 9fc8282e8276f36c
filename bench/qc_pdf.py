"""QC report PDF generation: time per report and file size, for a short and a long report.

    .venv/bin/python -m bench.qc_pdf [--runs 40] [--samples 5]

Renders the same report that publishing renders (domain.quality.report_pdf, CJK font embedded,
page numbers in a second pass) plus its SHA-256, in-process, after 3 warm-ups (the first call also
loads the font, which is reported separately). Prints p50/p95 in ms and the size in kB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import random
import time
from decimal import Decimal

from pypdf import PdfReader

from domain.quality.report_pdf import CharacteristicRow, ReportData, render_report


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def report(characteristics: int, samples: int, rng: random.Random) -> ReportData:
    rows = []
    for i in range(characteristics):
        nominal = Decimal(rng.choice(["12.000", "25.000", "68.00", "0.8", "45"]))
        values = [nominal + Decimal(str(round(rng.uniform(-0.06, 0.06), 3))) for _ in range(samples)]
        low, high = nominal - Decimal("0.05"), nominal + Decimal("0.05")
        rows.append(CharacteristicRow(f"特性 {i + 1} 外径 Ø{nominal}", nominal, Decimal("-0.05"), Decimal("0.05"),
                                      "mm", values, all(low <= v <= high for v in values)))  # fmt: skip
    now = dt.datetime.now(dt.UTC)
    return ReportData(
        company="宁波订单脉搏精密机械有限公司 · OrderPulse Precision Parts Co., Ltd.", report_no="QC-2026-000001-1",
        order_no="SO-2026-000001", customer_po="PO-2026-0815", customer_name="宁波拓鹏汽车部件有限公司",
        part_no="HR-BC-1001", part_name="制动钳支架", quantity="1200 件", lot_no="L2026-1125-01",
        standard="GB/T 1804-m / 图纸 DWG-REV C", standard_version="C", instrument="数显卡尺 / 千分尺",
        passed=all(r.passed for r in rows), inspector="赵敏", inspected_at=now, approver="王建国", approved_at=now,
        published_at=now, characteristics=rows,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--samples", type=int, default=5, help="measured values per characteristic")
    args = parser.parse_args()
    rng = random.Random(2026)
    started = time.perf_counter()
    render_report(report(1, 1, rng))
    print(f"first render (font load included): {(time.perf_counter() - started) * 1000:.0f} ms")
    print(f"{'characteristics':>15} {'p50 ms':>8} {'p95 ms':>8} {'size kB':>8} {'pages':>6}")
    for count in (10, 60):
        data = report(count, args.samples, rng)
        for _ in range(3):
            render_report(data)
        times, pdf = [], b""
        for _ in range(args.runs):
            t = time.perf_counter()
            pdf = render_report(data)
            hashlib.sha256(pdf).hexdigest()
            times.append((time.perf_counter() - t) * 1000)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        print(
            f"{count:>15} {percentile(times, 50):>8.1f} {percentile(times, 95):>8.1f} {len(pdf) / 1024:>8.1f} {pages:>6}"
        )


if __name__ == "__main__":
    main()
