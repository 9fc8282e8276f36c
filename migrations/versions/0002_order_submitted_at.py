"""sales_orders.submitted_at: when the order first became the customer's business

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:20:00
"""

import advanced_alchemy.types.datetime
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sales_orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("submitted_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True)
        )
    # Existing orders: the first time their timeline reached "submitted".
    op.execute(
        """
        UPDATE sales_orders SET submitted_at = (
            SELECT min(e.created_at) FROM order_events e
            WHERE e.order_id = sales_orders.id AND e.to_status = 'submitted'
        )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("sales_orders", schema=None) as batch_op:
        batch_op.drop_column("submitted_at")
