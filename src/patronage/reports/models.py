"""Rollups the sales report reads, kept in the transaction of every write that moves them
(reports.rollups). A rep is a team member's id, 0 for "Unassigned"; a day is a UTC day
counted from 1970-01-01, a month ``year * 12 + month - 1``.

- ``rep_customer_days``: per customer, rep and day: orders (cancelled ones left out),
  revenue, samples, whether the customer's first order is among them, and the previous day
  the same customer ordered under the same rep (the link that makes "customers active in a
  range" countable without reading every order).
- ``rep_days``: the same summed per rep and day.
- ``rep_activity``: ordering days counted by (previous order, this order) at month and day
  grains, so that "distinct customers who ordered in [from, to]" is a sum of a few
  thousand rows for any range (reports.queries explains the sum).
- ``rep_customer_counts``: customers assigned to each rep now, kept by database triggers.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, ForeignKeyConstraint, Index, Integer, SmallInteger, text
from sqlalchemy.orm import Mapped, mapped_column

from patronage.db import Base, TenantScoped

UNASSIGNED = 0
# rep_activity grains: (previous order's month, order's month), (previous month, day),
# (previous day, month). A first order's previous key is -1 (before anything).
MONTH_MONTH, MONTH_DAY, DAY_MONTH = 1, 2, 3


def _tenant() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE")


# On SQLite each rollup is stored in its key's order (no rowid): a customer's days, a rep's
# range of days, an upsert by key are one B-tree walk, not an index then the table.
_KEYED = {"sqlite_with_rowid": False}


class RepCustomerDay(TenantScoped, Base):
    __tablename__ = "rep_customer_days"
    __table_args__ = (
        _tenant(),
        Index("ix_rep_customer_days_tenant_prev", "tenant_id", "prev_day", "day", "rep",
              sqlite_where=text("prev_day IS NOT NULL"),
              postgresql_where=text("prev_day IS NOT NULL")),
        _KEYED,
    )

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rep: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    samples: Mapped[int] = mapped_column(Integer)
    first_order: Mapped[bool] = mapped_column(Boolean)
    prev_day: Mapped[int | None] = mapped_column(Integer)


class RepDay(TenantScoped, Base):
    __tablename__ = "rep_days"
    __table_args__ = (_tenant(), _KEYED)

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    rep: Mapped[int] = mapped_column(Integer, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
    new_customers: Mapped[int] = mapped_column(Integer)
    samples: Mapped[int] = mapped_column(Integer)


class RepActivity(TenantScoped, Base):
    __tablename__ = "rep_activity"
    __table_args__ = (
        _tenant(),
        Index("ix_rep_activity_tenant_prev", "tenant_id", "grain", "prev_key", "day_key",
              "rep"),
        _KEYED,
    )

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grain: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    day_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    prev_key: Mapped[int] = mapped_column(Integer, primary_key=True)
    rep: Mapped[int] = mapped_column(Integer, primary_key=True)
    customers: Mapped[int] = mapped_column(Integer)


class RepCustomerCount(TenantScoped, Base):
    __tablename__ = "rep_customer_counts"
    __table_args__ = (_tenant(), _KEYED)

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rep: Mapped[int] = mapped_column(Integer, primary_key=True)
    customers: Mapped[int] = mapped_column(BigInteger)
