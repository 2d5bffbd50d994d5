"""The directory's columns: what each shows, how it sorts, which are shown by default."""

from __future__ import annotations

from dataclasses import dataclass

from patronage.customers import fields


@dataclass(frozen=True)
class Column:
    key: str  # the name in URLs, the API's `sort` and column preferences
    label: str
    sort: str | None = None  # the customers column it sorts by (indexed with tenant_id, id)
    numeric: bool = False


def _field(name: str) -> Column:
    """A customer field's column, as the registry declares it (customers.fields)."""
    f = fields.BY_NAME[name]
    return Column(f.column, f.label, f.sort, f.numeric)


# In the order the column picker and a whole-record export show them: the directory's usual
# columns first, then every other field (so an export holds the whole record and imports
# back whole), with the figures and times derived from the history among them.
COLUMNS: dict[str, Column] = {c.key: c for c in (
    Column("id", "ID", "id", numeric=True),
    Column("name", "Name", "sort_name"),
    *map(_field, ("type", "status_id", "email", "phone", "company_name", "license_number",
                  "license_type_id", "city", "state", "zip", "sales_rep_id",
                  "payment_term_id", "master_store_id", "tags", "subscription",
                  "tax_exempt", "order_count", "total_spent_cents")),
    Column("average_order_value", "Avg. order", numeric=True),
    Column("stores", "Stores"),  # ordered from (derived from the orders)
    Column("first_order_at", "First order", "first_order_at"),
    Column("last_order_at", "Last order", "last_order_at"),
    *map(_field, ("registered_at", "last_login_at", "last_activity_at")),
    Column("created_at", "Added", "created_at"),
    Column("updated_at", "Updated", "updated_at"),
    *map(_field, ("external_id", "first_name", "last_name", "address1", "address2",
                  "country", "license_expires_on", "notes", "membership_id",
                  "point_balance", "allow_age_limited_products", "birthday",
                  "shopper_level", "risk_level")),
)}
# `columns=all` in an export: every column, the whole record.
ALL_COLUMNS = tuple(COLUMNS)

# What fits a 1366 px laptop beside the sidebar (the phone is one click away in Columns).
DEFAULT_COLUMNS = ("name", "type", "status", "email", "state", "sales_rep", "order_count",
                   "total_spent", "last_order_at")
SORT_COLUMNS = {c.key: c.sort for c in COLUMNS.values() if c.sort}
