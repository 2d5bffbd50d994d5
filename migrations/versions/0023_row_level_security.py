"""PostgreSQL: row-level security on every tenant table, forced on the owner too, so a
query that forgets its tenant sees and writes nothing (patronage.tenancy.row_security);
and ANALYZE for the application's role, which owns no table. SQLite: nothing.

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

from alembic import op

from patronage.tenancy import row_security

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in row_security.tenant_tables(bind):
        row_security.protect(bind, table)
    row_security.create_analyze_function(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in row_security.tenant_tables(bind):
        row_security.unprotect(bind, table)
    op.execute(f"DROP FUNCTION {row_security.ANALYZE_FUNCTION}(regclass)")
