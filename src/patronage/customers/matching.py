"""Finding existing customers by the keys that identify them (SPEC.md): a business by its
normalised license number, anyone by external id, case-insensitive email or E.164 phone.
One indexed IN query per key; events and imports share it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Column,
    Connection,
    Text,
    any_,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.sql.selectable import ScalarSelect

from patronage.customers.models import Customer
from patronage.db import among
from patronage.merges import redirects
from patronage.types import email_key

RULES = ("license_number", "external_id", "email", "phone")
# Each rule: the column compared, a condition, and the index that finds its keys. The index
# is named to SQLite (INDEXED BY): its planner only knows the average rows per workspace, so
# in a server of many small sellers it would walk a big seller's whole workspace instead.
_PROBES: dict[str, tuple[Any, Any, str]] = {
    # 'business' written out: only a literal lets SQLite prove its partial index applies.
    "license_number": (Customer.license_key, Customer.type == literal_column("'business'"),
                       "uq_customers_tenant_license_key"),
    "external_id": (Customer.external_id, None, "uq_customers_tenant_external_id"),
    "email": (func.lower(Customer.email), None, "ix_customers_tenant_email"),
    "phone": (Customer.phone, None, "ix_customers_tenant_phone"),
}


def probe(rule: str, tenant_id: Any, keys: Any) -> Any:
    """The query of the customers of ``tenant_id`` that ``keys`` of ``rule`` name (keys: a
    list, an array parameter (= ANY), or a SELECT of them)."""
    column, extra, _index = _PROBES[rule]
    query = (select(column, Customer.id)
             .where(Customer.tenant_id == tenant_id,
                    column == any_(keys) if isinstance(keys, BindParameter)
                    else column.in_(keys if isinstance(keys, ScalarSelect) else list(keys)))
             .order_by(Customer.id))
    return query.where(extra) if extra is not None else query


def keys(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The keys ``values`` identify a customer by, strongest first (SPEC.md): a business's
    normalised license number (and then no other); else its external id, case-insensitive
    email and E.164 phone. Values without a type (an event's) are a business's when they
    carry a license. An import matches by the first key only (so a file imported twice finds
    the same customers); an event by the first that finds someone."""
    if values.get("license_key") and values.get("type", "business") == "business":
        return [("license_number", values["license_key"])]
    found = []
    for rule, key in (("external_id", values.get("external_id")),
                      ("email", email_key(values["email"]) if values.get("email") else None),
                      ("phone", values.get("phone"))):
        if key:
            found.append((rule, key))
    return found


def find_ids(conn: Connection, tenant_id: int, wanted: dict[str, set[str]], *,
             merged: bool = False) -> dict[str, dict[str, int]]:
    """For each rule, its keys' customer ids (the oldest when several share one);
    ``merged``: a key no customer holds that a merged customer had finds the customer it
    was merged into."""
    return _find_ids(conn, tenant_id, wanted, merged)[0]


def _find_ids(conn: Connection, tenant_id: int, wanted: dict[str, set[str]], merged: bool
              ) -> tuple[dict[str, dict[str, int]], bool]:
    """``find_ids``, and whether a merged customer's key found someone."""
    via_merged = False
    found: dict[str, dict[str, int]] = {rule: {} for rule in RULES}
    sqlite = conn.dialect.name == "sqlite"
    for rule in _PROBES:
        if not wanted.get(rule):
            continue
        if sqlite:  # keys and ids: plain values, straight from the driver
            cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
            rows = cursor.execute(sqlite_probe(rule), (tenant_id, json.dumps(
                list(wanted[rule])))).fetchall()
        else:
            keys = bindparam(None, list(wanted[rule]), type_=ARRAY(Text))  # one array
            rows = conn.execute(probe(rule, tenant_id, keys)).all()
        for key, customer_id in rows:
            found[rule].setdefault(key, customer_id)
        missing = wanted[rule] - found[rule].keys() if merged else ()
        if missing:
            survivors = redirects.key_holders(conn, tenant_id, rule, missing)
            found[rule].update(survivors)
            via_merged = via_merged or bool(survivors)
    return found, via_merged


@cache
def sqlite_probe(rule: str) -> str:
    """``probe`` for SQLite, compiled once: the tenant and the keys (one JSON array, read
    by json_each) bound, the table read through the rule's index (see _PROBES)."""
    keys = select(literal_column("value")).select_from(
        func.json_each(bindparam("keys"))).scalar_subquery()
    compiled = probe(rule, bindparam("tenant"), keys).compile(dialect=sqlite_dialect.dialect())
    assert compiled.positiontup == ["tenant", "keys"], compiled.positiontup
    return str(compiled).replace("FROM customers",
                                 f"FROM customers INDEXED BY {_PROBES[rule][2]}", 1)


def find(conn: Connection, tenant_id: int, wanted: dict[str, set[str]],
         columns: Iterable[Column[Any]], *, lock: bool = False, merged: bool = False
         ) -> dict[str, dict[str, dict[str, Any]]]:
    """For each rule, its keys' customers (the oldest when several share one), as dicts of
    ``columns`` (which include ``id``). ``lock`` holds the rows until commit on PostgreSQL
    (SQLite batches take the write lock instead, db.begin_writing); ``merged`` as for
    ``find_ids``."""
    locking = lock and conn.dialect.name != "sqlite"
    for attempt in range(3):
        ids, via_merged = _find_ids(conn, tenant_id, wanted, merged)
        every = {cid for by_key in ids.values() for cid in by_key.values()}
        rows: dict[int, dict[str, Any]] = {}
        # PostgreSQL: a merge or its undo may commit while a lock is awaited; the locks are
        # then let go (a savepoint) and taken again, in one order, on what the keys name.
        point = conn.begin_nested() if locking and merged and every and attempt < 2 \
            else None
        if every:
            query = (select(*columns).where(Customer.tenant_id == tenant_id,
                                            among(conn, Customer.id, every))
                     .order_by(Customer.id))  # locks taken in one order: no deadlocks
            if locking:
                query = query.with_for_update(of=Customer.__table__)
            result = conn.execute(query)
            names = list(result.keys())  # once: a mapping per row would rebuild them per row
            at = names.index("id")
            rows = {row[at]: dict(zip(names, row, strict=True)) for row in result}
        if point is not None and (not every <= rows.keys() or (
                via_merged and _find_ids(conn, tenant_id, wanted, merged)[0] != ids)):
            point.rollback()
            continue
        if point is not None:
            point.commit()
        break
    return {rule: {key: dict(rows[cid]) for key, cid in by_key.items() if cid in rows}
            for rule, by_key in ids.items()}
