"""Likely duplicates as the finder left them, the pairs staff said are two customers, and
the scans that find them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from patronage.db import Base, TenantScoped, UTCDateTime, tenant_fk, tenant_row_key, utcnow


class DuplicatePair(TenantScoped, Base):
    """Two customers that are likely one (lower id first), with the score and the signals
    that say so."""

    __tablename__ = "duplicate_pairs"
    __table_args__ = (
        UniqueConstraint("tenant_id", "low_id", "high_id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        tenant_fk("low_id", "customers", ondelete="CASCADE"),
        tenant_fk("high_id", "customers", ondelete="CASCADE"),
        CheckConstraint("low_id < high_id", name="ordered"),
        Index("ix_duplicate_pairs_tenant_score", "tenant_id", "score", "id"),
        Index("ix_duplicate_pairs_tenant_high", "tenant_id", "high_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    low_id: Mapped[int] = mapped_column(Integer)
    high_id: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list] = mapped_column(JSON)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DuplicateDismissal(TenantScoped, Base):
    """Two customers staff said are not one: never proposed again while both keep the keys
    they had then (``keys``: both sides' identifying keys at that moment)."""

    __tablename__ = "duplicate_dismissals"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "low_id", "high_id"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        tenant_fk("low_id", "customers", ondelete="CASCADE"),
        tenant_fk("high_id", "customers", ondelete="CASCADE"),
        tenant_fk("user_id", "users", ondelete=None),
        CheckConstraint("low_id < high_id", name="ordered"),
        Index("ix_duplicate_dismissals_tenant_high", "tenant_id", "high_id"),
    )

    tenant_id: Mapped[int] = mapped_column(Integer)
    low_id: Mapped[int] = mapped_column(Integer)
    high_id: Mapped[int] = mapped_column(Integer)
    keys: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(Integer)
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DuplicateScan(TenantScoped, Base):
    """One run of the finder over a whole workspace."""

    __tablename__ = "duplicate_scans"
    __table_args__ = (
        tenant_row_key(),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        tenant_fk("user_id", "users", ondelete=None),
        CheckConstraint("status IN ('running', 'done', 'failed')", name="status"),
        Index("ix_duplicate_scans_tenant_started", "tenant_id", "id"),
        # One running scan per workspace, however many ask at once.
        Index("uq_duplicate_scans_tenant_running", "tenant_id", unique=True,
              sqlite_where=text("status = 'running'"),
              postgresql_where=text("status = 'running'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="running")
    runner: Mapped[str | None] = mapped_column(String(100))  # host:pid of the process
    customers: Mapped[int | None] = mapped_column(Integer)
    compared: Mapped[int | None] = mapped_column(Integer)  # pairs of customers compared
    found: Mapped[int | None] = mapped_column(Integer)  # likely duplicates listed
    message: Mapped[str | None] = mapped_column(Text)  # why it failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
