"""How autogenerate compares the models with the database: column types by the dialect's own rules,
minus what SQLite cannot reflect, and PostgreSQL-only search indexes that no model declares.

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


# Trigram (pg_trgm) indexes for the order desk's contains-search: PostgreSQL only, created by
# migration 0003. SQLAlchemy's metadata cannot declare an index for one dialect without the other
# seeing it, so they live in the migration alone and the comparison leaves them be.
POSTGRES_ONLY_INDEXES = frozenset({"ix_sales_orders_order_no_trgm", "ix_sales_orders_customer_po_trgm"})


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    return not (type_ == "index" and reflected and name in POSTGRES_ONLY_INDEXES)
