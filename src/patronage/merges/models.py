"""A merge as it was made (with what undoing it needs), the ids merged customers had, and
the keys events may still name them by."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from patronage.db import Base, TenantScoped, UTCDateTime, tenant_fk, tenant_row_key, utcnow


class Merge(TenantScoped, Base):
    """Customers merged into a survivor: who did it, and ``snapshot``, everything needed to
    put both back as they were (their rows, tags, stores, and the ids of what moved)."""

    __tablename__ = "merges"
    __table_args__ = (
        tenant_row_key(),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        tenant_fk("user_id", "users", ondelete=None),
        Index("ix_merges_tenant_survivor", "tenant_id", "survivor_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    # No reference: the survivor may be deleted later; its merge stays on record.
    survivor_id: Mapped[int] = mapped_column(Integer)
    merged_ids: Mapped[list[int]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(254))
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moved: Mapped[dict] = mapped_column(JSON)  # kind -> how many (what the audit lists)
    snapshot: Mapped[dict] = mapped_column(JSON)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(254))


class CustomerRedirect(TenantScoped, Base):
    """A merged customer's id, answering with the customer it was merged into."""

    __tablename__ = "customer_redirects"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "merged_id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        # On SQLite a new customer takes the highest id plus one: the highest merged id is
        # read here too, so a merged id is never handed out again (writes.Writer.create).
        Index("ix_customer_redirects_merged", "merged_id"),
    )

    tenant_id: Mapped[int] = mapped_column(Integer)
    merged_id: Mapped[int] = mapped_column(Integer)
    survivor_id: Mapped[int] = mapped_column(Integer)
    merge_id: Mapped[int] = mapped_column(Integer)


class MergedKey(TenantScoped, Base):
    """A key a merged customer was known by (``rule`` as customers.matching names them):
    events naming it find the survivor while no customer holds it (imports do not look
    here: a re-imported row would overwrite the values the survivor kept)."""

    __tablename__ = "merged_keys"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "rule", "key", "merge_id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        Index("ix_merged_keys_tenant_merge", "tenant_id", "merge_id"),
    )

    tenant_id: Mapped[int] = mapped_column(Integer)
    rule: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(320))
    merge_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(Integer)
