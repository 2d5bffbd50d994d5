"""Customers → Duplicates in the admin: the pairs with their reasons, dismissing one, a
scan with its progress; viewers see, writers act; an empty state."""

from __future__ import annotations

import re
from typing import Any

from patronage.duplicates import scans
from tests.duplicates.test_duplicates_api import twins
from tests.factories import PASSWORD, TenantCtx, csrf_of


def signed_in(client: Any, t: TenantCtx, email: str | None = None) -> str:
    page = client.get("/login")
    signed = client.post("/login", data={"workspace": t.slug, "email": email or t.email,
                                         "password": PASSWORD, "csrf_token": csrf_of(page.text),
                                         "next": "/customers"}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    return csrf_of(client.get("/customers/duplicates").text)


def test_the_page_lists_pairs_and_dismisses_one(client, factory):
    t = factory.tenant()
    empty = signed_in(client, t)
    page = client.get("/customers/duplicates")
    assert "not been scanned yet" in page.text and "No likely duplicates" in page.text
    first, again = twins(factory, t)  # saved by hand: listed at once
    page = client.get("/customers/duplicates")
    assert page.status_code == 200
    assert "license numbers differ by two swapped characters" in page.text
    assert f'href="/customers/{first["id"]}"' in page.text
    assert f'href="/customers/{again["id"]}"' in page.text
    assert re.search(r"\d+% likely the same", page.text)
    done = client.post("/customers/duplicates/dismiss", data={
        "csrf_token": empty, "low": first["id"], "high": again["id"]}, follow_redirects=True)
    assert "no longer proposed" in done.text and "No likely duplicates" in done.text
    refused = client.post("/customers/duplicates/dismiss", data={
        "csrf_token": empty, "low": "x", "high": ""}, follow_redirects=True)
    assert "Name two customers" in refused.text
    forged = client.post("/customers/duplicates/dismiss", data={
        "low": first["id"], "high": again["id"]})
    assert forged.status_code == 403


def test_a_scan_runs_from_the_page_and_shows_what_it_found(client, factory):
    t = factory.tenant()
    token = signed_in(client, t)
    twins(factory, t)
    started = client.post("/customers/duplicates/scan", data={"csrf_token": token},
                          follow_redirects=False)
    assert started.status_code == 303
    scans.wait(client.get("/api/v1/duplicates/scan", headers=t.headers).json()["id"])
    shown = client.get("/customers/duplicates/scan", headers={"HX-Request": "true"})
    assert "Last scanned" in shown.text and "2 customers, 1 likely duplicate." in shown.text
    assert "hx-trigger" not in shown.text  # finished: no more polling
    # The fragment opened by hand (no htmx) is its page, title and all, not a bare scrap.
    by_hand = client.get("/customers/duplicates/scan", follow_redirects=False)
    assert by_hand.status_code == 303 and by_hand.headers["location"] == "/customers/duplicates"


def test_viewers_see_the_list_but_cannot_act(client, factory):
    t = factory.tenant()
    twins(factory, t)
    factory.member(t, "viewer")
    email = next(iter(re.findall(r"viewer\d+@[\w.-]+", "".join(
        u["email"] for u in client.get("/api/v1/users", headers=t.headers).json()))), None)
    assert email
    token = signed_in(client, t, email)
    page = client.get("/customers/duplicates")
    assert "same phone" in page.text
    assert "Not a duplicate" not in page.text and "Scan for duplicates" not in page.text
    assert client.post("/customers/duplicates/scan", data={"csrf_token": token}
                       ).status_code == 403


SHOP_FORM = {"type": "business", "company_name": "Green Leaf Dispensary LLC",
             "license_number": "C10-0000123-LIC", "phone": "(510) 555-0101",
             "address1": "12 North Main Street", "city": "Oakland", "state": "CA",
             "zip": "94607"}


def test_adding_a_likely_duplicate_asks_first_then_saves_anyway(client, factory):
    t = factory.tenant()
    token = signed_in(client, t)
    first = factory.customer(t, **SHOP_FORM)
    again = {**SHOP_FORM, "company_name": "The Green Leaf Dispensary",
             "license_number": "C10 0000213 LIC", "phone": "510.555.0101"}
    asked = client.post("/customers/new", data={"csrf_token": token, **again})
    assert asked.status_code == 200
    assert "This may be a customer you already have" in asked.text
    assert f'href="/customers/{first["id"]}"' in asked.text
    assert "license numbers differ by two swapped characters" in asked.text
    assert 'value="The Green Leaf Dispensary"' in asked.text  # nothing typed is lost
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == 1
    saved = client.post("/customers/new", data={"csrf_token": token, **again,
                                                "save_anyway": "1"}, follow_redirects=False)
    assert saved.status_code == 303
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == 2
    other = client.post("/customers/new", data={"csrf_token": token, **SHOP_FORM,
                                                "company_name": "Blue River Goods",
                                                "license_number": "BR-1",
                                                "phone": "(212) 555-0100",
                                                "address1": "1 Elm St", "zip": "12207",
                                                "city": "Albany", "state": "NY"},
                        follow_redirects=False)
    assert other.status_code == 303  # nothing alike: saved at once


def test_editing_warns_only_of_duplicates_it_makes(client, factory):
    t = factory.tenant()
    token = signed_in(client, t)
    first = factory.customer(t, **SHOP_FORM)
    second = factory.customer(t, **{**SHOP_FORM, "license_number": None,
                                    "company_name": "Green Leaf"})  # listed already
    third = factory.customer(t, company_name="Blue River Goods", license_number="BR-2",
                             phone="(212) 555-0100")

    def edit(customer: dict, **changes: str):  # type: ignore[no-untyped-def]
        body = {"csrf_token": token, "version": str(customer["version"]), "type": "business",
                "company_name": customer["company_name"],
                "license_number": customer["license_number"] or "",
                "phone": customer["phone"] or "", **changes}
        return client.post(f"/customers/{customer['id']}/edit", data=body,
                           follow_redirects=False)

    assert edit(second, notes="Same owner").status_code == 303  # known pair: no question
    asked = edit(third, phone="(510) 555-0101", company_name="Green Leaf Dispensary",
                 license_number="")
    assert asked.status_code == 200, asked.text
    assert "This may be a customer you already have" in asked.text
    assert f'href="/customers/{first["id"]}"' in asked.text
    assert edit(third, phone="(510) 555-0101", company_name="Green Leaf Dispensary",
                license_number="", save_anyway="1").status_code == 303


def test_odd_input_to_the_page_answers_plainly(client, factory):
    t = factory.tenant()
    token = signed_in(client, t)
    huge = client.post("/customers/duplicates/dismiss", data={
        "csrf_token": token, "low": "1", "high": str(2**64)}, follow_redirects=True)
    assert huge.status_code == 200 and "Name two customers" in huge.text
    long_cursor = client.get("/customers/duplicates?cursor=" + "W" * 5000,
                             follow_redirects=False)
    assert long_cursor.status_code == 303


def test_a_customer_page_says_whom_it_may_duplicate(client, factory):
    t = factory.tenant()
    token = signed_in(client, t)
    first, again = twins(factory, t)
    page = client.get(f"/customers/{again['id']}")
    assert "This may be the same customer as" in page.text
    assert f'href="/customers/{first["id"]}"' in page.text and "same phone" in page.text
    done = client.post("/customers/duplicates/dismiss", data={
        "csrf_token": token, "low": first["id"], "high": again["id"],
        "next": f"/customers/{again['id']}"}, follow_redirects=False)
    assert done.headers["location"] == f"/customers/{again['id']}"
    assert "This may be the same customer" not in client.get(f"/customers/{again['id']}").text
    elsewhere = client.post("/customers/duplicates/dismiss", data={
        "csrf_token": token, "low": "1", "high": "2", "next": "https://evil.example/"},
        follow_redirects=False)
    assert elsewhere.headers["location"] == "/customers/duplicates"


def test_saving_anyway_still_refuses_a_stale_edit(client, factory):
    t = factory.tenant()
    token = signed_in(client, t)
    factory.customer(t, **SHOP_FORM)
    third = factory.customer(t, company_name="Blue River Goods", license_number="BR-3")
    client.patch(f"/api/v1/customers/{third['id']}", json={"notes": "Someone else's note"},
                 headers={**t.headers, "If-Match": "*"})  # now version 2
    body = {"csrf_token": token, "version": "1", "type": "business",
            "company_name": "Green Leaf Dispensary", "license_number": "",
            "phone": "(510) 555-0101"}
    asked = client.post(f"/customers/{third['id']}/edit", data=body)
    assert asked.status_code == 200 and "may be a customer you already have" in asked.text
    assert 'name="version" value="1"' in asked.text  # the version the edit started from
    html = asked.text
    assert html.index(">Save changes<") < html.index('name="save_anyway"')  # Enter re-checks
    anyway = client.post(f"/customers/{third['id']}/edit", data={**body, "save_anyway": "1"})
    assert anyway.status_code == 412
    note = client.get(f"/api/v1/customers/{third['id']}", headers=t.headers).json()["notes"]
    assert note == "Someone else's note"


def test_an_edit_does_not_ask_about_a_likeness_it_did_not_make(client, factory, session):
    from tests.imports.test_import import run

    t = factory.tenant()
    token = signed_in(client, t)
    factory.customer(t, **SHOP_FORM)
    report = run(factory, session, t, "Company,Phone,Address 1,City,Zip\n"
                                      "The Green Leaf Dispensary,510 555 0199,12 N Main St,"
                                      "Oakland,94607\n")
    twin = report.rows[0]["customer_id"]  # imported: its likeness never listed
    assert client.get("/api/v1/duplicates", headers=t.headers).json()["items"] == []
    record = client.get(f"/api/v1/customers/{twin}", headers=t.headers).json()
    saved = client.post(f"/customers/{twin}/edit", data={
        "csrf_token": token, "version": str(record["version"]), "type": "business",
        "company_name": record["company_name"], "phone": record["phone"],
        "notes": "Called them"}, follow_redirects=False)
    assert saved.status_code == 303  # alike before the edit too: not this edit's doing


def test_a_bad_form_shows_every_problem_not_only_the_phone(client, factory):
    t = factory.tenant()
    token = signed_in(client, t)
    answer = client.post("/customers/new", data={"csrf_token": token, "type": "registered",
                                                 "first_name": "Ana", "phone": "123"})
    assert answer.status_code == 422
    assert 'id="e-phone"' in answer.text and 'id="e-last_name"' in answer.text


def test_a_rep_sees_no_dismiss_button_for_customers_they_may_not_edit(client, factory):
    t = factory.tenant()
    first, again = twins(factory, t)
    client.put("/api/v1/settings/permissions", headers=t.headers,
               json={"rep_edit_scope": "own"})
    factory.member(t, "sales_rep")
    email = next(u["email"] for u in client.get("/api/v1/users", headers=t.headers).json()
                 if u["role"] == "sales_rep")
    signed_in(client, t, email)
    page = client.get(f"/customers/{again['id']}")
    assert "This may be the same customer as" in page.text
    assert "Not a duplicate" not in page.text
