"""Revision diffs and the report hash."""

from __future__ import annotations

from domain.changes.revisions import diff


def snap(qty: str, date: str, lines: int = 1) -> dict:
    base = [{"line_no": 1, "part_no": "A-1", "quantity": qty, "amount_net": "10"}]
    if lines == 2:
        base.append({"line_no": 2, "part_no": "B-2", "quantity": "5", "amount_net": "3"})
    return {"header": {"requested_date": date, "total_net": "10"}, "lines": base}


def test_diff_names_each_changed_field_and_whole_lines() -> None:
    rows = diff(snap("100", "2026-12-01", 2), snap("120", "2026-12-08"))
    assert [(r.where, r.line_no, r.field, r.old, r.new) for r in rows] == [
        ("header", None, "requested_date", "2026-12-01", "2026-12-08"),
        ("line", 1, "quantity", "100", "120"),
        ("line", 2, "removed", "B-2 × 5", ""),
    ]


def test_diff_of_equal_snapshots_is_empty_and_is_directional() -> None:
    a, b = snap("100", "2026-12-01"), snap("100", "2026-12-01", 2)
    assert diff(a, a) == []
    assert [r.field for r in diff(a, b)] == ["added"]
    assert [r.field for r in diff(b, a)] == ["removed"]
