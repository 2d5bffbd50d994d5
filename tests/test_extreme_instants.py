"""Instants at both ends of time, with offsets that push them past what UTC can hold: a
422 naming the field at every door, never a 500 (issue 12, bad input)."""

from __future__ import annotations

import pytest

from tests.events.test_events import URL, order
from tests.factories import problems

PAST_THE_ENDS = ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"]


@pytest.mark.parametrize("when", PAST_THE_ENDS)
def test_a_customer_time_past_the_ends_is_refused(client, factory, when):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "Edge Co", "registered_at": when,
        "last_login_at": when})
    assert response.status_code == 422, response.text
    assert set(problems(response)) == {("/registered_at", "datetime_out_of_range"),
                                        ("/last_login_at", "datetime_out_of_range")}


@pytest.mark.parametrize("when", PAST_THE_ENDS)
def test_an_event_at_a_time_past_the_ends_fails_alone(client, factory, when):
    t = factory.tenant()
    bad = order("E-1", license_number="EDGE-1", at=when)
    good = order("E-2", license_number="EDGE-1")
    response = client.post(f"{URL}:batch", headers=t.headers, json={"events": [bad, good]})
    assert response.status_code == 207 or response.status_code == 200, response.text
    results = response.json()["results"]
    assert results[0]["status"] == 422
    assert results[0]["problem"]["errors"][0]["code"] == "datetime_out_of_range"
    assert results[1]["status"] == 201


@pytest.mark.parametrize("when", PAST_THE_ENDS)
def test_an_activity_at_a_time_past_the_ends_is_refused(client, factory, when):
    t = factory.tenant()
    c = factory.customer(t, company_name="Edge Co")
    response = client.post(f"/api/v1/customers/{c['id']}/activities", headers=t.headers,
                           json={"kind": "call", "occurred_at": when, "subject": "x"})
    assert response.status_code == 422, response.text
    assert problems(response) == [("/occurred_at", "datetime_out_of_range")]


def test_the_first_and_last_instants_themselves_are_kept(client, factory):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "Edge Co",
        "registered_at": "0001-01-01T00:00:00Z", "last_login_at": "9999-12-31T23:59:59Z"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["registered_at"] == "0001-01-01T00:00:00Z"
    assert body["last_login_at"] == "9999-12-31T23:59:59Z"


@pytest.mark.parametrize("when", PAST_THE_ENDS)
def test_an_imported_time_past_the_ends_is_a_refused_row(factory, session, when):
    from tests.imports.test_import import run

    t = factory.tenant()
    report = run(factory, session, t, f"Company,Registered\r\nEdge Co,{when}\r\n"
                                      "Fine Co,2026-01-01T00:00:00Z\r\n")
    assert (report.created, report.rejected) == (1, 1)
    assert report.errors[0]["code"] == "datetime_out_of_range"
    assert report.errors[0]["column"] == "Registered"
