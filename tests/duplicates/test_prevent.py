"""Warned before a duplicate is made: adding or changing a customer by hand answers the
customers it may duplicate, keeps the list current without a scan, and a draft can be
checked without saving it."""

from __future__ import annotations

from typing import Any

from patronage.duplicates import scans
from tests.duplicates.test_duplicates_api import pairs
from tests.events.test_events import URL, order
from tests.factories import TenantCtx, problems

SHOP = {"type": "business", "company_name": "Green Leaf Dispensary LLC",
        "license_number": "C10-0000123-LIC", "phone": "(510) 555-0101",
        "address1": "12 North Main Street", "city": "Oakland", "state": "CA", "zip": "94607"}
ROBERT = {"type": "registered", "first_name": "Robert", "last_name": "Okafor",
          "email": "robert.okafor@mail.example", "phone": "(415) 555-0134",
          "address1": "1 Market St", "city": "San Francisco", "state": "CA", "zip": "94105"}


def added(client: Any, t: TenantCtx, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/api/v1/customers", headers=t.headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def edited(client: Any, t: TenantCtx, customer_id: int, body: dict[str, Any]
           ) -> dict[str, Any]:
    response = client.patch(f"/api/v1/customers/{customer_id}", json=body,
                            headers={**t.headers, "If-Match": "*"})
    assert response.status_code == 200, response.text
    return response.json()


def test_adding_a_likely_duplicate_is_saved_with_a_warning_and_listed(client, factory):
    t = factory.tenant()
    first = added(client, t, SHOP)
    assert first["possible_duplicates"] == []
    second = added(client, t, {**SHOP, "company_name": "The Green Leaf Dispensary",
                               "license_number": None, "phone": "510.555.0101",
                               "address1": "12 N Main St"})
    [warning] = second["possible_duplicates"]
    assert warning["id"] == first["id"] and warning["score"] >= 0.9
    assert warning["reasons"] == ["same phone", "same company name", "same street address"]
    listed = pairs(client, t)["items"]  # no scan needed: kept as it was written
    assert [i["customers"] for i in listed] == [[first["id"], second["id"]]]

    moved = edited(client, t, second["id"], {"company_name": "Blue River Goods",
                                             "phone": "(510) 555-0199",
                                             "address1": "99 Oak Ave", "zip": "94612"})
    assert moved["possible_duplicates"] == []
    assert pairs(client, t)["items"] == []


def test_a_nickname_at_the_same_address_is_found_by_its_filed_keys(client, factory):
    t = factory.tenant()
    robert = added(client, t, ROBERT)
    bob = added(client, t, {**ROBERT, "first_name": "Bob", "email": "bob@work.example",
                            "phone": "(415) 555-0199"})
    [warning] = bob["possible_duplicates"]
    assert warning["id"] == robert["id"]
    assert "Bob and Robert are one name" in warning["reasons"] or \
        "Robert and Bob are one name" in warning["reasons"]
    mary = added(client, t, {**ROBERT, "first_name": "Mary", "email": "mary@mail.example",
                             "phone": "(415) 555-0177"})
    assert mary["possible_duplicates"] == []  # family at one address: not a duplicate


def test_a_customer_an_event_created_is_found_by_its_email(client, factory):
    t = factory.tenant()
    made = client.post(URL, headers=t.headers, json=order(
        "D-1", email="walkin@mail.example", first_name="Wanda", last_name="Li"))
    assert made.status_code == 201, made.text
    walkin = made.json()["customer_id"]
    typed = added(client, t, {**ROBERT, "first_name": "Wanda", "last_name": "Li",
                              "email": "Walkin@Mail.example"})
    assert [w["id"] for w in typed["possible_duplicates"]] == [walkin]
    assert typed["possible_duplicates"][0]["reasons"][:2] == ["same email", "same name"]


def test_an_unchanged_save_answers_the_list_and_a_dismissed_pair_stays_quiet(client,
                                                                             factory):
    t = factory.tenant()
    first = added(client, t, SHOP)
    second = added(client, t, {**SHOP, "license_number": None, "company_name": "Green Leaf"})
    assert [w["id"] for w in second["possible_duplicates"]] == [first["id"]]
    assert [w["id"] for w in edited(client, t, second["id"], {"city": "Oakland"})[
        "possible_duplicates"]] == [first["id"]]
    assert client.post("/api/v1/duplicates/dismiss", headers=t.headers, json={
        "customers": [first["id"], second["id"]]}).status_code == 204
    assert edited(client, t, second["id"], {"notes": "Same owner, two shops"})[
        "possible_duplicates"] == []
    assert pairs(client, t)["items"] == []
    rekeyed = edited(client, t, second["id"], {"phone": "(510) 555-0101 "})
    assert rekeyed["possible_duplicates"] == []  # the same number: the same keys


def test_a_draft_is_checked_without_saving_it(client, factory):
    t, other = factory.tenant(), factory.tenant()
    first = added(client, t, SHOP)
    added(client, other, SHOP)
    draft = {**SHOP, "license_number": "C10-0000213-LIC"}  # two digits swapped
    checked = client.post("/api/v1/duplicates:check", headers=t.headers, json=draft)
    assert checked.status_code == 200, checked.text
    [warning] = checked.json()["possible_duplicates"]
    assert warning["id"] == first["id"]
    assert warning["reasons"][0] == "license numbers differ by two swapped characters"
    listed = client.get("/api/v1/customers", headers=t.headers).json()
    assert listed["total"] == 1  # nothing saved
    itself = client.post(f"/api/v1/duplicates:check?exclude_id={first['id']}",
                         headers=t.headers, json=SHOP)
    assert itself.json()["possible_duplicates"] == []
    assert problems(client.post("/api/v1/duplicates:check", headers=t.headers,
                                json={**SHOP, "phone": "12"}))[0] == ("/phone",
                                                                      "invalid_phone")
    viewer = factory.member(t, "viewer")
    assert client.post("/api/v1/duplicates:check", headers=viewer, json=draft
                       ).status_code == 200


def test_an_import_is_checked_for_duplicates_after_it_commits(client, factory):
    from patronage.imports import jobs

    t = factory.tenant()
    first = added(client, t, SHOP)
    added(client, t, ROBERT)
    sheet = (b"Company,Phone,Address 1,City,Zip\n"
             b"The Green Leaf Dispensary,510.555.0199,12 N Main St,Oakland,94607\n"
             b"Blue River Goods,(212) 555-0100,1 Elm St,Albany,12207\n")
    started = client.post("/api/v1/imports", headers=t.headers, data={"dry_run": "false"},
                          files={"file": ("shops.csv", sheet, "text/csv")})
    assert started.status_code == 202, started.text
    jobs.wait(started.json()["id"])  # the import: it starts a check of what it wrote
    scans.wait(client.get("/api/v1/duplicates/scan", headers=t.headers).json()["id"])
    scan = client.get("/api/v1/duplicates/scan", headers=t.headers).json()
    assert (scan["status"], scan["customers"], scan["found"]) == ("done", 2, 1)
    [pair] = pairs(client, t)["items"]
    assert pair["customers"][0] == first["id"]
    assert pair["reasons"] == ["same company name", "same street address"]


def test_a_customer_an_event_made_is_found_by_name_and_address_at_once(client, factory):
    t = factory.tenant()
    made = client.post(URL, headers=t.headers, json=order(
        "D-2", email="robert.okafor@mail.example", first_name="Robert", last_name="Okafor",
        address1="1 Market St", city="San Francisco", zip="94105"))
    robert = made.json()["customer_id"]
    bob = {**ROBERT, "first_name": "Bob", "email": "bob@work.example",
           "phone": "(415) 555-0199"}
    checked = client.post("/api/v1/duplicates:check", headers=t.headers, json=bob).json()
    assert [c["id"] for c in checked["possible_duplicates"]] == [robert]
    elsewhere = {**bob, "zip": "10001", "city": "New York", "address1": "5 Fifth Ave"}
    checked = client.post("/api/v1/duplicates:check", headers=t.headers, json=elsewhere)
    assert checked.json()["possible_duplicates"] == []  # a namesake in another region


def test_an_import_preview_marks_rows_that_look_like_customers(client, factory, session):
    from tests.imports.test_import import run

    t = factory.tenant()
    first = added(client, t, SHOP)
    report = run(factory, session, t, (
        "Company,Phone,Address 1,City,Zip,License #\n"
        "The Green Leaf Dispensary,510.555.0199,12 N Main St,Oakland,94607,\n"
        "Green Leaf Dispensary Inc,,,,,C10-0000213-LIC\n"
        "Blue River Goods,(212) 555-0100,1 Elm St,Albany,12207,BR-1\n"), dry_run=True)
    assert (report.created, report.rejected) == (3, 0), report.errors
    marks = {r["line"]: r.get("looks_like") for r in report.rows}
    assert marks[2]["id"] == first["id"]
    assert marks[2]["reasons"] == ["same company name", "same street address"]
    assert marks[3]["id"] == first["id"]
    assert marks[3]["reasons"][0] == "license numbers differ by two swapped characters"
    assert marks[4] is None
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == 1


def test_registering_a_guest_keeps_its_likely_duplicates_listed(client, factory):
    t = factory.tenant()
    robert = added(client, t, ROBERT)
    made = client.post(URL, headers=t.headers, json=order("G-1", email="bob@walkin.example"))
    guest = made.json()["customer_id"]
    assert pairs(client, t)["items"] == []  # an event's guest, nameless: alike nobody
    registered = client.post(f"/api/v1/customers/{guest}/register", headers=t.headers, json={
        "first_name": "Bob", "last_name": "Okafor", "phone": "(415) 555-0188",
        "address1": "1 Market Street", "city": "San Francisco", "state": "CA",
        "zip": "94105"})
    assert registered.status_code == 200, registered.text
    assert [i["customers"] for i in pairs(client, t)["items"]] == [[robert["id"], guest]]
