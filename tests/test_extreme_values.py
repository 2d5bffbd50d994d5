"""Extreme values at the customer and event doors (issue 12, "generalise"): dates at both
ends with offsets, nulls for every field, 64-bit and negative numbers, huge arrays and
strings — whatever the mix, the answer is never a 5xx."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patronage.customers import fields
from tests.events.test_events import URL

EXTREMES = st.one_of(
    st.none(), st.booleans(), st.just(""), st.just(" "),
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
                     "0001-01-01", "9999-12-31", "1970-01-01T00:00:00Z", "2026-02-30"]),
    st.sampled_from([0, -1, 2**31, 2**63 - 1, -(2**63), 10**30, 1e308, -1e308]),
    st.text(max_size=20), st.just("x" * 20_000), st.just("\x00"),
    st.lists(st.text(max_size=5), max_size=3), st.just(["t"] * 5_000),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
NAMES = [f.name for f in fields.FIELDS] + ["type", "tags", "nonsense"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.dictionaries(st.sampled_from(NAMES), EXTREMES, max_size=8))
def test_a_customer_of_extreme_values_never_breaks_the_server(client, factory, body):
    t = factory.tenant(with_lists=False)
    created = client.post("/api/v1/customers", headers=t.headers, json=body)
    assert created.status_code < 500, created.text
    existing = factory.customer(t, company_name="Extreme Co")
    edited = client.patch(f"/api/v1/customers/{existing['id']}",
                          headers={**t.headers, "If-Match": '"1"'}, json=body)
    assert edited.status_code < 500, edited.text


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(customer=st.dictionaries(st.sampled_from(NAMES), EXTREMES, max_size=5),
       when=EXTREMES, total=EXTREMES, quantity=EXTREMES)
def test_an_event_of_extreme_values_never_breaks_the_server(client, factory, customer, when,
                                                            total, quantity):
    t = factory.tenant(with_lists=False)
    event = {"type": "order.placed", "occurred_at": when,
             "customer": {"license_number": "XTREME-1", **customer},
             "data": {"number": "X-1", "total": total, "lines": [
                 {"sku": "s", "name": "n", "category": "c", "quantity": quantity,
                  "unit_price": total}]}}
    response = client.post(URL, headers=t.headers, json=event)
    assert response.status_code < 500, response.text
    batch = client.post(f"{URL}:batch", headers=t.headers,
                        json={"events": [{**event, "idempotency_key": "k"}] * 3})
    assert batch.status_code < 500, batch.text
