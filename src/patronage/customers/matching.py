"""Finding existing customers by the keys that identify them (SPEC.md): a business by its
normalised license number, anyone by external id, case-insensitive email or E.164 phone.
One indexed IN query per key; events and imports share it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Connection, func, select

from patronage.customers.models import Customer

RULES = ("license_number", "external_id", "email", "phone")
_PROBES: dict[str, tuple[Any, Any]] = {
    "license_number": (Customer.license_key, Customer.type == "business"),
    "external_id": (Customer.external_id, None),
    "email": (func.lower(Customer.email), None),  # ix_customers_tenant_email
    "phone": (Customer.phone, None),
}


def find(conn: Connection, tenant_id: int, wanted: dict[str, set[str]],
         columns: Iterable[Column[Any]], *, lock: bool = False
         ) -> dict[str, dict[str, dict[str, Any]]]:
    """For each rule, its keys' customers (the oldest when several share one), as dicts of
    ``columns``. ``lock`` holds the rows until commit on PostgreSQL (SQLite batches take
    the write lock instead, db.begin_writing)."""
    columns = list(columns)
    found: dict[str, dict[str, dict[str, Any]]] = {rule: {} for rule in RULES}
    for rule, (column, extra) in _PROBES.items():
        if not wanted.get(rule):
            continue
        query = (select(*columns, column.label("match_key"))
                 .where(Customer.tenant_id == tenant_id, column.in_(wanted[rule]))
                 .order_by(Customer.id))
        if extra is not None:
            query = query.where(extra)
        if lock and conn.dialect.name != "sqlite":
            query = query.with_for_update(of=Customer.__table__)
        for row in conn.execute(query).mappings().all():
            values = dict(row)
            found[rule].setdefault(values.pop("match_key"), values)
    return found
