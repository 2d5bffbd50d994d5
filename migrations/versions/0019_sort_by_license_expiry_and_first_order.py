"""Sorting by a license's expiry and by the first order: a whole (tenant_id, column, id)
index on each, like every sort column; the whole index on the expiry replaces 0018's partial
one, which served its filters only.

Revision ID: 0019
Revises: 0018
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SORTED = ("license_expires_on", "first_order_at")


def upgrade() -> None:
    for column in _SORTED:
        op.create_index(f"ix_customers_sort_{column}", "customers", ["tenant_id", column, "id"])
    op.drop_index("ix_customers_license_expires_on", "customers")


def downgrade() -> None:
    where = sa.text("license_expires_on IS NOT NULL")
    op.create_index("ix_customers_license_expires_on", "customers",
                    ["tenant_id", "license_expires_on", "id"],
                    sqlite_where=where, postgresql_where=where)
    for column in _SORTED:
        op.drop_index(f"ix_customers_sort_{column}", "customers")
