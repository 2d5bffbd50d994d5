"""Merges: what each merge moved (and what undoing it needs), merged customers' ids and
keys, and the audit trail's merged/unmerged entries.

Revision ID: 0016
Revises: 0015
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patronage.db import UTCDateTime

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIONS = "('created', 'updated', 'deleted', 'merged', 'unmerged')"
_OLD_ACTIONS = "('created', 'updated', 'deleted')"


def _tenant(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_tenant_id_tenants")


def _actions(allowed: str) -> None:
    with op.batch_alter_table("audit_entries") as batch:  # SQLite: the table is rebuilt
        batch.drop_constraint(op.f("ck_audit_entries_action"), type_="check")
        batch.create_check_constraint("action", f"action IN {allowed}")


def upgrade() -> None:
    op.create_table(
        "merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_ids", sa.JSON(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("merged_at", UTCDateTime(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.Column("undone_by", sa.String(254), nullable=True),
        _tenant("merges"),
        sa.ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                                name="fk_merges_tenant_id_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_merges"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_merges_tenant_id_id"))
    op.create_index("ix_merges_tenant_survivor", "merges", ["tenant_id", "survivor_id", "id"])

    op.create_table(
        "customer_redirects",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merge_id", sa.Integer(), nullable=False),
        _tenant("customer_redirects"),
        sa.PrimaryKeyConstraint("tenant_id", "merged_id", name="pk_customer_redirects"))
    op.create_index("ix_customer_redirects_merged", "customer_redirects", ["merged_id"])

    op.create_table(
        "merged_keys",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(20), nullable=False),
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("merge_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        _tenant("merged_keys"),
        sa.PrimaryKeyConstraint("tenant_id", "rule", "key", "merge_id",
                                name="pk_merged_keys"))
    op.create_index("ix_merged_keys_tenant_merge", "merged_keys", ["tenant_id", "merge_id"])
    _actions(_ACTIONS)


def downgrade() -> None:
    op.execute(f"DELETE FROM audit_entries WHERE action NOT IN {_OLD_ACTIONS}")
    _actions(_OLD_ACTIONS)
    op.drop_table("merged_keys")
    op.drop_table("customer_redirects")
    op.drop_table("merges")
