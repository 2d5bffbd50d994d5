"""The birthdays-by-month-and-day index (SQLite) holds the rows whose month-day is not NULL,
stated on the expression itself: a filter on a month or on the next N days then implies it
by itself, with no `birthday IS NOT NULL` beside it, which offered the planner a range over
every birthday in the born-between index (0021) and, depending on the statistics, was taken.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = "ix_customers_birthday_month_day"
_MONTH_DAY = "substr(birthday, 6, 5)"


def _recreate(where: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.drop_index(_NAME, "customers")
    op.create_index(_NAME, "customers", ["tenant_id", sa.text(_MONTH_DAY), "id"],
                    sqlite_where=sa.text(where))
    if bind.exec_driver_sql("SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat1'").first():
        op.execute("PRAGMA analysis_limit = 0")  # statistics for it too (see 0019)
        op.execute(f"ANALYZE {_NAME}")


def upgrade() -> None:
    _recreate(f"{_MONTH_DAY} IS NOT NULL")


def downgrade() -> None:
    _recreate("birthday IS NOT NULL")
