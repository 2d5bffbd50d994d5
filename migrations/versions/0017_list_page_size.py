"""Each member's directory page size, beside their columns (which may now be left at the
defaults: null).

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("column_preferences") as batch:
        batch.add_column(sa.Column("page_size", sa.Integer(), nullable=True))
        batch.alter_column("columns", existing_type=sa.JSON(), nullable=True)
        batch.create_check_constraint("page_size", "page_size IS NULL OR page_size IN "
                                      "(25, 50, 100, 200)")


def downgrade() -> None:
    op.execute("DELETE FROM column_preferences WHERE columns IS NULL "
               "OR CAST(columns AS TEXT) = 'null'")
    with op.batch_alter_table("column_preferences") as batch:
        batch.drop_constraint(op.f("ck_column_preferences_page_size"), type_="check")
        batch.alter_column("columns", existing_type=sa.JSON(), nullable=False)
        batch.drop_column("page_size")
