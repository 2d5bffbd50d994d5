"""The derived figures a batch of events keeps, exactly: first and last order, counts, the
rounded average, samples, last activity and login; for a customer the batch creates (added
up in memory) and for one it finds (added to the stored figures in SQL)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patronage.db import bind_tenant

URL = "/api/v1/events"
EARLY, LATE = "2026-01-05T10:00:00Z", "2026-02-07T16:30:00Z"


def _order(number, total, at, **who):
    return {"type": "order.placed", "occurred_at": at, "customer": who,
            "data": {"number": number, "store": "main", "total": total}}


def _batch(client, t, events):
    response = client.post(f"{URL}:batch", json={"events": events}, headers=t.headers)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert {r["status"] for r in results} == {201}, results
    return results


def _customer(client, t, cid):
    return client.get(f"/api/v1/customers/{cid}", headers=t.headers).json()


def _figures(c):
    return {k: c[k] for k in ("order_count", "total_spent", "average_order_value",
                              "first_order_at", "last_order_at")}


@pytest.mark.parametrize("dates", [(EARLY, LATE), (LATE, EARLY)], ids=["in order", "reversed"])
def test_a_new_customers_batch_keeps_first_and_last_order(client, factory, dates):
    t = factory.tenant()
    results = _batch(client, t, [
        _order("N-1", "10.00", dates[0], license_number="N1", company_name="New Co"),
        _order("N-2", "10.01", dates[1], license_number="N1")])
    assert _figures(_customer(client, t, results[0]["result"]["customer_id"])) == {
        "order_count": 2, "total_spent": "20.01", "average_order_value": "10.01",
        "first_order_at": EARLY, "last_order_at": LATE}


@pytest.mark.parametrize("dates", [(EARLY, LATE), (LATE, EARLY)], ids=["in order", "reversed"])
def test_a_known_customers_batch_keeps_first_and_last_order(client, factory, dates):
    t = factory.tenant()
    known = factory.customer(t, license_number="K1")
    _batch(client, t, [_order("K-1", "10.00", dates[0], license_number="K1"),
                       _order("K-2", "10.01", dates[1], license_number="K1")])
    assert _figures(_customer(client, t, known["id"])) == {
        "order_count": 2, "total_spent": "20.01", "average_order_value": "10.01",
        "first_order_at": EARLY, "last_order_at": LATE}


def test_later_batches_move_first_and_last_order_outwards_only(client, factory):
    t = factory.tenant()
    known = factory.customer(t, license_number="K2")
    _batch(client, t, [_order("M-1", "5.00", "2026-01-10T00:00:00Z", license_number="K2")])
    assert _figures(_customer(client, t, known["id"])) == {
        "order_count": 1, "total_spent": "5.00", "average_order_value": "5.00",
        "first_order_at": "2026-01-10T00:00:00Z", "last_order_at": "2026-01-10T00:00:00Z"}
    _batch(client, t, [_order("M-2", "5.00", "2026-01-09T00:00:00Z", license_number="K2"),
                       _order("M-3", "5.00", "2026-01-11T00:00:00Z", license_number="K2")])
    _batch(client, t, [_order("M-4", "6.00", "2026-01-10T12:00:00Z", license_number="K2")])
    assert _figures(_customer(client, t, known["id"])) == {
        "order_count": 4, "total_spent": "21.00", "average_order_value": "5.25",
        "first_order_at": "2026-01-09T00:00:00Z", "last_order_at": "2026-01-11T00:00:00Z"}


def _activity(kind, at, **who):
    if kind == "login":
        return {"type": "shopper.logged_in", "occurred_at": at, "customer": who}
    return {"type": "sample.requested", "occurred_at": at, "customer": who,
            "data": {"products": ["Gummies"]}}


@pytest.mark.parametrize("known", [False, True], ids=["created by the batch", "found"])
def test_samples_logins_and_activity_keep_the_latest(client, factory, known):
    t = factory.tenant()
    who = {"email": "shopper@example.com"}
    if known:
        cid = factory.partial(t, type="registered", **who)["id"]
    results = _batch(client, t, [
        _activity("login", "2026-03-02T00:00:00Z", **who),
        _activity("sample", "2026-03-05T00:00:00Z", **who),
        _activity("login", "2026-03-01T00:00:00Z", **who),
        _activity("sample", "2026-03-03T00:00:00Z", **who)])
    cid = results[0]["result"]["customer_id"] if not known else cid
    c = _customer(client, t, cid)
    assert (c["sample_count"], c["last_login_at"], c["last_activity_at"]) == (
        2, "2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z")
    assert (c["order_count"], c["total_spent"], c["average_order_value"], c["first_order_at"],
            c["last_order_at"]) == (0, "0.00", "0.00", None, None)
    _batch(client, t, [_activity("login", "2026-02-01T00:00:00Z", **who)])  # an old one, late
    c = _customer(client, t, cid)
    assert (c["last_login_at"], c["last_activity_at"]) == (
        "2026-03-02T00:00:00Z", "2026-03-05T00:00:00Z")


def test_recompute_rebuilds_every_figure_from_the_stored_history(client, factory, session):
    from sqlalchemy import update

    from patronage.customers.models import Customer
    from patronage.events import derived

    t, other = factory.tenant(), factory.tenant()
    known = factory.customer(t, license_number="R1")
    theirs = factory.customer(other, license_number="R1")
    who = {"license_number": "R1"}
    _batch(client, t, [_order("R-1", "10.00", EARLY, **who), _order("R-2", "10.01", LATE, **who),
                       _activity("login", "2026-03-01T00:00:00Z", **who),
                       _activity("sample", "2026-03-05T00:00:00Z", **who)])
    _batch(client, other, [_order("R-1", "99.00", LATE, **who)])
    right = _customer(client, t, known["id"])
    wrong = {"order_count": 9, "total_spent_cents": 1, "average_order_value_cents": 5,
             "first_order_at": None, "last_order_at": None, "sample_count": 7,
             "last_activity_at": None, "last_login_at": None}
    for workspace, cid in ((t, known["id"]), (other, theirs["id"])):
        bind_tenant(session, workspace.id)  # each tenant's rows are written as its own
        session.execute(update(Customer).where(Customer.tenant_id == workspace.id,
                                               Customer.id == cid).values(**wrong))
    session.commit()
    bind_tenant(session, t.id)
    assert derived.recompute(session, t.id) == 1
    again = _customer(client, t, known["id"])
    figures = ("order_count", "total_spent", "average_order_value", "first_order_at",
               "last_order_at", "sample_count", "last_activity_at", "last_login_at")
    assert {k: again[k] for k in figures} == {k: right[k] for k in figures}
    assert again["last_login_at"] == "2026-03-01T00:00:00Z"
    untouched = _customer(client, other, theirs["id"])  # another workspace: not recounted
    assert (untouched["order_count"], untouched["sample_count"]) == (9, 7)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(total=st.integers(0, 99_999_999_999_99), count=st.integers(0, 2**31 - 1))
def test_the_average_in_sql_is_the_average_in_python(session, total, count):
    """The one metric rule written twice (rules.average_order for rows Python writes,
    derived.average for rows SQL updates) gives the same cents for any figures."""
    from sqlalchemy import BigInteger, literal, select

    from patronage.customers import rules
    from patronage.events import derived

    in_sql = session.scalar(select(derived.average(literal(count, BigInteger()),
                                                   literal(total, BigInteger()))))
    assert in_sql == rules.average_order(total, count)
