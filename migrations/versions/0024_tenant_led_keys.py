"""PostgreSQL: every table's primary key leads with its tenant, `(tenant_id, id)`, so the
schema can be distributed by tenant (Citus, docs/deploy.md): a distributed table's primary
and unique keys must hold the distribution column. The (tenant_id, id) unique keys the
references already used become those primary keys (one index instead of two), and every
reference between tenant tables is made again on them, unchanged. Ids keep their values
and their one sequence per table.

SQLite: nothing. Its tables are never distributed; `id` stays the rowid (how SQLite stores
a row and hands out its id), beside the (tenant_id, id) unique key references use.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection, text

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose primary key was `id` alone; those with a (tenant_id, id) unique key beside.
KEYED_BY_ID = ("activities", "api_tokens", "audit_entries", "customers", "duplicate_pairs",
               "duplicate_scans", "imports", "license_types", "merges", "order_lines",
               "orders", "payment_terms", "samples", "saved_views", "setting_changes",
               "statuses", "stores", "users")
WITH_UNIQUE = ("audit_entries", "customers", "duplicate_scans", "imports", "license_types",
               "merges", "orders", "payment_terms", "saved_views", "setting_changes",
               "statuses", "stores", "users")


def _references(bind: Connection) -> list[tuple[str, str, str]]:
    """Every foreign key into these tables: (its table, its name, its definition)."""
    return [tuple(r) for r in bind.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE contype = 'f' AND confrelid = ANY("
        "SELECT c.oid FROM pg_class c WHERE c.relname = ANY(:tables) "
        "AND c.relnamespace = current_schema()::regnamespace) ORDER BY 1, 2"),
        {"tables": list(KEYED_BY_ID)})]


def _rekey(primary: str, unique_too: bool) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    references = _references(bind)
    for table, name, _ in references:
        op.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for table in KEYED_BY_ID:
        steps = [f"DROP CONSTRAINT pk_{table}", f"ADD CONSTRAINT pk_{table} {primary}"]
        if table in WITH_UNIQUE:
            steps.insert(0, f"DROP CONSTRAINT IF EXISTS uq_{table}_tenant_id_id")
            if unique_too:
                steps.append(f"ADD CONSTRAINT uq_{table}_tenant_id_id UNIQUE (tenant_id, id)")
        op.execute(f"ALTER TABLE {table} {', '.join(steps)}")
    for table, name, definition in references:
        op.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def upgrade() -> None:
    _rekey("PRIMARY KEY (tenant_id, id)", unique_too=False)


def downgrade() -> None:
    _rekey("PRIMARY KEY (id)", unique_too=True)
