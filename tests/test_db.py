"""The bulk insert path writes exactly what the ORM path writes, on either engine."""

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from patronage.customers.models import AuditEntry, Customer
from patronage.db import (
    BULK_CACHE_KIB,
    between_threads,
    bind_tenant,
    bound_memory,
    bulk_insert,
    make_engine,
    reserve_ids,
)
from patronage.tenancy.models import Tenant


def test_bulk_rows_read_back_like_orm_rows(factory, session):
    t = factory.tenant()
    orm = factory.customer(t, company_name="Via ORM")
    when = datetime(2025, 3, 4, 5, 6, 7, tzinfo=timezone(timedelta(hours=-7)))
    conn = session.connection()
    (cid,) = reserve_ids(conn, Customer.__table__, 1)
    assert cid > orm["id"]
    row = {c.name: None for c in Customer.__table__.columns}
    row.update(id=cid, tenant_id=t.id, version=1, type="business", company_name="Via bulk",
               tax_exempt=False, subscription=True, allow_age_limited_products=False,
               created_at=when, updated_at=when, order_count=2, total_spent_cents=1050,
               average_order_value_cents=525, sample_count=0, imported_order_count=2,
               imported_spent_cents=1050, birthday=date(1990, 1, 31),
               last_order_at=when)
    bulk_insert(conn, Customer.__table__, [row])
    bulk_insert(conn, AuditEntry.__table__, [{
        "tenant_id": t.id, "customer_id": cid, "at": when, "actor": "bulk", "source": "cli",
        "action": "created", "new_value": {"company_name": "Via bulk"}}])
    session.commit()

    got = factory.client.get(f"/api/v1/customers/{cid}", headers=t.headers).json()
    assert got["created_at"] == "2025-03-04T12:06:07Z"
    assert got["birthday"] == "1990-01-31"
    assert got["total_spent"] == "10.50" and got["subscription"] is True
    entry = session.scalar(select(AuditEntry).where(AuditEntry.customer_id == cid))
    assert entry.new_value == {"company_name": "Via bulk"}
    assert entry.at == when.astimezone(UTC)
    # Bulk and ORM rows sort together by time (same stored text shape on SQLite).
    newest = session.scalars(select(Customer.id).where(Customer.tenant_id == t.id)
                             .order_by(Customer.created_at.desc())).first()
    assert newest == orm["id"]
    if session.bind.dialect.name == "sqlite":
        shapes = session.execute(text("SELECT length(created_at) FROM customers "
                                      "WHERE tenant_id = :t"), {"t": t.id}).scalars().all()
        assert len(set(shapes)) == 1


def test_bound_memory_settings_last_until_the_connection_returns_to_the_pool(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'lean.db'}")
    pragmas = "PRAGMA temp_store", "PRAGMA cache_size"
    with engine.connect() as conn:
        usual = [conn.exec_driver_sql(p).scalar() for p in pragmas]
    with Session(engine) as session:
        bound_memory(session)
        session.execute(text("CREATE TEMP TABLE scratch (x)"))
        session.execute(text("INSERT INTO scratch VALUES (1)"))
        assert [session.execute(text(p)).scalar() for p in pragmas] == [
            1, -BULK_CACHE_KIB]  # 1: temporary storage in files
        session.commit()  # the connection goes back to the pool, settings restored
    with engine.connect() as conn:
        assert [conn.exec_driver_sql(p).scalar() for p in pragmas] == usual
        assert conn.exec_driver_sql(  # and the job's temporary tables went with them
            "SELECT count(*) FROM sqlite_temp_master WHERE name = 'scratch'").scalar() == 0
    engine.dispose()


def test_pooled_sqlite_connections_refresh_statistics_now_and_then(tmp_path, monkeypatch):
    from patronage import db

    monkeypatch.setattr(db, "OPTIMIZE_EVERY", 3)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'pooled.db'}")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (a INTEGER, b INTEGER)")
        conn.exec_driver_sql("CREATE INDEX ix_t_a ON t (a)")
        conn.exec_driver_sql("WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n "
                             "WHERE v < 5000) INSERT INTO t SELECT v % 100, v FROM n")
    for _ in range(3):  # the third return to the pool runs PRAGMA optimize
        with engine.connect() as conn:
            assert len(conn.exec_driver_sql("SELECT b FROM t WHERE a = 5").all()) == 50
    with engine.connect() as conn:
        stats = conn.exec_driver_sql("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 't'").all()
    assert [idx for idx, _ in stats] == ["ix_t_a"]
    engine.dispose()


def test_the_database_bounds_money_too(factory, session):
    """Issue 12: even a write that skipped the application's checks cannot store an order
    or a total spent past its bound (a CHECK on PostgreSQL, a trigger on SQLite)."""
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    from patronage.customers.models import Customer
    from patronage.events import derived

    t = factory.tenant()
    c = factory.customer(t, company_name="Bound Co")
    with pytest.raises(IntegrityError, match="ck_customers_spent_bounded"):
        session.execute(update(Customer).where(Customer.tenant_id == t.id,
                                               Customer.id == c["id"])
                        .values(total_spent_cents=derived.MAX_SPENT_CENTS + 1))
    session.rollback()


def test_a_key_probe_reads_its_index_in_a_server_of_many_workspaces(factory, session):
    """Found measuring issue 11: SQLite's planner knows only the average rows per tenant
    (and approximate statistics told it ~1,000), so an import's probe by a chunk of emails
    walked a big workspace whole instead of the email index (imports into a million-
    customer workspace ran at half speed). Each key probe names its index; the statistics
    the product keeps are whole."""

    from patronage.customers import matching
    from patronage.customers.models import Customer
    from patronage.db import bulk_insert, refresh_statistics, reserve_ids

    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    big, small = factory.tenant(), factory.tenant()
    conn = session.connection()
    base = {c.name: None for c in Customer.__table__.columns}
    for t, n in ((big, 2_000), (small, 20)):
        ids = reserve_ids(conn, Customer.__table__, n)
        bulk_insert(conn, Customer.__table__, [{
            **base, "id": i, "tenant_id": t.id, "version": 1, "type": "business",
            "company_name": f"C{i}", "email": f"p{i}@example.com", "phone": f"+1415{i:07d}",
            "external_id": f"E{i}", "license_number": f"L{i}", "license_key": f"L{i}",
            "sort_name": f"c{i}", "tax_exempt": False, "subscription": False,
            "allow_age_limited_products": False, "order_count": 0, "total_spent_cents": 0,
            "average_order_value_cents": 0, "sample_count": 0, "imported_order_count": 0,
            "imported_spent_cents": 0, "created_at": datetime(2026, 1, 1, tzinfo=UTC),
            "updated_at": datetime(2026, 1, 1, tzinfo=UTC)} for i in ids])
    session.commit()
    refresh_statistics(session)
    conn = session.connection()
    for rule in matching.RULES:
        raw = conn.connection.driver_connection
        plan = " | ".join(r[3] for r in raw.execute(
            f"EXPLAIN QUERY PLAN {matching.sqlite_probe(rule)}",
            (big.id, json.dumps([f"k{n}" for n in range(2_500)]))))
        index = {"license_number": "uq_customers_tenant_license_key",
                 "external_id": "uq_customers_tenant_external_id",
                 "email": "ix_customers_tenant_email", "phone": "ix_customers_tenant_phone"}
        assert f"INDEX {index[rule]} (tenant_id=? AND" in plan, plan
        found = matching.find_ids(conn, big.id, {rule: {"nobody"}})
        assert found[rule] == {}
        own = {"license_number": "L{}", "external_id": "E{}", "email": "p{}@example.com",
               "phone": "+1415{:07d}"}[rule].format(ids[0] - 2_000)
        assert matching.find_ids(conn, big.id, {rule: {own}})[rule] == {own: ids[0] - 2_000}


def test_between_threads_a_postgresql_request_keeps_its_one_transaction(factory, session):
    """After a request's token is checked: SQLite ends the read (a snapshot held into a
    write would have to be upgraded); PostgreSQL goes on in the same transaction, the
    tenant set once. Anything the dependencies changed is committed on both."""
    t = factory.tenant()
    factory.customer(t, company_name="Seen")
    bind_tenant(session, t.id)
    assert session.scalar(select(Customer.company_name).where(Customer.tenant_id == t.id)) \
        == "Seen"
    between_threads(session)
    postgresql = session.get_bind().dialect.name == "postgresql"
    assert session.in_transaction() is postgresql
    if postgresql:
        assert session.scalar(text("SELECT current_setting('app.tenant_id')")) == str(t.id)
    workspace = session.get(Tenant, t.id)
    workspace.name = "Renamed between threads"
    between_threads(session)
    assert not session.in_transaction()
    session.expire_all()
    assert session.get(Tenant, t.id).name == "Renamed between threads"
