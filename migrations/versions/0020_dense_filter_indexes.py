"""Indexes for the directory's remaining value filters: risk level, shopper level (in any
case) and country hold only the customers that have one; the age-limited flag, which every
customer has, is whole; on SQLite, birthdays by month and day (PostgreSQL's to_char cannot
be indexed).

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SPARSE = ("risk_level", "country")
_NAMES = (*_SPARSE, "shopper_level", "age_limited")


def upgrade() -> None:
    for column in _SPARSE:
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_customers_{column}", "customers", ["tenant_id", column, "id"],
                        sqlite_where=where, postgresql_where=where)
    where = sa.text("shopper_level IS NOT NULL")
    op.create_index("ix_customers_shopper_level", "customers",
                    ["tenant_id", sa.text("lower(shopper_level)"), "id"],
                    sqlite_where=where, postgresql_where=where)
    op.create_index("ix_customers_age_limited", "customers",
                    ["tenant_id", "allow_age_limited_products", "id"])
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.create_index("ix_customers_birthday_month_day", "customers",
                    ["tenant_id", sa.text("substr(birthday, 6, 5)"), "id"],
                    sqlite_where=sa.text("birthday IS NOT NULL"))
    if bind.exec_driver_sql("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").first():
        # Statistics for the new indexes too (see 0019): without them SQLite guesses.
        op.execute("PRAGMA analysis_limit = 0")
        for name in (*_NAMES, "birthday_month_day"):
            op.execute(f"ANALYZE ix_customers_{name}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index("ix_customers_birthday_month_day", "customers")
    for name in _NAMES:
        op.drop_index(f"ix_customers_{name}", "customers")
