"""PostgreSQL: a trigram index on the email alone, for the email filter.

The filter's fragments ("green", "john") are found through the search document's index,
whose candidates are every customer with the fragment anywhere (14,000 names hold "green",
4,800 emails); and a fragment in more than 2,000 emails was walked along the page's sort
instead, which for a sort by last order read ~10,000 customers at random (270 ms at a
million; the planner, guessing one match, read all of them in parallel). The search
function (row_security.SEARCH_FUNCTION) checks the column itself, so PostgreSQL takes this
index for it; a page sorted by another column lists up to search.LISTED_BY_COLUMN matches
through it and sorts them. SQLite: nothing (its FTS5 table has a column per field).

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

from alembic import op

from patronage.migration_scope import EMAIL_SEARCH_INDEX

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX IF NOT EXISTS {EMAIL_SEARCH_INDEX} ON customers "
                   "USING gin (lower(coalesce(email, '')) gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP INDEX IF EXISTS {EMAIL_SEARCH_INDEX}")
