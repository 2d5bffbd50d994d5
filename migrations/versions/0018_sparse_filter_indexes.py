"""Partial indexes for the directory's sparse filters: a membership ID, a license's expiry
(only the customers holding one are indexed).

Revision ID: 0018
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SPARSE = ("membership_id", "license_expires_on")


def upgrade() -> None:
    for column in _SPARSE:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_customers_{column}", "customers", ["tenant_id", column, "id"],
                        sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for column in _SPARSE:
        op.drop_index(f"ix_customers_{column}", "customers")
