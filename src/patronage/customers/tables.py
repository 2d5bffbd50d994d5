"""The directory's columns: what each shows, how it sorts, which are shown by default."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str  # the name in URLs, the API's `sort` and column preferences
    label: str
    sort: str | None = None  # the customers column it sorts by (indexed with tenant_id, id)
    numeric: bool = False


COLUMNS: dict[str, Column] = {c.key: c for c in (
    Column("id", "ID", "id", numeric=True),
    Column("name", "Name", "sort_name"),
    Column("type", "Type", "type"),
    Column("status", "Status", "status_id"),
    Column("email", "Email", "email"),
    Column("phone", "Phone", "phone"),
    Column("company_name", "Company"),
    Column("license_number", "License number", "license_key"),
    Column("license_type", "License type", "license_type_id"),
    Column("city", "City", "city"),
    Column("state", "State", "state"),
    Column("zip", "ZIP", "zip"),
    Column("sales_rep", "Sales rep", "sales_rep_id"),
    Column("payment_terms", "Payment terms"),
    Column("master_store", "Master store", "master_store_id"),
    Column("tags", "Tags"),
    Column("subscription", "Subscribed"),
    Column("tax_exempt", "Tax exempt"),
    Column("order_count", "Orders", "order_count", numeric=True),
    Column("total_spent", "Spent", "total_spent_cents", numeric=True),
    Column("average_order_value", "Avg. order", numeric=True),
    Column("last_order_at", "Last order", "last_order_at"),
    Column("registered_at", "Registered", "registered_at"),
    Column("last_login_at", "Last login", "last_login_at"),
    Column("last_activity_at", "Last activity", "last_activity_at"),
    Column("created_at", "Added", "created_at"),
    Column("updated_at", "Updated", "updated_at"),
    Column("external_id", "External ID", "external_id"),
    # Every other field, so an export holds the whole record (and imports back whole).
    Column("first_name", "First name"),
    Column("last_name", "Last name"),
    Column("address1", "Address 1"),
    Column("address2", "Address 2"),
    Column("country", "Country"),
    Column("license_expires_on", "License expires"),
    Column("notes", "Notes"),
    Column("membership_id", "Membership ID"),
    Column("point_balance", "Point balance", numeric=True),
    Column("allow_age_limited_products", "Age-limited products"),
    Column("birthday", "Birthday"),
    Column("shopper_level", "Shopper level"),
    Column("risk_level", "Risk level"),
)}
# `columns=all` in an export: every column, the whole record.
ALL_COLUMNS = tuple(COLUMNS)

DEFAULT_COLUMNS = ("name", "type", "status", "email", "phone", "state", "sales_rep",
                   "order_count", "total_spent", "last_order_at")
SORT_COLUMNS = {c.key: c.sort for c in COLUMNS.values() if c.sort}
