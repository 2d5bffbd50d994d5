"""PostgreSQL: the directory's sort indexes hold their sort column NULLS FIRST. The
directory sorts NULL as the smallest value (SQLite's order): `ORDER BY col ASC NULLS
FIRST` and `col DESC NULLS LAST`. PostgreSQL's default index (NULLS LAST) yields neither,
so every sort by a column read the whole workspace and sorted it (180 ms for a million
customers by name); a NULLS FIRST index yields the first forwards and the second
backwards. SQLite: nothing (its indexes already sort NULL first).

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The sort indexes as of this revision: name -> (equality column or None, sort column).
_SORTED = {f"ix_customers_sort_{c}": (None, c) for c in (
    "sort_name", "external_id", "type", "email", "city", "state", "zip", "license_key",
    "license_type_id", "license_expires_on", "sales_rep_id", "status_id", "master_store_id",
    "registered_at", "last_login_at", "last_activity_at", "order_count",
    "total_spent_cents", "first_order_at", "last_order_at", "created_at", "updated_at")}
_SORTED.update({"ix_customers_state_spent": ("state", "total_spent_cents"),
                "ix_customers_subscription_spent": ("subscription", "total_spent_cents")})


def _recreate(nulls: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, (equal, column) in _SORTED.items():
        columns = ", ".join(c for c in ("tenant_id", equal, f"{column}{nulls}", "id") if c)
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE INDEX {name} ON customers ({columns})")


def upgrade() -> None:
    _recreate(" NULLS FIRST")


def downgrade() -> None:
    _recreate("")
