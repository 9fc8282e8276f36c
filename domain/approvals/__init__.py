"""Approval chains as data: ordered nodes of roles or named staff, any-one or countersign, level → chain."""
