"""Products (and later BOMs, routings, work centers)."""
