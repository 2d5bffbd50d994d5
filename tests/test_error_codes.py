"""The same condition answers the same stable code at every door: the API, events and an
import's row report (issue 11, "stable error codes")."""

from __future__ import annotations

import pytest

from patronage.customers.codes import CustomerCode
from tests.events.test_events import URL, order
from tests.imports.test_import import run


def _api(client, t, body):
    response = client.post("/api/v1/customers", headers=t.headers,
                           json={"type": "business", "company_name": "Door Co", **body})
    return {(e["pointer"], e["code"]) for e in response.json().get("errors", [])}


def _event(client, t, customer):
    response = client.post(URL, headers=t.headers, json=order("D-1", license_number="DOOR-1",
                                                              **customer))
    return {(e["pointer"].removeprefix("/customer"), e["code"])
            for e in response.json().get("errors", [])}


def _import(factory, session, t, header, cell):
    report = run(factory, session, t, f"Company,License Number,{header}\r\n"
                                      f"Door Co,DOOR-2,{cell}\r\n")
    return {(e["column"], e["code"]) for e in report.errors}


CASES = [
    # (what, API field and value, event field and value, import header and cell, code)
    ("a bad email", ("email", "not-an-email"), ("email", "not-an-email"),
     ("Email", "not-an-email"), CustomerCode.INVALID_EMAIL),
    ("a bad phone", ("phone", "12"), ("phone", "12"), ("Phone", "12"),
     CustomerCode.INVALID_PHONE),
    ("an unknown status", ("status_id", 999_999), ("status_id", 999_999),
     ("Status", "No Such Status"), CustomerCode.UNKNOWN_REFERENCE),
    ("a name too long", ("first_name", "x" * 101), ("first_name", "x" * 101),
     ("First Name", "x" * 101), CustomerCode.TOO_LONG),
    ("a bad country", ("country", "USA"), ("country", "USA"), ("Country", "USA"),
     CustomerCode.NOT_A_CODE),
]


@pytest.mark.parametrize("what,api,event,imported,code", CASES, ids=[c[0] for c in CASES])
def test_one_condition_one_code(client, factory, session, what, api, event, imported, code):
    t = factory.tenant()
    field = api[0]
    assert (f"/{field}", code) in _api(client, t, {field: api[1]}), what
    assert (f"/{event[0]}", code) in _event(client, t, {event[0]: event[1]}), what
    assert (imported[0], code) in _import(factory, session, t, *imported), what


def test_an_external_id_another_customer_holds(client, factory, session):
    t = factory.tenant()
    factory.customer(t, company_name="Holder", external_id="EXT-1")
    code = CustomerCode.DUPLICATE_EXTERNAL_ID
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "Door Co", "external_id": "EXT-1"})
    assert (response.status_code, response.json()["errors"][0]["code"]) == (409, code)
    assert ("/external_id", code) in _event(client, t, {"external_id": "EXT-1",
                                                        "company_name": "New"})
    report = run(factory, session, t, "Company,License Number,External ID\r\n"
                                      "Door Co,DOOR-3,EXT-1\r\n")
    assert [(e["column"], e["code"]) for e in report.errors] == [("External ID", code)]


def test_a_row_or_event_that_names_nobody(client, factory, session):
    t = factory.tenant()
    response = client.post(URL, headers=t.headers, json={
        "type": "interest.requested", "occurred_at": "2026-01-01T00:00:00Z",
        "customer": {"first_name": "Ana"}, "data": {"note": "hi"}})
    assert response.json()["errors"][0]["code"] == CustomerCode.NO_CUSTOMER_KEY
    report = run(factory, session, t, "Company,Notes\r\n,only a note\r\n")
    assert report.errors[0]["code"] == CustomerCode.NO_CUSTOMER_KEY
