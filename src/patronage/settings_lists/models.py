from __future__ import annotations

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKeyConstraint,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from patronage.db import Base, TenantScoped, tenant_row_key


def _tenant_keys() -> tuple:
    return (
        tenant_row_key(),
        UniqueConstraint("tenant_id", "name"),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        CheckConstraint("length(name) BETWEEN 1 AND 100", name="name_length"),
    )


class Status(TenantScoped, Base):
    __tablename__ = "statuses"
    __table_args__ = (
        *_tenant_keys(),
        CheckConstraint("length(colour) = 7 AND substr(colour, 1, 1) = '#'", name="colour_hex"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    colour: Mapped[str] = mapped_column(String(7), default="#64748b")
    position: Mapped[int] = mapped_column(Integer, default=0)


class PaymentTerm(TenantScoped, Base):
    __tablename__ = "payment_terms"
    __table_args__ = (
        *_tenant_keys(),
        CheckConstraint("days IS NULL OR days BETWEEN 0 AND 365", name="days_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    days: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)


class LicenseType(TenantScoped, Base):
    __tablename__ = "license_types"
    __table_args__ = _tenant_keys()

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    product_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Store(TenantScoped, Base):
    __tablename__ = "stores"
    __table_args__ = (
        *_tenant_keys(),
        UniqueConstraint("tenant_id", "code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer, default=0)
