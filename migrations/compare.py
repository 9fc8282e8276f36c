"""How autogenerate compares column types: the dialect's own rules, minus what SQLite cannot reflect.

Used by env.py (``litestar database make-migrations``) and by the test that checks the models and the
migrations agree, so both see the same differences.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from advanced_alchemy.types import GUID


def compare_type(
    context: Any, inspected_column: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    if context.dialect.name == "sqlite" and isinstance(metadata_type, GUID):
        # SQLite has no BINARY type: the GUID's BINARY(16) column reads back as NUMERIC(16).
        return not isinstance(inspected_type, sa.Numeric | sa.LargeBinary)
    return None  # the default comparison
