"""PostgreSQL query plans for the directory's shapes, as tests/customers/test_query_plans.py
checks SQLite's: a lost or unusable index fails the build.

A test workspace is small, so the planner would rightly read it whole; with sequential
scans and sorts priced out of reach (enable_seqscan, enable_sort off), it still takes them
when no index can answer, so a plan without a Sort and on the named index proves the index
is there and yields the order the directory asks for (NULLs first, migration 0025)."""

from __future__ import annotations

import os
import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from patronage.customers import queries, search, service
from patronage.customers.filters import CustomerFilters
from patronage.db import TENANT_SETTING, bind_tenant, get_engine
from patronage.tenancy import row_security
from patronage.tenancy.row_security import SEARCH_FUNCTION
from tests.customers.page_statements import page_statements

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="PostgreSQL's plans (SQLite's: test_query_plans.py)")


@pytest.fixture
def plans(factory, session):
    t = factory.tenant()
    for n in range(3):
        factory.customer(t, company_name=f"Plan Co {n}", state="CA", tags=["vip"])
    factory.customer(t, company_name="Smithers Supply")
    bind_tenant(session, t.id)

    def run(sort: str | None = None, **filters: object) -> dict[str, str]:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_sort = off"))
        captured = page_statements(session, t.id, sort, filters)
        raw = session.connection().connection.driver_connection.cursor()
        out = {}
        for sql, params in captured:
            if "ORDER BY" not in sql or not sql.startswith("SELECT customers.id"):
                continue
            raw.execute(f"EXPLAIN {sql}", params)
            out.setdefault("page", " | ".join(r[0].strip() for r in raw.fetchall()))
        session.rollback()
        assert out, [sql[:200] for sql, _ in captured]
        return out
    run.tenant = t  # type: ignore[attr-defined]
    return run


@pytest.mark.parametrize(("sort", "index"), [
    ("name", "ix_customers_sort_sort_name"),
    ("-last_order_at", "ix_customers_sort_last_order_at"),
    ("license_expires_on", "ix_customers_sort_license_expires_on"),
    ("-total_spent", "ix_customers_sort_total_spent_cents"),
])
def test_a_sort_walks_its_index_in_the_directorys_order(plans, sort, index):
    plan = plans(sort=sort)["page"]
    direction = "Backward using" if sort.startswith("-") else "using"
    assert re.search(rf"Index (Only )?Scan {direction} {index} ", plan), plan
    assert "Sort" not in plan.replace("Sort Key", ""), plan


def test_the_newest_first_page_walks_the_primary_key(plans):
    plan = plans()["page"]
    assert re.search(r"Index (Only )?Scan Backward using pk_customers ", plan), plan


def test_an_equality_before_the_sort_walks_the_composite_index(plans):
    plan = plans(sort="-total_spent", state=["CA"])["page"]
    assert "ix_customers_state_spent" in plan and "Sort" not in plan.replace("Sort Key", ""), \
        plan


def _explain_search(session_or_conn, term: str) -> str:
    document = search.POSTGRES_DOCUMENT
    rows = session_or_conn.execute(text(
        f"EXPLAIN SELECT id FROM customers WHERE {document} LIKE :pattern"),
        {"pattern": f"%{term}%"})
    return " | ".join(r[0].strip() for r in rows)


@pytest.mark.skipif(not os.environ.get("DATABASE_OWNER_URL"),
                    reason="the tables' owner, to act as the search function's owner")
def test_search_reads_the_trigram_index_under_row_level_security(plans, session):
    """Beside a policy PostgreSQL applies no LIKE ahead of the policy's condition, so the
    application's own LIKE cannot use the trigram index; the search function's owner,
    which a policy of its own lets read, can (row_security.SEARCH_FUNCTION)."""
    session.execute(text("SET LOCAL enable_seqscan = off"))
    assert "ix_customers_search" not in _explain_search(session, "mither")
    session.rollback()
    engine = create_engine(os.environ["DATABASE_OWNER_URL"])
    try:
        with engine.connect() as conn:
            owner = conn.scalar(text("SELECT pg_get_userbyid(proowner) FROM pg_proc "
                                     "WHERE proname = :f"), {"f": SEARCH_FUNCTION})
            conn.execute(text(f'SET LOCAL ROLE "{owner}"'))
            conn.execute(text(f"SET LOCAL {TENANT_SETTING} = '{plans.tenant.id}'"))
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            plan = _explain_search(conn, "mither")
            assert row_security.search_is_indexed(conn)
    finally:
        engine.dispose()
    assert "Bitmap Index Scan on ix_customers_search" in plan, plan
    found = service.list_customers(session, tenant_id=plans.tenant.id, sort=None, limit=50,
                                   filters=CustomerFilters(q="mither"))
    assert [c.company_name for c in found.items] == ["Smithers Supply"]


def test_the_search_function_answers_for_the_transactions_tenant_only(factory, session):
    a, b = factory.tenant(), factory.tenant()
    factory.customer(a, company_name="Quillon Traders")
    theirs = factory.customer(b, company_name="Quillon Outfitters")
    called = text(f"SELECT * FROM {SEARCH_FUNCTION}(ARRAY['%quillon%'])")
    bind_tenant(session, b.id)
    assert list(session.scalars(called)) == [theirs["id"]]
    session.rollback()
    unbound = Session(get_engine())
    try:
        assert list(unbound.scalars(called)) == []  # no tenant: nothing
    finally:
        unbound.close()


def test_a_common_fragment_is_walked_to_the_same_customers(factory, client, monkeypatch):
    """Thousands of matches are checked on the customers a page reads instead of listed
    through the index (search.settle): the same customers, in the same order, on every
    page; the total becomes the cap, as for any search with that many matches."""
    t = factory.tenant()
    made = [factory.customer(t, company_name=f"Bramble Farm {n}")["id"] for n in range(7)]
    factory.customer(t, company_name="Other Goods")
    ids: dict[str, list] = {}
    for walk_above in (search.WALK_ABOVE, 2):
        monkeypatch.setattr(search, "WALK_ABOVE", walk_above)
        for query in ("q=bramble", "name=bramble", "q=bramble&sort=name"):
            seen, cursor, totals = [], None, []
            while True:
                page = client.get(f"/api/v1/customers?{query}&limit=3"
                                  + (f"&cursor={cursor}" if cursor else ""),
                                  headers=t.headers).json()
                seen += [c["id"] for c in page["items"]]
                totals.append((page["total"], page["total_exact"]))
                cursor = page["next_cursor"]
                if not cursor:
                    break
            ids.setdefault(query, []).append(seen)
            assert sorted(seen) == sorted(made), (query, walk_above)
            if walk_above == 2 and query == "q=bramble":  # relevance: the total is a bound
                assert totals[0] == (queries.SEARCH_COUNT_CAP, False), totals
    assert all(a == b for a, b in ids.values())


def test_a_filter_judges_how_common_a_fragment_is_in_its_own_column(factory, session,
                                                                    monkeypatch):
    """"gold" in many company names and no email: an email filter for it is not walked
    (a walk for a page of emails that never fills reads the whole workspace)."""
    t = factory.tenant()
    for n in range(4):
        factory.customer(t, company_name=f"Gold Leaf {n}", email=f"buyer{n}@example.com")
    monkeypatch.setattr(search, "WALK_ABOVE", 2)
    bind_tenant(session, t.id)
    gold = (("gold",),)
    dense = [search.matching_ids(session, gold, within) is None
             for within in (None, "name", "email")]
    assert dense == [True, True, False]
    found = service.list_customers(session, tenant_id=t.id, sort=None, limit=50,
                                   filters=CustomerFilters(email="gold"))
    assert found.items == [] and (found.total, found.total_exact) == (0, True)


def test_a_common_email_fragment_walks_the_sort_checking_the_email_alone(factory, session,
                                                                       monkeypatch):
    """An email fragment with thousands of matches, sorted by last order: the walk checks
    the email alone (a match there is one in the document). With the document's LIKE too,
    the planner expected one match in a million and read them all (270 ms at a million);
    this walks the sort's index (~25 ms)."""
    t = factory.tenant()
    for n in range(4):
        factory.customer(t, company_name=f"Greenway {n}", email=f"green{n}@example.com")
    monkeypatch.setattr(search, "WALK_ABOVE", 2)
    bind_tenant(session, t.id)
    session.execute(text("SET LOCAL enable_seqscan = off"))
    session.execute(text("SET LOCAL enable_sort = off"))
    captured = page_statements(session, t.id, "-last_order_at", {"email": "green"})
    page = [(sql, params) for sql, params in captured
            if sql.startswith("SELECT customers.id, customers.last_order_at")]
    assert len(page) == 1, [sql[:200] for sql, _ in captured]
    sql, params = page[0]
    assert "license_number" not in sql and SEARCH_FUNCTION not in sql, sql  # the email alone
    raw = session.connection().connection.driver_connection.cursor()
    raw.execute(f"EXPLAIN {sql}", params)
    plan = " | ".join(r[0] for r in raw.fetchall())
    assert "Index Scan Backward using ix_customers_sort_last_order_at" in plan, plan
    session.rollback()
    found = service.list_customers(session, tenant_id=t.id, sort="-last_order_at", limit=50,
                                   filters=CustomerFilters(email="green"))
    assert len(found.items) == 4


def test_the_emails_own_trigram_index_is_on_what_the_search_function_checks(session):
    """Migration 0027: the email filter's fragment ("gold", in 13,000 company names and no
    email) is looked for among the emails alone, not among every document holding it: the
    index is on the very expression the search function checks for an email (a test
    workspace is too small for the planner to prefer it), and its statistics give the
    planner the fragment's share of the emails."""
    definition = session.scalar(text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_customers_email_search'"))
    assert definition is not None
    assert "USING gin" in definition and "gin_trgm_ops" in definition, definition
    assert "lower((COALESCE(email, ''::character varying))::text)" in definition, definition
    checked = session.scalar(text(
        "SELECT pg_get_functiondef(oid) FROM pg_proc WHERE proname = :f"),
        {"f": SEARCH_FUNCTION})
    assert "WHEN 'email' THEN 'lower(coalesce(email, ''''))'" in checked, checked
