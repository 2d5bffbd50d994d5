"""Bulk loading customers: the per-row search trigger is too slow for a million rows.

SQLite's FTS5 index costs ~70 µs a row through the insert trigger but ~10 µs when filled by
one INSERT ... SELECT, so bulk paths (demo seed, imports) run inside
``deferred_search_index``: within one transaction it takes the insert trigger out, lets the
caller insert, indexes the new rows in one statement, counts them, and puts the trigger back.
Other connections never see the trigger missing (SQLite DDL is transactional, readers keep
their snapshot). PostgreSQL's trigram GIN index needs no help; its counters are caught up
at the end too, so that their row locks are held only for the commit (_deferred_counts).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

INSERT_TRIGGER = "customers_search_insert"
BULK_INDEX_THRESHOLD = 50_000
FTS_HASH, BULK_FTS_HASH = 1 << 20, 16 << 20
_SEARCH_VALUES = (
    "trim(coalesce(company_name, '') || ' ' || coalesce(first_name, '') || ' ' || "
    "coalesce(last_name, '')), coalesce(email, ''), replace(coalesce(phone, ''), '+', ''), "
    "trim(coalesce(license_number, '') || ' ' || coalesce(license_key, '')), "
    "coalesce(external_id, '')"
)


def _sql_of(conn: Connection, kind: str, name_like: str) -> list[tuple[str, str]]:
    rows = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = :kind AND "
                             "tbl_name = 'customers' AND name LIKE :name AND sql IS NOT NULL"),
                        {"kind": kind, "name": name_like})
    return [(r.name, r.sql) for r in rows]


def _fts_hash(conn: Connection, size: int) -> None:
    conn.exec_driver_sql("INSERT INTO customer_search (customer_search, rank) "
                         f"VALUES ('hashsize', {size})")


def _add_to_counts(conn: Connection, select: str, **params: int) -> None:
    """Add to each workspace's customer counter the (tenant_id, customers) rows ``select``
    gives: what migration 0014's triggers do a row at a time, once for a bulk load."""
    conn.execute(text(f"INSERT INTO customer_counts (tenant_id, customers) {select} "
                      f"ON CONFLICT (tenant_id) DO UPDATE "
                      f"SET customers = customer_counts.customers + excluded.customers"),
                 params)


def _deferred_counts(conn: Connection) -> Iterator[None]:
    """PostgreSQL: the customer counters (a row per workspace and per rep, kept by the
    insert triggers) are updated once, at the end, instead of at each INSERT: a row lock
    taken at a bulk load's first statement would be held until it commits, and every new
    customer of the workspace would wait for it (migration 0014)."""
    conn.exec_driver_sql("CREATE TEMPORARY TABLE deferred_counts (tenant_id integer, "
                         "rep integer, n bigint) ON COMMIT DROP")
    conn.exec_driver_sql("SELECT set_config('patronage.deferred_counts', 'on', true)")
    yield
    conn.exec_driver_sql("SELECT set_config('patronage.deferred_counts', 'off', true)")
    _add_to_counts(conn, "SELECT tenant_id, sum(n) FROM deferred_counts GROUP BY 1 "
                         "ORDER BY 1")
    conn.exec_driver_sql(
        "INSERT INTO rep_customer_counts (tenant_id, rep, customers) SELECT tenant_id, rep, "
        "sum(n) FROM deferred_counts GROUP BY 1, 2 ORDER BY 1, 2 ON CONFLICT (tenant_id, rep) "
        "DO UPDATE SET customers = rep_customer_counts.customers + EXCLUDED.customers")
    conn.exec_driver_sql("DROP TABLE deferred_counts")


@contextmanager
def deferred_search_index(conn: Connection, expected_rows: int) -> Iterator[None]:
    """Insert many customers in the block; search index and counter are caught up at exit.

    When the load is at least twice the table (a first import, the demo seed), the sort and
    filter indexes are dropped too and built once at the end: building an index from sorted
    data beats maintaining twenty of them row by row. Not for less: CREATE INDEX sorts every
    workspace's rows, and a million rows into a million-customer table took 105 s to write
    that way against 78 s row by row. The caller inserts only rows with ids above every
    existing id (``db.reserve_ids``), holds the write lock (``db.begin_writing``: outside a
    transaction the DROPs would be committed alone, and a rollback would lose the trigger)
    and commits after the block.
    """
    if conn.dialect.name != "sqlite":
        yield from _deferred_counts(conn)
        return
    if not conn.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
        raise RuntimeError("deferred_search_index runs under db.begin_writing")
    (trigger,) = _sql_of(conn, "trigger", INSERT_TRIGGER)
    existing = conn.scalar(text("SELECT coalesce(sum(customers), 0) FROM customer_counts"))
    indexes = (_sql_of(conn, "index", "ix_customers_sort_%")
               + _sql_of(conn, "index", "ix_customers_state_%")
               if expected_rows >= max(BULK_INDEX_THRESHOLD, 2 * existing) else [])
    first_new = (conn.scalar(text("SELECT max(id) FROM customers")) or 0) + 1
    for name, _sql in [trigger, *indexes]:
        kind = "TRIGGER" if name == INSERT_TRIGGER else "INDEX"
        conn.exec_driver_sql(f"DROP {kind} {name}")
    yield
    for _name, sql in indexes:
        conn.exec_driver_sql(sql)
    # FTS5 flushes its in-memory terms every `hashsize` bytes (1 MB): 16 MB for the bulk
    # fill makes fewer, bigger segments (~2.5 µs a row less), then back to the default
    # (64 MB added 13 MB to a 200,000-row import's peak memory).
    _fts_hash(conn, BULK_FTS_HASH)
    conn.execute(text(f"INSERT INTO customer_search (rowid, name, email, phone, license, "
                      f"external_id) SELECT id, {_SEARCH_VALUES} FROM customers "
                      f"WHERE id >= :first"), {"first": first_new})
    _fts_hash(conn, FTS_HASH)
    _add_to_counts(conn, "SELECT tenant_id, count(*) FROM customers WHERE id >= :first "
                         "GROUP BY tenant_id", first=first_new)
    conn.exec_driver_sql(trigger[1])
