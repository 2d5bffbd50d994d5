"""PostgreSQL holds each transaction to one tenant's rows itself (row-level security,
migration 0023): a query that forgets its tenant sees and writes nothing, and no tenant's
session can write another's row, whatever the application's queries say."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from patronage import migrate
from patronage.cli.main import app as cli
from patronage.customers.models import Customer, CustomerTag
from patronage.db import bind_tenant, make_engine
from patronage.settings import get_settings
from patronage.tenancy import row_security

pytestmark = pytest.mark.skipif(
    not __import__("os").environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="row-level security is PostgreSQL's")


@pytest.fixture
def two(factory):
    a, b = factory.tenant(), factory.tenant()
    return a, b, factory.customer(a, tags=["x"]), factory.customer(b, tags=["x"])


@pytest.fixture(scope="module")
def engine():
    """The application's database as its role sees it, without the suite's net that
    refuses a statement naming no tenant (conftest.tenant_guard): here such statements
    are the point, and the database itself must refuse them."""
    engine = make_engine(get_settings().database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def unbound(engine):
    session = Session(engine)
    yield session
    session.rollback()
    session.close()


def test_the_suite_runs_as_a_role_row_level_security_holds(session):
    """Superusers and BYPASSRLS roles skip every policy, and FORCE binds the owner too:
    the suite's own role must be neither, or nothing here would prove anything."""
    superuser, bypass = session.execute(text(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")).one()
    assert not superuser and not bypass


def test_every_tenant_table_has_its_policy_forced(session):
    tables = row_security.tenant_tables(session.connection())
    assert {"customers", "users", "api_tokens", "orders", "audit_entries"} <= set(tables)
    rows = session.execute(text(
        "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, "
        "(SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid "
        " AND p.polname = :policy) FROM pg_class c WHERE c.relname = ANY(:tables) "
        "AND c.relnamespace = current_schema()::regnamespace"),
        {"policy": row_security.POLICY, "tables": tables}).all()
    assert {r[0]: r[1:] for r in rows} == dict.fromkeys(tables, (True, True, 1))
    assert "tenants" not in tables  # a reference table: every tenant reads the directory


def test_a_query_that_forgets_its_tenant_sees_nothing(two, unbound):
    a, b, mine, theirs = two
    assert unbound.scalar(select(func.count()).select_from(Customer)) == 0
    assert unbound.scalar(select(func.count()).select_from(Customer).where(
        Customer.tenant_id.in_([a.id, b.id]))) == 0  # naming tenants is not enough
    assert unbound.get(Customer, theirs["id"]) is None
    assert unbound.scalar(text("SELECT count(*) FROM users")) == 0


def test_a_query_that_forgets_its_tenant_writes_nothing(client, two, unbound):
    a, b, mine, theirs = two
    changed = unbound.execute(update(Customer).values(notes="everyone")).rowcount
    dropped = unbound.execute(delete(CustomerTag)).rowcount
    assert (changed, dropped) == (0, 0)
    with pytest.raises(DBAPIError, match="row-level security"):
        unbound.execute(insert(CustomerTag).values(tenant_id=a.id, customer_id=mine["id"],
                                                   tag="planted"))
    unbound.rollback()
    for ctx, customer in ((a, mine), (b, theirs)):
        body = client.get(f"/api/v1/customers/{customer['id']}", headers=ctx.headers).json()
        assert (body["notes"], body["tags"]) == (None, ["x"])


def test_a_tenant_cannot_write_another_tenants_row(client, two, unbound):
    a, b, mine, theirs = two
    bind_tenant(unbound, a.id)
    assert unbound.execute(update(Customer).where(Customer.id == theirs["id"])
                           .values(notes="theirs")).rowcount == 0
    assert unbound.execute(delete(Customer).where(Customer.tenant_id == b.id)).rowcount == 0
    with pytest.raises(DBAPIError, match="row-level security"):  # into another tenant
        unbound.execute(text("INSERT INTO customer_tags (tenant_id, customer_id, tag) "
                             "VALUES (:t, :c, 'planted')"), {"t": b.id, "c": theirs["id"]})
    unbound.rollback()
    with pytest.raises(DBAPIError, match="row-level security"):  # handed to another tenant
        unbound.execute(text("UPDATE customer_tags SET tenant_id = :b WHERE customer_id = :c"),
                        {"b": b.id, "c": mine["id"]})
    unbound.rollback()
    body = client.get(f"/api/v1/customers/{theirs['id']}", headers=b.headers).json()
    assert (body["notes"], body["tags"]) == (None, ["x"])
    assert client.get(f"/api/v1/customers/{mine['id']}",
                      headers=a.headers).json()["tags"] == ["x"]


def test_the_tenant_never_outlives_its_transaction(two, engine):
    """Set per transaction (set_config's local form): a pooled connection's next user, or
    the next transaction on a pgbouncer-shared server connection, starts with none."""
    a, _, mine, _ = two
    bound = Session(engine)
    bind_tenant(bound, a.id)
    connection = bound.connection().connection.dbapi_connection
    assert bound.get(Customer, mine["id"]) is not None
    bound.commit()
    raw = connection.cursor()
    raw.execute("SELECT current_setting('app.tenant_id', true), count(*) FROM customers")
    assert raw.fetchone() in (("", 0), (None, 0))
    connection.rollback()
    bound.close()


def test_a_session_switching_tenants_switches_what_it_sees(two, unbound):
    a, b, mine, theirs = two
    bind_tenant(unbound, a.id)
    assert set(unbound.scalars(select(Customer.id))) == {mine["id"]}
    bind_tenant(unbound, b.id)  # within the same transaction
    assert set(unbound.scalars(select(Customer.id))) == {theirs["id"]}


def test_the_application_cannot_turn_the_policy_off(unbound):
    with pytest.raises(DBAPIError, match="must be owner"):
        unbound.execute(text("ALTER TABLE customers DISABLE ROW LEVEL SECURITY"))


def test_a_new_row_needs_no_more_than_its_tenant(two, unbound):
    """The application's own inserts pass the policy's check (the suite does thousands);
    here one by hand, to see the check accept the tenant's own row."""
    a, _, mine, _ = two
    bind_tenant(unbound, a.id)
    unbound.execute(insert(CustomerTag).values(tenant_id=a.id, customer_id=mine["id"],
                                               tag="own"))
    assert unbound.scalar(select(func.count()).select_from(CustomerTag).where(
        CustomerTag.customer_id == mine["id"])) == 2


def test_serving_as_a_role_that_skips_the_policies_is_warned_of(engine, monkeypatch):
    with engine.connect() as conn:
        assert row_security.bypassed_by(conn) is None  # the suite's role: held
    assert migrate.bypassing_role() is None
    monkeypatch.setattr(row_security, "bypassed_by", lambda conn: "postgres")
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: None)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    assert "postgres, a role that row-level security does not hold" in " ".join(
        result.output.split())
