"""The merged timeline: events, logged sales activities and edits, newest first, paged."""

from __future__ import annotations

from tests.events.test_events import order, post


def timeline(client, t, cid, **params):
    response = client.get(f"/api/v1/customers/{cid}/activities", params=params,
                          headers=t.headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_timeline_merges_events_logged_activities_and_edits(client, factory):
    t = factory.tenant()
    made = post(client, t, order("T-1", license_number="T1", company_name="Time Co",
                                 at="2026-01-01T10:00:00Z"))
    cid = made["customer_id"]
    post(client, t, {"type": "sample.requested", "occurred_at": "2026-01-02T10:00:00Z",
                     "customer": {"license_number": "T1"}, "data": {"products": ["Gummies"]}})
    logged = client.post(f"/api/v1/customers/{cid}/activities", headers=t.headers, json={
        "kind": "call", "occurred_at": "2026-01-03T10:00:00Z", "subject": "Intro call",
        "outcome": "Wants a price list", "follow_up_on": "2026-01-10"})
    assert logged.status_code == 201, logged.text
    assert logged.json()["author"] == "Ada Admin" and logged.json()["source"] == "staff"
    items = timeline(client, t, cid)["items"]
    kinds = [i["kind"] for i in items]
    # The creation (an edit, recorded now) is newest; then the dated events, newest first.
    assert kinds == ["edit", "call", "sample", "order"]
    order_entry = next(i for i in items if i["kind"] == "order")
    assert order_entry["data"]["number"] == "T-1" and order_entry["source"] == "event"
    only_calls = timeline(client, t, cid, kind="call")["items"]
    assert [i["subject"] for i in only_calls] == ["Intro call"]


def test_timeline_pages_never_overlap_or_skip(client, factory):
    t = factory.tenant()
    c = factory.customer(t, company_name="Paged Co")
    for day in range(1, 8):
        client.post(f"/api/v1/customers/{c['id']}/activities", headers=t.headers, json={
            "kind": "note", "occurred_at": f"2026-02-0{day}T09:00:00Z", "body": f"n{day}"})
    seen, cursor = [], None
    while True:
        page = timeline(client, t, c["id"], limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 8  # seven notes and the creation edit
    times = [i["occurred_at"] for i in timeline(client, t, c["id"], limit=50)["items"]]
    assert times == sorted(times, reverse=True)


def test_bad_activity_input_is_422_and_other_tenants_get_404(client, factory):
    t, other = factory.tenant(), factory.tenant()
    c = factory.customer(t, company_name="Private Co")
    url = f"/api/v1/customers/{c['id']}/activities"
    assert client.post(url, headers=t.headers, json={"kind": "fax", "body": "x"}) \
        .status_code == 422
    assert client.post(url, headers=t.headers, json={"kind": "note"}).status_code == 422
    assert client.get(url, params={"kind": "fax"}, headers=t.headers).status_code == 422
    assert client.get(url, headers=other.headers).status_code == 404
    assert client.post(url, headers=other.headers, json={"kind": "note", "body": "x"}) \
        .status_code == 404
