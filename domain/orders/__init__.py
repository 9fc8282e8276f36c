"""Sales orders: lines, lifecycle (one state table), versions and the timeline."""
