"""The import history: who imported which file when, what it did, and its report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from patronage.db import Base, TenantScoped, UTCDateTime, tenant_fk, tenant_row_key, utcnow

STATUSES = ("running", "done", "failed")


class Import(TenantScoped, Base):
    __tablename__ = "imports"
    __table_args__ = (
        tenant_row_key(),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        tenant_fk("user_id", "users", ondelete=None),
        CheckConstraint("status IN ('running', 'done', 'failed')", name="status"),
        Index("ix_imports_tenant_started", "tenant_id", "started_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    dry_run: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10), default="running")
    message: Mapped[str | None] = mapped_column(Text)  # why it failed
    runner: Mapped[str | None] = mapped_column(String(100))  # host:pid of the process
    # The uploaded file, kept after a dry run so it can be committed as previewed.
    source_path: Mapped[str | None] = mapped_column(String(500))
    encoding: Mapped[str | None] = mapped_column(String(20))
    delimiter: Mapped[str | None] = mapped_column(String(2))
    mapping: Mapped[dict | None] = mapped_column(JSON)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list | None] = mapped_column(JSON)  # the first 10,000 problems
    rows: Mapped[list | None] = mapped_column(JSON)  # the first 1,000 rows' outcomes
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seconds: Mapped[float | None] = mapped_column(Float)


class ImportFingerprint(TenantScoped, Base):
    """The raw source row a customer was last imported from (a keyed hash of its cells),
    with the customer's version and order figures at that moment: a re-imported row with
    the same hash, for a customer nobody has changed since, is unchanged without being
    parsed and validated again."""

    __tablename__ = "import_fingerprints"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "customer_id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        Index("ix_import_fingerprints_digest", "tenant_id", "digest"),
    )

    tenant_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(Integer)
    digest: Mapped[bytes] = mapped_column(LargeBinary(16))
    version: Mapped[int] = mapped_column(Integer)
    # Events change these without a new version (db-side merges): compared too.
    order_count: Mapped[int] = mapped_column(Integer)
    total_spent_cents: Mapped[int] = mapped_column(BigInteger)
    # How the row found its customer: an email or phone (not unique) still leads there
    # only while no older customer has taken it since.
    match_rule: Mapped[str] = mapped_column(String(20))
    match_key: Mapped[str] = mapped_column(String(320))
