"""Bulk loads on SQLite (imports, the demo seed) fill the search index and counters in one
statement each, and drop the sort indexes only for a load of at least twice the table."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from patronage.customers import search_index
from patronage.customers.models import Customer
from patronage.customers.search_index import deferred_search_index
from patronage.db import begin_writing, bulk_insert, reserve_ids


@pytest.fixture
def sqlite(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL's trigram index and counters need no deferring")


def _customers(conn, tenant_id: int, n: int, name: str) -> None:
    base = {c.name: None for c in Customer.__table__.columns}
    at = datetime(2026, 1, 1, tzinfo=UTC)
    bulk_insert(conn, Customer.__table__, [{
        **base, "id": i, "tenant_id": tenant_id, "version": 1, "type": "business",
        "company_name": f"{name} {i}", "sort_name": f"{name.lower()} {i}", "tax_exempt": False,
        "subscription": False, "allow_age_limited_products": False, "order_count": 0,
        "total_spent_cents": 0, "average_order_value_cents": 0, "sample_count": 0,
        "imported_order_count": 0, "imported_spent_cents": 0, "created_at": at,
        "updated_at": at} for i in reserve_ids(conn, Customer.__table__, n)])


def _sort_indexes(conn) -> int:
    return conn.scalar(text("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                            "name LIKE 'ix_customers_sort_%'"))


def _state(conn, tenant_id: int) -> tuple[int, int, int, str | None]:
    found = conn.scalar(text("SELECT count(*) FROM customer_search WHERE customer_search "
                             "MATCH '\"zephyrine\"'"))
    count = conn.scalar(text("SELECT customers FROM customer_counts WHERE tenant_id = :t"),
                        {"t": tenant_id})
    hashsize = conn.scalar(text("SELECT v FROM customer_search_config WHERE k = 'hashsize'"))
    return found, count, _sort_indexes(conn), hashsize


def test_a_bulk_load_is_indexed_counted_and_leaves_the_table_as_it_was(factory, session,
                                                                        sqlite):
    t = factory.tenant()
    begin_writing(session)
    conn = session.connection()
    before = _sort_indexes(conn)
    with deferred_search_index(conn, expected_rows=10):
        assert _sort_indexes(conn) == before  # a small load keeps the sort indexes
        _customers(conn, t.id, 10, "Zephyrine")
    found, count, indexes, hashsize = _state(conn, t.id)
    assert (found, count, indexes) == (10, 10, before)
    assert hashsize in (None, 1 << 20)  # FTS5's default again after the bulk fill
    _customers(conn, t.id, 1, "Zephyrine")  # the insert trigger is back
    assert _state(conn, t.id)[:2] == (11, 11)


def test_a_load_of_twice_the_table_rebuilds_the_sort_indexes(factory, session, sqlite,
                                                             monkeypatch):
    monkeypatch.setattr(search_index, "BULK_INDEX_THRESHOLD", 1)  # the rule alone
    t = factory.tenant()
    begin_writing(session)
    conn = session.connection()
    _customers(conn, t.id, 2, "Other")  # the table is not empty
    before = _sort_indexes(conn)
    existing = conn.scalar(text("SELECT coalesce(sum(customers), 0) FROM customer_counts"))
    with deferred_search_index(conn, expected_rows=2 * existing - 1):  # not twice: kept
        assert _sort_indexes(conn) == before
    with deferred_search_index(conn, expected_rows=2 * existing):
        assert _sort_indexes(conn) == 0
        _customers(conn, t.id, 3, "Zephyrine")
    assert _state(conn, t.id)[:3] == (3, 5, before)


def test_a_bulk_load_needs_the_write_lock(session, sqlite):
    with pytest.raises(RuntimeError, match="begin_writing"), \
            deferred_search_index(session.connection(), expected_rows=1):
        pass
