"""The customer overview page and its insights, with history recorded through events."""

from __future__ import annotations

from datetime import date

from patronage.events import insights as insights_module
from tests.events.test_events import order, post
from tests.factories import csrf_of
from tests.test_admin import _login


def _history(client, t):
    line = {"sku": "GUM", "name": "Sour Gummies", "category": "edibles", "quantity": 3,
            "unit_price": "10.00"}
    days = ["2026-01-01", "2026-01-11", "2026-01-31", "2026-03-02"]  # gaps 10, 20, 30 days
    for i, day in enumerate(days):
        first = post(client, t, order(f"O-{i}", None, license_number="OV-1",
                                      company_name="Overview Co", at=f"{day}T12:00:00Z",
                                      lines=[line]))
    post(client, t, order("O-X", "999.00", license_number="OV-1", at="2026-02-15T12:00:00Z",
                          status="cancelled"))
    return first["customer_id"]


def test_insights_from_the_stored_history(client, factory, session):
    t = factory.tenant()
    cid = _history(client, t)
    got = insights_module.insights(session, t.id, cid, today=date(2026, 3, 15))
    assert got.median_gap_days == 20
    assert got.expected_next.isoformat() == "2026-03-22T12:00:00+00:00"
    spend = {m.month.isoformat()[:7]: m.cents for m in got.months}
    assert len(got.months) == 24 and got.months[-1].month == date(2026, 3, 1)
    assert (spend["2026-01"], spend["2026-02"], spend["2026-03"]) == (9000, 0, 3000)
    assert got.top_products == [{"sku": "GUM", "name": "Sour Gummies", "quantity": 12,
                                 "cents": 12000}]
    assert got.order_total == 5 and [o["number"] for o in got.orders][:2] == ["O-3", "O-X"]


def test_overview_shows_orders_insights_and_timeline(client, factory):
    t = factory.tenant()
    cid = _history(client, t)
    assert _login(client, t).status_code == 303
    page = client.get(f"/customers/{cid}").text
    for text in ("Spend by month", "Median days between orders", "Top products",
                 "Sour Gummies", "O-X", "cancelled", "Log activity", "Order O-3"):
        assert text in page, text
    only_orders = client.get(f"/customers/{cid}", params={"kind": "order"}).text
    assert "Order O-3" in only_orders


def test_logging_an_activity_from_the_overview(client, factory):
    t = factory.tenant()
    c = factory.customer(t, company_name="Call Co")
    assert _login(client, t).status_code == 303
    page = client.get(f"/customers/{c['id']}")
    token = csrf_of(page.text)
    blank = client.post(f"/customers/{c['id']}/activities",
                        data={"csrf_token": token, "kind": "call"})
    assert blank.status_code == 422 and "Say what happened" in blank.text
    done = client.post(f"/customers/{c['id']}/activities", follow_redirects=False, data={
        "csrf_token": token, "kind": "meeting", "subject": "Store visit",
        "outcome": "Ordered a display", "follow_up_on": "2030-01-10"})
    assert done.status_code == 303
    page = client.get(f"/customers/{c['id']}").text
    for text in ("Store visit", "Ordered a display", "Follow up Jan 10, 2030"):
        assert text in page, text


def test_overview_and_logging_are_tenant_private(client, factory):
    t, other = factory.tenant(), factory.tenant()
    c = factory.customer(t, company_name="Private Co")
    assert _login(client, other).status_code == 303
    assert client.get(f"/customers/{c['id']}").status_code == 404
    token = csrf_of(client.get("/customers").text)
    response = client.post(f"/customers/{c['id']}/activities",
                           data={"csrf_token": token, "kind": "note", "body": "peek"})
    assert response.status_code == 404
