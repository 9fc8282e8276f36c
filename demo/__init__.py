"""Demo data: a small, plausible factory to click through (`litestar demo load`)."""
