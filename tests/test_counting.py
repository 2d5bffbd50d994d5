"""Counting within a time budget: every row, or (past the budget) a bound, and the session
goes on either way."""

import time

from sqlalchemy import column, select, text

from patronage.counting import FIRST_STEP, count_within
from patronage.customers.models import Customer

# Far more rows than either engine counts in a second.
ENDLESS = text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
               "WHERE i < 100000000) SELECT i FROM n").columns(column("i")).subquery()


def test_every_row_is_counted_within_the_budget(factory, session):
    t = factory.tenant()
    for i in range(5):
        factory.customer(t, company_name=f"Counted {i}")
    mine = select(Customer.id).where(Customer.tenant_id == t.id)
    assert count_within(session, mine, 5) == (5, True)
    assert count_within(session, mine.limit(3), 5) == (3, True)  # the caller's cap
    assert count_within(session, mine.where(Customer.company_name == "Nobody"), 5) == (0, True)
    if session.get_bind().dialect.name == "postgresql":  # the count's ceiling is undone
        assert session.scalar(text("SHOW statement_timeout")) == "0"


def test_past_the_budget_the_count_is_a_bound_and_the_session_goes_on(factory, session):
    t = factory.tenant()
    factory.customer(t, company_name="Still here")
    started = time.perf_counter()
    counted, whole = count_within(session, select(ENDLESS.c.i), 0.05)
    assert not whole and time.perf_counter() - started < 5
    if session.get_bind().dialect.name == "postgresql":
        # Moved over, not cancelled: what was counted is a true lower bound.
        assert counted >= FIRST_STEP
    else:
        assert counted == 0  # SQLite's count(*) was interrupted: the page gives the bound
    # The transaction goes on, later statements have no deadline, and counting again
    # works (the cursor was closed).
    assert session.scalar(select(Customer.company_name).where(Customer.tenant_id == t.id)) \
        == "Still here"
    assert session.scalar(text("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                               "FROM n WHERE i < 300000) SELECT count(*) FROM n")) == 300000
    assert count_within(session, select(ENDLESS.c.i).limit(2500), 5) == (2500, True)


def test_a_budget_spent_at_once_still_counts_a_first_step(session):
    """PostgreSQL moves FIRST_STEP rows before it knows their pace; SQLite, nothing."""
    counted, whole = count_within(session, select(ENDLESS.c.i), 0)
    assert not whole
    assert counted == (FIRST_STEP if session.get_bind().dialect.name == "postgresql" else 0)


def test_a_step_over_sparse_rows_is_stopped_at_a_hard_ceiling(factory, session):
    """A MOVE asks for a step of rows; over rows no index finds (one match in a hundred
    million) it would read on to the end. The server stops it past a ceiling of a few
    budgets, and the transaction goes on."""
    t = factory.tenant()
    factory.customer(t, company_name="Still here")
    sparse = select(ENDLESS.c.i).where(ENDLESS.c.i == 99_999_999)
    started = time.perf_counter()
    assert count_within(session, sparse, 0.02) == (0, False)
    assert time.perf_counter() - started < 5
    assert session.scalar(select(Customer.company_name).where(Customer.tenant_id == t.id)) \
        == "Still here"
    if session.get_bind().dialect.name == "postgresql":  # the ceiling was undone with it
        assert session.scalar(text("SHOW statement_timeout")) == "0"
    assert count_within(session, select(ENDLESS.c.i).limit(10), 5) == (10, True)
