"""The sales report through the API and the admin: the figures per rep for a range, a
rep's orders staying theirs after the customer moves on, cancelled orders and imported
totals left out, the range checked, and every role may read it."""

from __future__ import annotations

from sqlalchemy import select

from patronage.tenancy.models import User
from tests.factories import PASSWORD, csrf_of
from tests.imports.test_import import run

URL = "/api/v1/reports/sales-reps"


def _reps(factory, session, t, n=2):
    for _ in range(n):
        factory.member(t, "sales_rep")
    rows = session.execute(select(User.id, User.email).where(
        User.tenant_id == t.id, User.role == "sales_rep").order_by(User.id)).all()
    session.rollback()
    return [tuple(r) for r in rows]


def _order(lic, number, at, total="100.00", status="placed"):
    return {"type": "order.placed", "occurred_at": at, "customer": {"license_number": lic},
            "data": {"number": number, "total": total, "status": status}}


def _rows(client, t, start, end):
    r = client.get(URL, params={"from": start, "to": end}, headers=t.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    return {row["sales_rep_id"]: row for row in body["rows"]}, body


def test_an_order_stays_with_the_rep_who_had_the_customer(client, factory, session):
    t = factory.tenant()
    (ana, _), (ben, _) = _reps(factory, session, t)
    c = factory.customer(t, sales_rep_id=ana)
    lic = c["license_number"]
    events = [_order(lic, "Q1", "2026-01-10T10:00:00Z"),
              _order(lic, "Q2", "2026-02-10T10:00:00Z", "50.00"),
              _order(lic, "Q3", "2026-02-11T10:00:00Z", "70.00", status="cancelled")]
    client.post("/api/v1/events:batch", json={"events": events}, headers=t.headers)
    client.patch(f"/api/v1/customers/{c['id']}", json={"sales_rep_id": ben},
                 headers={**t.headers, "If-Match": "*"})
    client.post("/api/v1/events", json=_order(lic, "Q4", "2026-03-05T10:00:00Z", "20.00"),
                headers=t.headers)
    rows, body = _rows(client, t, "2026-01-01", "2026-03-31")
    assert body["from"] == "2026-01-01" and body["to"] == "2026-03-31"
    a, b = rows[ana], rows[ben]
    assert (a["orders"], a["revenue"], a["average_order"], a["active_customers"],
            a["new_customers"], a["customers"]) == (2, "150.00", "75.00", 1, 1, 0)
    assert (b["orders"], b["revenue"], b["active_customers"], b["new_customers"],
            b["customers"]) == (1, "20.00", 1, 0, 1)
    assert body["total"]["orders"] == 3 and body["total"]["revenue"] == "170.00"
    assert body["total"]["name"] == "Total" and rows[None]["name"] == "Unassigned"
    feb, _ = _rows(client, t, "2026-02-01", "2026-02-28")
    assert (feb[ana]["orders"], feb[ana]["new_customers"]) == (1, 0)


def test_imported_totals_are_not_orders(client, factory, session):
    t = factory.tenant()
    report = run(factory, session, t, "Company,License Number,Total Orders,Total Spent\r\n"
                                      "Old Co,OLD-1,12,4000.00\r\n")
    assert report.created == 1
    _, body = _rows(client, t, "1970-01-01", "2099-12-31")
    assert (body["total"]["orders"], body["total"]["revenue"]) == (0, "0.00")
    assert body["total"]["customers"] == 1


def test_samples_count_for_the_rep_of_the_day(client, factory, session):
    t = factory.tenant()
    (ana, _), _b = _reps(factory, session, t)
    c = factory.customer(t, sales_rep_id=ana)
    client.post("/api/v1/events", headers=t.headers, json={
        "type": "sample.requested", "occurred_at": "2026-04-02T10:00:00Z",
        "customer": {"license_number": c["license_number"]}, "data": {"products": ["X"]}})
    rows, _ = _rows(client, t, "2026-04-01", "2026-04-30")
    assert rows[ana]["samples"] == 1 and rows[ana]["active_customers"] == 0


def test_a_bad_range_is_named(client, factory):
    t = factory.tenant()
    r = client.get(URL, params={"from": "2026-05-01", "to": "2026-04-01"}, headers=t.headers)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "/to"
    assert client.get(URL, params={"from": "May"}, headers=t.headers).status_code == 422
    assert client.get(URL, headers=t.headers).status_code == 200  # this month


def test_every_role_reads_it_and_the_admin_page_links_reps_to_their_customers(
        client, factory, session):
    t = factory.tenant()
    (ana, ana_email), _b = _reps(factory, session, t)
    factory.customer(t, sales_rep_id=ana)
    viewer = factory.member(t, "viewer")
    assert client.get(URL, headers=viewer).status_code == 200
    page = client.get("/login")
    client.post("/login", data={"workspace": t.slug, "email": t.email, "password": PASSWORD,
                                "csrf_token": csrf_of(page.text)})
    html = client.get("/reports/sales-reps?range=last_month")
    assert html.status_code == 200
    assert f'href="/customers?sales_rep={ana}"' in html.text
    assert "not orders" in html.text  # says imported totals are left out
    bad = client.get("/reports/sales-reps?from=2026-05-01&to=2026-04-01")
    assert bad.status_code == 422 and "ends before it starts" in bad.text
    csv = client.get("/reports/sales-reps/export?from=2026-01-01&to=2026-01-31")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Sales rep,Customers,Active customers")
    assert lines[-1].startswith("Total,")


def test_a_rep_signs_in_to_my_customers(client, factory, session):
    t = factory.tenant()
    (ana, ana_email), (ben, _) = _reps(factory, session, t)
    mine = factory.customer(t, sales_rep_id=ana, company_name="Mine Co")
    factory.customer(t, sales_rep_id=ben, company_name="Theirs Co")
    page = client.get("/login")
    r = client.post("/login", data={"workspace": t.slug, "email": ana_email,
                                    "password": PASSWORD, "csrf_token": csrf_of(page.text)},
                    follow_redirects=False)
    assert r.headers["location"] == "/customers?sales_rep=me"
    listed = client.get("/customers?sales_rep=me").text
    assert "Mine Co" in listed and "Theirs Co" not in listed and "My customers" in listed
    token = factory.member(t, "sales_rep")
    api = client.get("/api/v1/customers", params={"sales_rep": "me"}, headers=token).json()
    assert api["items"] == []  # the new rep has no customers
    admin = client.get("/api/v1/customers", params={"sales_rep": f"me,{ana}"},
                       headers=t.headers).json()
    assert [c["id"] for c in admin["items"]] == [mine["id"]]
