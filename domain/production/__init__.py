"""Production: jobs, operations and the finite-capacity scheduler that plans them.

``calendar`` and ``scheduler`` are pure (no database, no clock); models and commands come later.
"""
