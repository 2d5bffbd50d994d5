"""Per-user directory columns and saved views.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "column_preferences",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                                name="fk_column_preferences_tenant_id_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", name="pk_column_preferences"),
    )
    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("query", sa.String(2000), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=True),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 80", name="ck_saved_views_name_length"),
        sa.ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                                name="fk_saved_views_tenant_id_user_id_users",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_saved_views"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_saved_views_tenant_id_id"),
        sa.UniqueConstraint("tenant_id", "user_id", "name",
                            name="uq_saved_views_tenant_id_user_id_name"),
    )
    op.create_index("ix_saved_views_tenant_shared", "saved_views", ["tenant_id", "shared"])


def downgrade() -> None:
    op.drop_index("ix_saved_views_tenant_shared", "saved_views")
    op.drop_table("saved_views")
    op.drop_table("column_preferences")
