"""Money bounds in the database too: an order totals at most 99,999,999.99, and a customer's
total spent (imported part included) at most 10,000,000,000,000.00 — exact as a float, far
inside BIGINT, so no sum can overflow into a wrong figure. PostgreSQL checks constraints;
SQLite (which cannot add a CHECK to a table without rebuilding it) raises from triggers.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAX_ORDER_CENTS = 9_999_999_999
MAX_SPENT_CENTS = 10**15
# (table, constraint) -> the condition, its columns named with a prefix (SQLite's NEW.).
CHECKS = {
    ("orders", "ck_orders_total_bounded"):
        lambda row: f"{row}total_cents <= {MAX_ORDER_CENTS}",
    ("customers", "ck_customers_spent_bounded"):
        lambda row: f"{row}total_spent_cents <= {MAX_SPENT_CENTS} AND "
                    f"{row}imported_spent_cents <= {MAX_SPENT_CENTS}",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for (table, name), condition in CHECKS.items():
            op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} CHECK ({condition('')}) "
                       "NOT VALID")
            op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}")
        return
    for (table, name), condition in CHECKS.items():
        for event in ("INSERT", "UPDATE"):
            op.execute(f"CREATE TRIGGER {name}_{event.lower()} BEFORE {event} ON {table} "
                       f"WHEN NOT ({condition('NEW.')}) "
                       f"BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END")


def downgrade() -> None:
    for table, name in CHECKS:
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        else:
            for event in ("insert", "update"):
                op.execute(f"DROP TRIGGER {name}_{event}")
