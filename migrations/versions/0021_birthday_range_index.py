"""Customers born between two dates: an index on the birthday holding only the customers
that have one (most imports carry none, so they never touch it).

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    where = sa.text("birthday IS NOT NULL")
    op.create_index("ix_customers_birthday", "customers", ["tenant_id", "birthday", "id"],
                    sqlite_where=where, postgresql_where=where)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql(
            "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").first():
        # Statistics for the new index too (see 0019): without them SQLite guesses.
        op.execute("PRAGMA analysis_limit = 0")
        op.execute("ANALYZE ix_customers_birthday")


def downgrade() -> None:
    op.drop_index("ix_customers_birthday", "customers")
