"""PostgreSQL: search reads the trigram index through a function that applies the
transaction's tenant itself (patronage.tenancy.row_security.SEARCH_FUNCTION): beside a
row-level security policy, PostgreSQL applies no LIKE before the policy's own condition,
so the index went unused and a search read every customer (1.2 s at a million). The
function's owner is set by `patronage migrate` (row_security.arrange_roles). SQLite:
nothing.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

from alembic import op

from patronage.tenancy import row_security

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# migration 0002's document, which the trigram index covers
_DOCUMENT = (
    "lower(coalesce(company_name, '') || ' ' || coalesce(first_name, '') || ' ' || "
    "coalesce(last_name, '') || ' ' || coalesce(email, '') || ' ' || "
    "replace(coalesce(phone, ''), '+', '') || ' ' || coalesce(license_number, '') || ' ' || "
    "coalesce(license_key, '') || ' ' || coalesce(external_id, ''))")
# and the columns a filter matches in (customers.search._COLUMN_TEXT)
_COLUMNS = {
    "name": "lower(coalesce(company_name, '') || ' ' || coalesce(first_name, '') || ' ' || "
            "coalesce(last_name, ''))",
    "email": "lower(coalesce(email, ''))",
    "phone": "replace(coalesce(phone, ''), '+', '')",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        row_security.create_search_function(bind, _DOCUMENT, _COLUMNS)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"DROP POLICY IF EXISTS {row_security.SEARCH_POLICY} ON customers")
        op.execute(f"DROP FUNCTION {row_security.SEARCH_FUNCTION}"
                   f"({row_security.SEARCH_ARGUMENTS})")
