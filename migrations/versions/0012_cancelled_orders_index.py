"""Cancelled orders indexed apart (a partial index): the overview says how many of a
customer's orders were cancelled, and counting them must not read every order of a
customer with thousands.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_orders_tenant_customer_cancelled", "orders",
                    ["tenant_id", "customer_id"],
                    sqlite_where=sa.text("cancelled IS 1"),
                    postgresql_where=sa.text("cancelled IS true"))
    if op.get_bind().dialect.name == "sqlite":  # planner statistics that know the index
        op.execute("ANALYZE orders")


def downgrade() -> None:
    op.drop_index("ix_orders_tenant_customer_cancelled", table_name="orders")
