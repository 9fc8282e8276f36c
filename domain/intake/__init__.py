"""Intake: every channel's input turned into order drafts (Excel workbooks, portal re-orders, …)."""
