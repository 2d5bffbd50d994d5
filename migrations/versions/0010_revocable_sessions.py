"""Revocable sessions: each member's session version (a sign-out, a new password, a new
role or their removal moves it, and every session signed with an older one ends at once).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("session_version", sa.Integer(), nullable=False,
                                     server_default="1"))


def downgrade() -> None:
    op.drop_column("users", "session_version")
