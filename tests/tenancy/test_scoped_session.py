"""Tenant scoping by structure: in a session bound to a tenant (every request), an ORM query
that forgets the tenant's criterion still reads, changes and deletes only that tenant's
rows (db.TenantScoped)."""

from __future__ import annotations

from sqlalchemy import delete, func, select, update

from patronage.customers.models import Customer, CustomerTag
from patronage.db import bind_tenant, new_session
from patronage.settings_lists.models import Status


def test_a_query_that_forgets_the_tenant_sees_only_its_own(factory):
    a, b = factory.tenant(), factory.tenant()
    mine = factory.customer(a, company_name="Mine", tags=["shared"])
    theirs = factory.customer(b, company_name="Theirs", tags=["shared"])
    session = new_session()
    try:
        bind_tenant(session, a.id)
        names = set(session.scalars(select(Customer.company_name)))  # no tenant criterion
        assert "Mine" in names and "Theirs" not in names
        assert session.get(Customer, theirs["id"]) is None
        assert session.scalar(select(func.count()).select_from(Customer)) == 1
        joined = session.execute(select(Customer.id, CustomerTag.tag).join(
            CustomerTag, CustomerTag.customer_id == Customer.id)).all()
        assert joined == [(mine["id"], "shared")]
        assert {s.tenant_id for s in session.scalars(select(Status))} == {a.id}
        session.execute(update(Customer).values(notes="bulk"))  # no tenant criterion
        session.execute(delete(CustomerTag))
        session.commit()
    finally:
        session.close()
    other = factory.client.get(f"/api/v1/customers/{theirs['id']}", headers=b.headers).json()
    assert other["notes"] is None and other["tags"] == ["shared"]
    own = factory.client.get(f"/api/v1/customers/{mine['id']}", headers=a.headers).json()
    assert own["notes"] == "bulk" and own["tags"] == []


def test_an_unbound_session_is_not_scoped_by_the_orm(factory):
    """An unbound session gets no ORM criterion: on SQLite it reads what its query names;
    on PostgreSQL row-level security shows it no tenant's rows at all
    (tests/tenancy/test_row_security.py)."""
    a, b = factory.tenant(), factory.tenant()
    factory.customer(a, company_name="One")
    factory.customer(b, company_name="Two")
    session = new_session()
    try:
        tenants = set(session.scalars(select(Customer.tenant_id).where(
            Customer.tenant_id.in_([a.id, b.id]))))
        sqlite = session.get_bind().dialect.name == "sqlite"
    finally:
        session.close()
    assert tenants == ({a.id, b.id} if sqlite else set())


def test_the_suite_refuses_a_statement_that_names_no_tenant(factory):
    """The net under every other test (conftest.tenant_guard): a Core or unbound query of
    a tenant's table that forgets the tenant fails the test that runs it."""
    import pytest

    factory.customer(factory.tenant(), company_name="Anyone")
    session = new_session()
    try:
        with pytest.raises(AssertionError, match="names no tenant"):
            session.execute(select(Customer.id).where(Customer.company_name == "Anyone")).all()
    finally:
        session.close()
