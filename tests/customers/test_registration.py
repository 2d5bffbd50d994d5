"""Registering a guest: through the one writer, keeping everything the guest had, with
what the workspace's sign-up strategy asks for; and becoming registered by any other door
dates the registration too."""

from __future__ import annotations

import pytest

from tests.factories import problems
from tests.imports.test_import import run

ADDRESS = {"address1": "1 Market St", "city": "San Francisco", "state": "CA", "zip": "94105"}


def _guest_with_history(client, t):
    who = {"email": "guest.one@example.com"}
    events = [
        {"type": "order.placed", "occurred_at": "2026-10-01T10:00:00Z", "customer": who,
         "data": {"number": "R-1", "total": "40.00"}},
        {"type": "sample.requested", "occurred_at": "2026-10-02T10:00:00Z", "customer": who,
         "data": {"products": ["Gummies"]}}]
    r = client.post("/api/v1/events:batch", json={"events": events}, headers=t.headers)
    cid = r.json()["results"][0]["result"]["customer_id"]
    guest = client.get(f"/api/v1/customers/{cid}", headers=t.headers).json()
    assert guest["type"] == "guest" and guest["registered_at"] is None
    return guest


def test_a_registered_guest_keeps_its_id_orders_samples_and_timeline(client, factory):
    t = factory.tenant()
    guest = _guest_with_history(client, t)
    before = client.get(f"/api/v1/customers/{guest['id']}/activities", headers=t.headers).json()
    r = client.post(f"/api/v1/customers/{guest['id']}/register", headers=t.headers,
                    json={"first_name": "Gia", "last_name": "Guest", **ADDRESS})
    assert r.status_code == 200, r.text
    done = r.json()
    assert (done["id"], done["type"], done["email"]) == (guest["id"], "registered",
                                                         "guest.one@example.com")
    assert done["registered_at"] and r.headers["ETag"] == f'"{done["version"]}"'
    assert (done["order_count"], done["sample_count"], done["total_spent"]) == (1, 1, "40.00")
    after = client.get(f"/api/v1/customers/{guest['id']}/activities",
                       headers=t.headers).json()["items"]
    assert after[0]["kind"] == "signup" and after[0]["author"] == "Ada Admin"
    assert after[0]["subject"] == "Registered by Ada Admin"
    assert {e["id"] for e in before["items"]} <= {e["id"] for e in after}
    history = client.get(f"/api/v1/customers/{guest['id']}/history",
                         headers=t.headers).json()["items"]
    changed = {e["field"]: (e["old"], e["new"], e["actor"]) for e in history
               if e["action"] == "updated"}
    assert changed["type"] == ("guest", "registered", t.email)
    assert changed["registered_at"][0] is None and changed["registered_at"][2] == t.email
    assert changed["first_name"] == (None, "Gia", t.email)


def test_registering_twice_or_a_business_is_a_conflict(client, factory):
    t = factory.tenant()
    guest = _guest_with_history(client, t)
    body = {"first_name": "Gia", "last_name": "Guest", **ADDRESS}
    url = f"/api/v1/customers/{guest['id']}/register"
    assert client.post(url, json=body, headers=t.headers).status_code == 200
    again = client.post(url, json=body, headers=t.headers)
    assert again.status_code == 409 and "already registered" in again.json()["detail"]
    business = factory.customer(t)
    r = client.post(f"/api/v1/customers/{business['id']}/register", json=body,
                    headers=t.headers)
    assert r.status_code == 409 and "already business" in r.json()["detail"]


@pytest.mark.parametrize("strategy,given,missing", [
    ("both", {"first_name": "Gia"}, {"/last_name", "/address1", "/city", "/state", "/zip"}),
    ("email", {"first_name": "Gia", "last_name": "G", **ADDRESS}, set()),  # has an email
    ("phone", {"first_name": "Gia", "last_name": "G", **ADDRESS}, {"/phone"}),
])
def test_missing_fields_are_each_named_and_nothing_changes(client, factory, strategy, given,
                                                           missing):
    t = factory.tenant()
    client.put("/api/v1/settings/signup", json={"methods": strategy}, headers=t.headers)
    guest = _guest_with_history(client, t)
    r = client.post(f"/api/v1/customers/{guest['id']}/register", json=given,
                    headers=t.headers)
    if not missing:
        assert r.status_code == 200, r.text
        return
    assert r.status_code == 422
    assert {pointer for pointer, _ in problems(r)} == missing
    assert {code for _, code in problems(r)} == {"required"}
    now = client.get(f"/api/v1/customers/{guest['id']}", headers=t.headers).json()
    assert now["type"] == "guest" and now["version"] == guest["version"]


def test_a_phone_only_guest_needs_an_email_when_sign_up_is_by_email(client, factory):
    t = factory.tenant()
    client.put("/api/v1/settings/signup", json={"methods": "email"}, headers=t.headers)
    r = client.post("/api/v1/events", headers=t.headers, json={
        "type": "order.placed", "occurred_at": "2026-10-01T10:00:00Z",
        "customer": {"phone": "415-555-0101"}, "data": {"number": "P-1", "total": "1.00"}})
    url = f"/api/v1/customers/{r.json()['customer_id']}/register"
    body = {"first_name": "Pia", "last_name": "Phone", **ADDRESS}
    assert {p for p, _ in problems(client.post(url, json=body, headers=t.headers))} == {
        "/email"}
    bad = client.post(url, json={**body, "email": "not-an-email"}, headers=t.headers)
    assert ("/email", "invalid_email") in problems(bad)
    ok = client.post(url, json={**body, "email": "pia@example.com"}, headers=t.headers)
    assert ok.status_code == 200 and ok.json()["phone"] == "+14155550101"


def test_only_writers_register(client, factory):
    t = factory.tenant()
    guest = _guest_with_history(client, t)
    viewer = factory.member(t, "viewer")
    r = client.post(f"/api/v1/customers/{guest['id']}/register", headers=viewer,
                    json={"first_name": "Gia", "last_name": "Guest", **ADDRESS})
    assert r.status_code == 403


def test_becoming_registered_through_patch_dates_it_once(client, factory):
    t = factory.tenant()
    guest = _guest_with_history(client, t)
    r = client.patch(f"/api/v1/customers/{guest['id']}", headers={**t.headers, "If-Match": "*"},
                     json={"type": "registered", "first_name": "Gia", "last_name": "G",
                           "phone": "4155550123", **ADDRESS})
    assert r.status_code == 200, r.text
    stamped = r.json()["registered_at"]
    assert stamped
    back = client.patch(f"/api/v1/customers/{guest['id']}", json={"type": "guest"},
                        headers={**t.headers, "If-Match": "*"}).json()
    again = client.patch(f"/api/v1/customers/{guest['id']}", json={"type": "registered"},
                         headers={**t.headers, "If-Match": "*"}).json()
    assert back["registered_at"] == again["registered_at"] == stamped  # kept, not re-dated


def test_becoming_registered_through_an_import_dates_it(client, factory, session):
    t = factory.tenant()
    guest = _guest_with_history(client, t)
    report = run(factory, session, t, "Email,Type,First Name\r\n"
                                      "guest.one@example.com,registered,Gia\r\n")
    assert report.updated == 1, report
    now = client.get(f"/api/v1/customers/{guest['id']}", headers=t.headers).json()
    assert now["type"] == "registered" and now["registered_at"]
    history = client.get(f"/api/v1/customers/{guest['id']}/history",
                         headers=t.headers).json()["items"]
    assert "registered_at" in {e["field"] for e in history if e["source"] == "import"}


def test_a_registered_customer_added_by_any_door_is_dated(client, factory, session):
    t = factory.tenant()
    made = factory.partial(t, type="registered", email="new@example.com")
    assert made["registered_at"]
    report = run(factory, session, t, "Email,Type\r\nimported@example.com,registered\r\n")
    assert report.created == 1
    found = client.get("/api/v1/customers", params={"q": "imported@example.com"},
                       headers=t.headers).json()["items"]
    assert found[0]["registered_at"]
