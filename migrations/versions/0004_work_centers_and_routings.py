"""work centers (with their working calendar) and routings per product

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:50:00
"""

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401  (rendered JSONB columns name it)
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "work_centers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("team_lead_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("machines", sa.Integer(), nullable=False),
        sa.Column(
            "calendar",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint("machines >= 1", name=op.f("ck_work_centers_machines_positive")),
        sa.ForeignKeyConstraint(
            ["team_lead_id"], ["staff_users.id"], name=op.f("fk_work_centers_team_lead_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_centers")),
        sa.UniqueConstraint("code", name=op.f("uq_work_centers_code")),
    )
    with op.batch_alter_table("work_centers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_centers_team_lead_id"), ["team_lead_id"], unique=False)

    op.create_table(
        "routing_operations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("product_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("work_center_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("setup_min", sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column("run_min_per_unit", sa.Numeric(precision=10, scale=4), nullable=False),
        sa.Column("is_key", sa.Boolean(), nullable=False),
        sa.Column("stage_name_zh", sa.String(length=50), nullable=False),
        sa.Column("stage_name_en", sa.String(length=80), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.CheckConstraint(
            "setup_min >= 0 AND run_min_per_unit >= 0",
            name=op.f("ck_routing_operations_minutes_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_routing_operations_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["work_center_id"],
            ["work_centers.id"],
            name=op.f("fk_routing_operations_work_center_id_work_centers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_operations")),
        sa.UniqueConstraint("product_id", "seq", name="uq_routing_operations_product_seq"),
    )
    with op.batch_alter_table("routing_operations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_operations_work_center_id"), ["work_center_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_operations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_operations_work_center_id"))
    op.drop_table("routing_operations")
    with op.batch_alter_table("work_centers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_centers_team_lead_id"))
    op.drop_table("work_centers")
