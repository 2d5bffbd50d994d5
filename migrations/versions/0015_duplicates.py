"""Duplicates: the likely pairs the finder listed, the pairs staff dismissed, and the
scans of a workspace.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patronage.db import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_tenant_id_tenants")


def _customer(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id", column], ["customers.tenant_id",
                                   "customers.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_tenant_id_customers_{column}")


def _user(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                                   name=f"fk_{table}_tenant_id_user_id_users")


def upgrade() -> None:
    op.create_table(
        "duplicate_pairs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("low_id < high_id", name="ck_duplicate_pairs_ordered"),
        _tenant("duplicate_pairs"), _customer("duplicate_pairs", "low_id"),
        _customer("duplicate_pairs", "high_id"),
        sa.PrimaryKeyConstraint("id", name="pk_duplicate_pairs"),
        sa.UniqueConstraint("tenant_id", "low_id", "high_id",
                            name="uq_duplicate_pairs_tenant_id_low_id_high_id"))
    op.create_index("ix_duplicate_pairs_tenant_score", "duplicate_pairs",
                    ["tenant_id", "score", "id"])
    op.create_index("ix_duplicate_pairs_tenant_high", "duplicate_pairs",
                    ["tenant_id", "high_id"])

    op.create_table(
        "duplicate_dismissals",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("keys", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("dismissed_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("low_id < high_id", name="ck_duplicate_dismissals_ordered"),
        _tenant("duplicate_dismissals"), _customer("duplicate_dismissals", "low_id"),
        _customer("duplicate_dismissals", "high_id"), _user("duplicate_dismissals"),
        sa.PrimaryKeyConstraint("tenant_id", "low_id", "high_id",
                                name="pk_duplicate_dismissals"))
    op.create_index("ix_duplicate_dismissals_tenant_high", "duplicate_dismissals",
                    ["tenant_id", "high_id"])

    op.create_table(
        "duplicate_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("runner", sa.String(100), nullable=True),
        sa.Column("customers", sa.Integer(), nullable=True),
        sa.Column("compared", sa.Integer(), nullable=True),
        sa.Column("found", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('running', 'done', 'failed')",
                           name="ck_duplicate_scans_status"),
        _tenant("duplicate_scans"), _user("duplicate_scans"),
        sa.PrimaryKeyConstraint("id", name="pk_duplicate_scans"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_duplicate_scans_tenant_id_id"))
    op.create_index("ix_duplicate_scans_tenant_started", "duplicate_scans", ["tenant_id", "id"])
    op.create_index("uq_duplicate_scans_tenant_running", "duplicate_scans", ["tenant_id"],
                    unique=True, sqlite_where=sa.text("status = 'running'"),
                    postgresql_where=sa.text("status = 'running'"))


def downgrade() -> None:
    op.drop_table("duplicate_scans")
    op.drop_table("duplicate_dismissals")
    op.drop_table("duplicate_pairs")
