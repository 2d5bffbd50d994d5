"""Stored history: the timeline (every event as received, plus the sales activities staff
log), orders and their lines, and samples."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from patronage.db import Base, TenantScoped, UTCDateTime, tenant_fk, tenant_row_key

EVENT_TYPES = ("order.placed", "order.status_changed", "sample.requested",
               "interest.requested", "message.sent", "shopper.signed_up", "shopper.logged_in")
MATCH_RULES = ("license_number", "external_id", "email", "phone", "created")
# Timeline kinds: one per event type, then what staff log by hand.
EVENT_KINDS = {"order.placed": "order", "order.status_changed": "order_status",
               "sample.requested": "sample", "interest.requested": "interest",
               "message.sent": "message", "shopper.signed_up": "signup",
               "shopper.logged_in": "login"}
LOGGED_KINDS = ("call", "meeting", "email", "note")
ACTIVITY_KINDS = (*EVENT_KINDS.values(), *LOGGED_KINDS)
# An order in one of these states is out of the spend metrics.
CANCELLED_STATUSES = frozenset({"cancelled", "canceled", "refunded", "voided"})


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Order(TenantScoped, Base):
    __tablename__ = "orders"
    __table_args__ = (
        tenant_row_key(),
        UniqueConstraint("tenant_id", "number"),
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        tenant_fk("store_id", "stores"),
        CheckConstraint("total_cents >= 0", name="total_non_negative"),
        # events.derived.MAX_ORDER_CENTS (migration 0009: a trigger on SQLite)
        CheckConstraint("total_cents <= 9999999999", name="total_bounded"),
        Index("ix_orders_tenant_customer_placed", "tenant_id", "customer_id", "placed_at"),
        # the overview's count of cancelled orders (migration 0012)
        Index("ix_orders_tenant_customer_cancelled", "tenant_id", "customer_id",
              sqlite_where=text("cancelled IS 1"), postgresql_where=text("cancelled IS true")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    store_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(30))
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    # The customer's sales rep when the order was placed: the sales report credits them,
    # whoever holds the customer later (no reference: a removed member keeps their orders).
    sales_rep_id: Mapped[int | None] = mapped_column(Integer)


class OrderLine(TenantScoped, Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        tenant_fk("order_id", "orders", ondelete="CASCADE"),
        CheckConstraint("quantity > 0 AND unit_price_cents >= 0", name="quantities"),
        Index("ix_order_lines_tenant_order", "tenant_id", "order_id"),
        Index("ix_order_lines_tenant_customer", "tenant_id", "customer_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(Integer)  # for a customer's top products
    sku: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(BigInteger)
    age_limited: Mapped[bool] = mapped_column(Boolean, default=False)


class Sample(TenantScoped, Base):
    __tablename__ = "samples"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        Index("ix_samples_tenant_customer", "tenant_id", "customer_id", "requested_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    products: Mapped[list[str]] = mapped_column(JSON)
    sales_rep_id: Mapped[int | None] = mapped_column(Integer)  # as on orders


class Activity(TenantScoped, Base):
    """One entry of a customer's timeline: an event from the sales channel (with how its
    customer was matched and its idempotency key), or a call/meeting/email/note."""

    __tablename__ = "activities"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        CheckConstraint("matched_by IS NULL OR " + _in("matched_by", MATCH_RULES),
                        name="matched_by"),
        Index("uq_activities_tenant_idempotency_key", "tenant_id", "idempotency_key",
              unique=True, sqlite_where=text("idempotency_key IS NOT NULL"),
              postgresql_where=text("idempotency_key IS NOT NULL")),
        tenant_fk("author_id", "users", ondelete=None),
        CheckConstraint(_in("kind", ACTIVITY_KINDS), name="kind"),
        Index("ix_activities_tenant_customer_at", "tenant_id", "customer_id", "occurred_at",
              "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set for events (NULL for what staff log): how the customer was found, the key that
    # makes a repeat answer the first result, and a hash of the event to spot a reused key.
    matched_by: Mapped[str | None] = mapped_column(String(20))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(200))
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict | None] = mapped_column(JSON)
