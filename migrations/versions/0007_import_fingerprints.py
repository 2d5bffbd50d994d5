"""Import fingerprints: the raw row each customer was last imported from, so that a
re-import recognises unchanged rows before parsing them.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_fingerprints",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.LargeBinary(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("total_spent_cents", sa.BigInteger(), nullable=False),
        sa.Column("match_rule", sa.String(length=20), nullable=False),
        sa.Column("match_key", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id", "customer_id"],
                                ["customers.tenant_id", "customers.id"],
                                name=op.f("fk_import_fingerprints_tenant_id_customer_id_customers"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_import_fingerprints_tenant_id_tenants"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "customer_id",
                                name=op.f("pk_import_fingerprints")),
    )
    op.create_index("ix_import_fingerprints_digest", "import_fingerprints",
                    ["tenant_id", "digest"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_import_fingerprints_digest", table_name="import_fingerprints")
    op.drop_table("import_fingerprints")
