"""Imported totals: the orders and spend a customer was imported with, kept apart from the
orders recorded here, so every recount adds the two and the overview says where each
figure comes from.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("customers", sa.Column("imported_order_count", sa.Integer(),
                                         nullable=False, server_default="0"))
    op.add_column("customers", sa.Column("imported_spent_cents", sa.BigInteger(),
                                         nullable=False, server_default="0"))
    op.add_column("customers", sa.Column("totals_imported_at", sa.DateTime(timezone=True)))
    # What the figures hold beyond the orders recorded here came from elsewhere (an import,
    # the demo seed); when is not known for customers written before this revision.
    op.execute("""
        UPDATE customers SET
          imported_order_count = order_count - (
            SELECT count(*) FROM orders o WHERE o.tenant_id = customers.tenant_id
              AND o.customer_id = customers.id AND NOT o.cancelled),
          imported_spent_cents = total_spent_cents - (
            SELECT coalesce(sum(o.total_cents), 0) FROM orders o
              WHERE o.tenant_id = customers.tenant_id AND o.customer_id = customers.id
              AND NOT o.cancelled)
        WHERE order_count > 0 OR total_spent_cents > 0""")


def downgrade() -> None:
    for column in ("totals_imported_at", "imported_spent_cents", "imported_order_count"):
        op.drop_column("customers", column)
