"""Derived state is always right: whatever arrives, in any order, with repeats, the metrics
kept event by event equal the ones `patronage recompute` rebuilds from the stored history."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from patronage.cli.main import app
from patronage.customers.models import Customer, CustomerStore
from patronage.events.derived import METRICS

WHO = [{"license_number": "L-0", "company_name": "Zero Co"},
       {"license_number": "l 1", "company_name": "One Co"},
       {"email": "two@example.com"}, {"phone": "415-555-0133"}]
STATUSES = ["cancelled", "shipped", "refunded", "placed"]

who = st.integers(0, len(WHO) - 1)
day = st.integers(1, 28)
raw_event = st.one_of(
    st.tuples(st.just("order"), who, st.integers(0, 5), st.integers(0, 99_999), day,
              st.sampled_from(["main", None]), st.sampled_from(["placed", "cancelled"])),
    st.tuples(st.just("status"), who, st.integers(0, 5), st.sampled_from(STATUSES), day),
    st.tuples(st.just("sample"), who, day),
    st.tuples(st.just("login"), who, day),
    st.tuples(st.just("signup"), who, day),
)


def _event(spec: tuple) -> dict:
    kind, person = spec[0], spec[1]
    base = {"occurred_at": f"2026-03-{spec[-1] if kind != 'order' else spec[4]:02d}T12:00:00Z",
            "customer": dict(WHO[person])}
    if kind == "order":
        _, _, n, cents, at, store, status = spec
        return {**base, "type": "order.placed", "data": {
            "number": f"{person}-{n}", "store": store, "status": status,
            "total": f"{cents / 100:.2f}", "placed_at": f"2026-02-{at:02d}T08:00:00Z"}}
    if kind == "status":
        return {**base, "type": "order.status_changed",
                "data": {"number": f"{person}-{spec[2]}", "status": spec[3]}}
    if kind == "sample":
        return {**base, "type": "sample.requested", "data": {"products": ["Gummies"]}}
    if kind == "login":
        return {**base, "type": "shopper.logged_in"}
    return {**base, "type": "shopper.signed_up", "data": {"method": "email"}}


def _state(session, tenant_id):
    session.expire_all()
    rows = session.execute(select(Customer.id, *(getattr(Customer, m) for m in METRICS))
                           .where(Customer.tenant_id == tenant_id).order_by(Customer.id)).all()
    stores = session.execute(select(CustomerStore.customer_id, CustomerStore.store_id)
                             .where(CustomerStore.tenant_id == tenant_id)
                             .order_by(CustomerStore.customer_id, CustomerStore.store_id)).all()
    session.rollback()
    return [tuple(r) for r in rows], [tuple(s) for s in stores]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(raw_event, min_size=1, max_size=20), data=st.data())
def test_incremental_metrics_equal_the_recomputed_ones(client, factory, session, specs, data):
    t = factory.tenant()
    events = [{**_event(s), "idempotency_key": f"k{i}"} for i, s in enumerate(specs)]
    # Repeats of earlier events, anywhere later in the stream.
    for i in data.draw(st.lists(st.integers(0, len(events) - 1), max_size=5)):
        events.insert(data.draw(st.integers(i + 1, len(events))), dict(events[i]))
    chunks = data.draw(st.lists(st.integers(1, 8), min_size=len(events), max_size=len(events)))
    at = 0
    for size in chunks:
        batch = events[at:at + size]
        if not batch:
            break
        if len(batch) == 1 and data.draw(st.booleans()):
            one = dict(batch[0])
            key = one.pop("idempotency_key")
            response = client.post("/api/v1/events", json=one,
                                   headers={**t.headers, "Idempotency-Key": key})
            assert response.status_code in (200, 201, 409, 422), response.text
        else:
            response = client.post("/api/v1/events:batch", json={"events": batch},
                                   headers=t.headers)
            assert response.status_code == 200, response.text
        at += size
    incremental = _state(session, t.id)
    result = CliRunner().invoke(app, ["recompute", "--tenant", t.slug])
    assert result.exit_code == 0, result.output
    assert _state(session, t.id) == incremental
