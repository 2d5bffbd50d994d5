"""Totals a customer was imported with, and the orders recorded here since: the figures add
up, every later change keeps both parts, and the overview says where each comes from
(issue 11 defect 5)."""

from __future__ import annotations

from patronage.events import derived
from tests.events.test_events import customer, order, post
from tests.imports.test_import import run
from tests.test_admin import _login

SHEET = ("Company,License Number,Total Orders,Total Spent\r\n"
         "Totals Co,TT-1,60,151482.74\r\n")


def _imported(factory, session, client, t):
    report = run(factory, session, t, SHEET)
    assert report.created == 1
    return report.rows[0]["customer_id"]


def test_orders_recorded_after_an_import_add_to_its_totals(client, factory, session):
    t = factory.tenant()
    cid = _imported(factory, session, client, t)
    post(client, t, order("N-1", "100.00", license_number="TT-1"))
    body = customer(client, t, cid)
    assert (body["order_count"], body["total_spent"]) == (61, "151582.74")
    assert (body["imported_order_count"], body["imported_total_spent"]) == (60, "151482.74")
    assert body["totals_imported_at"] is not None


def test_a_cancelled_order_leaves_the_imported_totals_whole(client, factory, session):
    """Before: a status change recounted the orders table alone, and 60 imported orders
    became 0."""
    t = factory.tenant()
    cid = _imported(factory, session, client, t)
    post(client, t, order("N-1", "100.00", license_number="TT-1"))
    post(client, t, order("N-2", "50.00", license_number="TT-1"))
    post(client, t, {"type": "order.status_changed", "occurred_at": "2026-01-06T10:00:00Z",
                     "customer": {"license_number": "TT-1"},
                     "data": {"number": "N-1", "status": "cancelled"}})
    body = customer(client, t, cid)
    assert (body["order_count"], body["total_spent"]) == (61, "151532.74")
    assert body["average_order_value"] == "2484.14"


def test_recompute_keeps_the_imported_part(client, factory, session):
    t = factory.tenant()
    cid = _imported(factory, session, client, t)
    post(client, t, order("N-1", "100.00", license_number="TT-1"))
    before = customer(client, t, cid)
    derived.recompute(session, t.id)
    after = customer(client, t, cid)
    assert (after["order_count"], after["total_spent"]) == (61, "151582.74")
    assert after["average_order_value"] == before["average_order_value"]


def test_reimporting_the_same_totals_changes_nothing(client, factory, session):
    t = factory.tenant()
    cid = _imported(factory, session, client, t)
    post(client, t, order("N-1", "100.00", license_number="TT-1"))
    sheet = ("Company,License Number,Total Orders,Total Spent\r\n"
             "Totals Co,TT-1,61,151582.74\r\n")  # what an export now says
    report = run(factory, session, t, sheet)
    assert (report.updated, report.unchanged) == (0, 1)
    body = customer(client, t, cid)
    assert (body["order_count"], body["imported_order_count"]) == (61, 60)


def test_reimporting_the_first_file_keeps_the_orders_recorded_since(client, factory,
                                                                    session):
    t = factory.tenant()
    cid = _imported(factory, session, client, t)
    post(client, t, order("N-1", "100.00", license_number="TT-1"))
    report = run(factory, session, t, SHEET)
    assert (report.updated, report.unchanged) == (0, 1)
    assert customer(client, t, cid)["order_count"] == 61


def test_new_imported_totals_keep_the_orders_recorded_since(client, factory, session):
    t = factory.tenant()
    cid = _imported(factory, session, client, t)
    for n in range(3):
        post(client, t, order(f"N-{n}", "10.00", license_number="TT-1"))
    report = run(factory, session, t, "Company,License Number,Total Orders\r\n"
                                      "Totals Co,TT-1,2\r\n")
    assert report.updated == 1 and report.rows[0]["fields"] == ["order_count"]
    body = customer(client, t, cid)
    assert (body["order_count"], body["imported_order_count"]) == (5, 2)
    assert body["average_order_value"] == "30302.55"  # 151,512.74 / 5


def test_the_overview_says_where_its_figures_come_from(client, factory, session):
    t = factory.tenant()
    cid = _imported(factory, session, client, t)
    assert _login(client, t).status_code == 303
    page = client.get(f"/customers/{cid}").text
    assert "No orders yet" not in page
    assert "Totals imported on" in page and "60 orders" in page
    assert "No orders recorded here yet" in page
    post(client, t, order("N-1", "100.00", license_number="TT-1"))
    post(client, t, order("N-2", "50.00", license_number="TT-1", status="cancelled"))
    page = client.get(f"/customers/{cid}").text
    assert "orders recorded here since" in page
    assert "1 cancelled order is counted under Orders (2) but not in the totals" in page
