from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from patronage.customers import fields
from patronage.db import Base, TenantScoped, UTCDateTime, tenant_fk, tenant_row_key, utcnow
from patronage.migration_scope import only_on, sorted_by

CUSTOMER_TYPES = ("guest", "registered", "business")
# Filters users combine with a sort, indexed (tenant_id, filter column, sort column, id):
# an equality on the first column keeps the second column's order.
COMPOSITE_INDEXES = {
    "ix_customers_state_spent": ("state", "total_spent_cents"),
    "ix_customers_subscription_spent": ("subscription", "total_spent_cents"),
}
# Columns with a (tenant_id, column, id) index: sortable, and filterable in id order.
SORT_INDEXED = fields.SORT_INDEXED
# Fields found by value but never sorted by, NULL for most customers (imports rarely carry
# them): partial indexes hold only the customers that have one (0018, 0020, 0021). A filter
# on one compares the column, which tells SQLite it is not NULL, so the index applies. A
# license's expiry sorts: its index is whole (0019).
SPARSE_INDEXED = ("membership_id", "risk_level", "country", "birthday")


class Customer(TenantScoped, Base):
    __tablename__ = "customers"
    __table_args__ = (
        tenant_row_key(),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        tenant_fk("status_id", "statuses"),
        tenant_fk("payment_term_id", "payment_terms"),
        tenant_fk("license_type_id", "license_types"),
        tenant_fk("master_store_id", "stores"),
        tenant_fk("sales_rep_id", "users"),
        CheckConstraint("type IN ('guest', 'registered', 'business')", name="type"),
        CheckConstraint("risk_level IS NULL OR risk_level IN ('low', 'medium', 'high')",
                        name="risk_level"),
        CheckConstraint("email IS NULL OR email LIKE '%_@_%'", name="email_shape"),
        CheckConstraint("phone IS NULL OR phone LIKE '+%'", name="phone_e164"),
        CheckConstraint("(license_number IS NULL) = (license_key IS NULL)",
                        name="license_key_present"),
        CheckConstraint(
            "type <> 'business' OR company_name IS NOT NULL OR license_key IS NOT NULL",
            name="business_identified"),
        CheckConstraint(
            "COALESCE(company_name, first_name, last_name, email, phone, license_key, "
            "external_id) IS NOT NULL", name="someone"),
        CheckConstraint("order_count >= 0 AND sample_count >= 0", name="counts_non_negative"),
        CheckConstraint("total_spent_cents >= 0", name="spent_non_negative"),
        # events.derived.MAX_SPENT_CENTS (migration 0009: a trigger on SQLite)
        CheckConstraint("total_spent_cents <= 1000000000000000 AND "
                        "imported_spent_cents <= 1000000000000000", name="spent_bounded"),
        CheckConstraint("point_balance IS NULL OR point_balance >= 0",
                        name="points_non_negative"),
        CheckConstraint("version >= 1", name="version_positive"),
        # A license number identifies one business per tenant, in any spelling.
        Index("uq_customers_tenant_license_key", "tenant_id", "license_key", unique=True,
              sqlite_where=text("type = 'business' AND license_key IS NOT NULL"),
              postgresql_where=text("type = 'business' AND license_key IS NOT NULL")),
        Index("uq_customers_tenant_external_id", "tenant_id", "external_id", unique=True,
              sqlite_where=text("external_id IS NOT NULL"),
              postgresql_where=text("external_id IS NOT NULL")),
        Index("ix_customers_tenant_email", "tenant_id", func.lower(text("email"))),
        Index("ix_customers_tenant_phone", "tenant_id", "phone"),
        *(sorted_by(Index(f"ix_customers_sort_{c}", "tenant_id", c, "id"))
          for c in SORT_INDEXED),
        *(sorted_by(Index(name, "tenant_id", *columns, "id"))
          for name, columns in COMPOSITE_INDEXES.items()),
        # SPARSE_INDEXED: most writes (and imports) never touch these.
        *(Index(f"ix_customers_{c}", "tenant_id", c, "id",
                sqlite_where=text(f"{c} IS NOT NULL"),
                postgresql_where=text(f"{c} IS NOT NULL")) for c in SPARSE_INDEXED),
        # A shopper level is matched in any case (migration 0020).
        Index("ix_customers_shopper_level", "tenant_id", func.lower(text("shopper_level")),
              "id", sqlite_where=text("shopper_level IS NOT NULL"),
              postgresql_where=text("shopper_level IS NOT NULL")),
        # Birthdays by month and day, whatever the year (customers.filters._month_day). On
        # SQLite only: PostgreSQL's to_char cannot be indexed (issue 17 tunes that engine).
        only_on("sqlite", Index(
            "ix_customers_birthday_month_day", "tenant_id",
            func.substr(text("birthday"), literal_column("6"), literal_column("5")), "id",
            # On the expression: a filter on it implies it (migration 0022).
            sqlite_where=text("substr(birthday, 6, 5) IS NOT NULL"))),
        # Age-limited products: a flag every customer has; two runs, appended to in id order.
        Index("ix_customers_age_limited", "tenant_id", "allow_age_limited_products", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # identity
    external_id: Mapped[str | None] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(12))
    company_name: Mapped[str | None] = mapped_column(String(200))
    # lower-cased display name (company, else person, else email/phone): the name sort key
    sort_name: Mapped[str | None] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))
    # contact
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    address1: Mapped[str | None] = mapped_column(String(200))
    address2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(50))
    zip: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str | None] = mapped_column(String(2))
    # licensing
    license_number: Mapped[str | None] = mapped_column(String(64))
    license_key: Mapped[str | None] = mapped_column(String(64))
    license_type_id: Mapped[int | None] = mapped_column(Integer)
    license_expires_on: Mapped[date | None] = mapped_column(Date)
    # commercial
    payment_term_id: Mapped[int | None] = mapped_column(Integer)
    sales_rep_id: Mapped[int | None] = mapped_column(Integer)
    status_id: Mapped[int | None] = mapped_column(Integer)
    tax_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    # shopper
    master_store_id: Mapped[int | None] = mapped_column(Integer)
    subscription: Mapped[bool] = mapped_column(Boolean, default=False)
    subscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    membership_id: Mapped[str | None] = mapped_column(String(100))
    point_balance: Mapped[int | None] = mapped_column(Integer)
    allow_age_limited_products: Mapped[bool] = mapped_column(Boolean, default=False)
    birthday: Mapped[date | None] = mapped_column(Date)
    shopper_level: Mapped[str | None] = mapped_column(String(50))
    risk_level: Mapped[str | None] = mapped_column(String(10))
    # dates
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # metrics (derived from orders and samples)
    order_count: Mapped[int] = mapped_column(Integer, default=0)
    total_spent_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    average_order_value_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    first_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_order_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sample_count: Mapped[int] = mapped_column(Integer, default=0)
    # The part of order_count and total_spent_cents that came from elsewhere (an import),
    # kept apart from the orders recorded here: a recount adds the two.
    imported_order_count: Mapped[int] = mapped_column(Integer, default=0,
                                                      server_default="0")
    imported_spent_cents: Mapped[int] = mapped_column(BigInteger, default=0,
                                                      server_default="0")
    totals_imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    tag_rows: Mapped[list[CustomerTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CustomerTag.tag",
        primaryjoin="and_(Customer.tenant_id == foreign(CustomerTag.tenant_id), "
                    "Customer.id == foreign(CustomerTag.customer_id))")
    store_rows: Mapped[list[CustomerStore]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="CustomerStore.store_id",
        primaryjoin="and_(Customer.tenant_id == foreign(CustomerStore.tenant_id), "
                    "Customer.id == foreign(CustomerStore.customer_id))")

    __mapper_args__ = {"version_id_col": version}


class CustomerTag(TenantScoped, Base):
    __tablename__ = "customer_tags"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        CheckConstraint("length(tag) BETWEEN 1 AND 50", name="tag_length"),
        Index("ix_customer_tags_tenant_tag", "tenant_id", "tag", "customer_id"),
    )

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tag: Mapped[str] = mapped_column(String(50), primary_key=True)


class CustomerStore(TenantScoped, Base):
    """Stores a customer has ordered from (derived from orders)."""

    __tablename__ = "customer_stores"
    __table_args__ = (
        tenant_fk("customer_id", "customers", ondelete="CASCADE"),
        tenant_fk("store_id", "stores", ondelete="CASCADE"),
        Index("ix_customer_stores_tenant_store", "tenant_id", "store_id", "customer_id"),
    )

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class AuditEntry(TenantScoped, Base):
    """One change to one customer field, or a whole change of a customer (created,
    deleted, merged, unmerged: the values in one entry); kept after the customer is
    deleted."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        tenant_row_key(),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        CheckConstraint("action IN ('created', 'updated', 'deleted', 'merged', 'unmerged')",
                        name="action"),
        Index("ix_audit_entries_tenant_customer", "tenant_id", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    customer_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(254))
    source: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    field: Mapped[str | None] = mapped_column(String(50))
    old_value: Mapped[object | None] = mapped_column(JSON)
    new_value: Mapped[object | None] = mapped_column(JSON)


class CustomerCount(TenantScoped, Base):
    """How many customers each tenant has, kept by database triggers on every insert/delete,
    so the unfiltered total costs one row read instead of a count of a million rows."""

    __tablename__ = "customer_counts"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        CheckConstraint("customers >= 0", name="non_negative"),
    )

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customers: Mapped[int] = mapped_column(BigInteger, default=0)


PAGE_SIZES = (25, 50, 100, 200)


class ColumnPreference(TenantScoped, Base):
    """How a team member sees the directory: which columns, in their order (null: the
    defaults), and how many customers a page."""

    __tablename__ = "column_preferences"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="CASCADE"),
        CheckConstraint("page_size IS NULL OR page_size IN (25, 50, 100, 200)",
                        name="page_size"),
    )

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    columns: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    page_size: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SavedView(TenantScoped, Base):
    """A named directory view (filters + sort as a query string, and columns)."""

    __tablename__ = "saved_views"
    __table_args__ = (
        tenant_row_key(),
        UniqueConstraint("tenant_id", "user_id", "name"),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                             ondelete="CASCADE"),
        CheckConstraint("length(name) BETWEEN 1 AND 80", name="name_length"),
        Index("ix_saved_views_tenant_shared", "tenant_id", "shared"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(2000), default="")
    columns: Mapped[list[str] | None] = mapped_column(JSON)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
