"""The events API: matching, creation, idempotency, batches, ordering rules, derived state."""

from __future__ import annotations

import pytest

URL = "/api/v1/events"


def order(number, total="10.00", *, license_number=None, at="2026-01-05T10:00:00Z", lines=None,
          status="placed", store="main", **customer):
    if license_number:
        customer["license_number"] = license_number
    return {"type": "order.placed", "occurred_at": at, "customer": customer,
            "data": {"number": number, "store": store, "status": status, "total": total,
                     "lines": lines or [{"sku": "F-1", "name": "Flower 1g", "category": "flower",
                                         "quantity": 1, "unit_price": total}]}}


def post(client, t, event, key=None, status=201):
    headers = {**t.headers, **({"Idempotency-Key": key} if key else {})}
    response = client.post(URL, json=event, headers=headers)
    assert response.status_code == status, response.text
    return response.json()


def customer(client, t, cid):
    return client.get(f"/api/v1/customers/{cid}", headers=t.headers).json()


def test_unknown_business_is_created_then_found_by_license_in_any_spelling(client, factory):
    t = factory.tenant()
    first = post(client, t, order("A-1", license_number="CA-123 45", company_name="Leaf Co"))
    assert first["matched_by"] == "created"
    again = post(client, t, order("A-2", "5.50", license_number="ca12345"))
    assert again == {**again, "customer_id": first["customer_id"],
                     "matched_by": "license_number"}
    c = customer(client, t, first["customer_id"])
    assert c["type"] == "business" and c["company_name"] == "Leaf Co"
    assert (c["order_count"], c["total_spent"], c["average_order_value"]) == (2, "15.50", "7.75")
    assert c["store_ids"] == t.refs["stores"]


def test_a_person_is_matched_by_external_id_then_email_then_phone(client, factory):
    t = factory.tenant()
    known = factory.shopper(t, first_name="Ann", last_name="Lee", email="Ann@Example.com",
                            phone="415-555-0134", external_id="shop-9")
    by_ext = post(client, t, order("P-1", external_id="shop-9", email="other@example.com"))
    by_email = post(client, t, order("P-2", email="ann@example.COM"))
    by_phone = post(client, t, order("P-3", phone="(415) 555-0134"))
    assert [r["matched_by"] for r in (by_ext, by_email, by_phone)] == [
        "external_id", "email", "phone"]
    assert {r["customer_id"] for r in (by_ext, by_email, by_phone)} == {known["id"]}
    assert customer(client, t, known["id"])["order_count"] == 3


def test_guest_becomes_registered_on_sign_up_with_history_kept(client, factory):
    t = factory.tenant()
    guest = post(client, t, order("G-1", email="walkin@example.org", first_name="Wes"))
    c = customer(client, t, guest["customer_id"])
    assert c["type"] == "guest" and c["first_name"] == "Wes"
    signed = post(client, t, {"type": "shopper.signed_up", "occurred_at": "2026-02-01T09:00:00Z",
                              "customer": {"email": "walkin@example.org"},
                              "data": {"method": "email"}})
    assert signed["customer_id"] == guest["customer_id"] and signed["matched_by"] == "email"
    c = customer(client, t, guest["customer_id"])
    assert c["type"] == "registered" and c["registered_at"] == "2026-02-01T09:00:00Z"
    assert c["order_count"] == 1
    history = client.get(f"/api/v1/customers/{c['id']}/history", headers=t.headers).json()
    assert any(e["field"] == "type" and e["old"] == "guest" and e["source"] == "event"
               and e["new"] == "registered" for e in history["items"])


def test_idempotency_key_records_once_and_answers_the_original(client, factory):
    t = factory.tenant()
    event = order("K-1", license_number="K1", company_name="Key Co")
    first = post(client, t, event, key="evt-1")
    repeat = post(client, t, event, key="evt-1", status=200)
    assert repeat == first
    assert customer(client, t, first["customer_id"])["order_count"] == 1
    # The same key for a different event is refused, and changes nothing.
    post(client, t, order("K-2", license_number="K1"), key="evt-1", status=409)
    assert customer(client, t, first["customer_id"])["order_count"] == 1
    # Keys belong to a tenant: another tenant may use the same one.
    other = factory.tenant()
    assert post(client, other, event, key="evt-1")["matched_by"] == "created"


def test_batch_reports_each_event_and_a_bad_one_stops_nothing(client, factory):
    t = factory.tenant()
    events = [
        {**order("B-1", license_number="B1", company_name="Batch Co"), "idempotency_key": "b1"},
        {"type": "order.placed", "occurred_at": "2026-01-01T00:00:00Z", "customer": {},
         "data": {"number": "B-2"}},
        {**order("B-3", license_number="B1"), "idempotency_key": "b3"},
        {"type": "teleport", "occurred_at": "2026-01-01T00:00:00Z",
         "customer": {"email": "x@example.com"}},
        {**order("B-1", license_number="B1", company_name="Batch Co"), "idempotency_key": "b1"},
    ]
    response = client.post(f"{URL}:batch", json={"events": events}, headers=t.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["status"] for r in body["results"]] == [201, 422, 201, 422, 200]
    assert (body["recorded"], body["repeated"], body["failed"]) == (2, 1, 2)
    assert body["results"][1]["problem"]["errors"][0]["pointer"] == "/customer"
    assert body["results"][3]["problem"]["errors"][0]["pointer"] == "/type"
    assert body["results"][4]["result"] == body["results"][0]["result"]
    cid = body["results"][0]["result"]["customer_id"]
    assert customer(client, t, cid)["order_count"] == 2


def test_cancelled_orders_leave_the_spend_metrics(client, factory):
    t = factory.tenant()
    a = post(client, t, order("C-1", "30.00", license_number="C1", company_name="C Co",
                              at="2026-01-01T00:00:00Z"))
    post(client, t, order("C-2", "10.00", license_number="C1", at="2026-03-01T00:00:00Z"))
    post(client, t, {"type": "order.status_changed", "occurred_at": "2026-03-02T00:00:00Z",
                     "customer": {"license_number": "C1"},
                     "data": {"number": "C-2", "status": "cancelled"}})
    c = customer(client, t, a["customer_id"])
    assert (c["order_count"], c["total_spent"], c["last_order_at"]) == (
        1, "30.00", "2026-01-01T00:00:00Z")
    post(client, t, {"type": "order.status_changed", "occurred_at": "2026-03-03T00:00:00Z",
                     "customer": {"license_number": "C1"},
                     "data": {"number": "C-2", "status": "shipped"}})
    c = customer(client, t, a["customer_id"])
    assert (c["order_count"], c["total_spent"], c["average_order_value"]) == (2, "40.00", "20.00")


def test_ordering_rules_refuse_lines_naming_the_reason(client, factory):
    t = factory.tenant()
    retailer = t.refs["license-types"][0]  # flower, edibles
    biz = factory.customer(t, company_name="Rule Co", license_number="R1",
                           license_type_id=retailer)
    bad = order("R-1", license_number="R1", lines=[
        {"sku": "F", "name": "Flower", "category": "flower", "quantity": 1, "unit_price": "5"},
        {"sku": "V", "name": "Vape", "category": "vapes", "quantity": 1, "unit_price": "5"},
        {"sku": "E", "name": "Edible", "category": "edibles", "quantity": 1, "unit_price": "5",
         "age_limited": True}])
    problem = post(client, t, bad, status=422)
    pointers = {e["pointer"]: e["detail"] for e in problem["errors"]}
    assert "vapes" in pointers["/data/lines/1/category"]
    assert "Retailer" in pointers["/data/lines/1/category"]
    assert "age-limited" in pointers["/data/lines/2/age_limited"]
    assert customer(client, t, biz["id"])["order_count"] == 0
    # A business without a license type may order anything (until one is set).
    free = post(client, t, order("R-2", license_number="R2", lines=[
        {"sku": "V", "name": "Vape", "category": "vapes", "quantity": 2, "unit_price": "5"}],
        total=None))
    assert customer(client, t, free["customer_id"])["total_spent"] == "10.00"


@pytest.mark.parametrize("event,pointer,code", [
    ({"type": "order.placed", "occurred_at": "2026-01-01T00:00:00Z",
      "customer": {"email": "a@example.com"}, "data": {}}, "/data/number", "required"),
    ({"type": "order.placed", "occurred_at": "yesterday", "customer": {"email": "a@example.com"},
      "data": {"number": "1"}}, "/occurred_at", "datetime_from_date_parsing"),
    ({"type": "shopper.logged_in", "occurred_at": "2026-01-01T00:00:00Z",
      "customer": {"email": "not-an-email"}}, "/customer/email", "invalid_email"),
    ({"type": "shopper.logged_in", "occurred_at": "2026-01-01T00:00:00Z",
      "customer": {"phone": "12"}}, "/customer/phone", "invalid_phone"),
    ({"type": "shopper.logged_in", "occurred_at": "2026-01-01T00:00:00Z",
      "customer": {"email": "a@example.com"}, "extra": 1}, "/extra", "unknown_field"),
    ({"type": "order.status_changed", "occurred_at": "2026-01-01T00:00:00Z",
      "customer": {"email": "a@example.com"}, "data": {"number": "nope", "status": "x"}},
     "/data/number", "unknown_order"),
    ({"type": "shopper.logged_in", "occurred_at": "2026-01-01T00:00:00Z",
      "customer": {"email": "a@example.com", "status_id": 2_000_000}},
     "/customer/status_id", "unknown_reference"),
])
def test_bad_events_are_422_and_record_nothing(client, factory, event, pointer, code):
    t = factory.tenant()
    problem = post(client, t, event, status=422)
    assert [(e["pointer"], e["code"]) for e in problem["errors"]] == [(pointer, code)], problem
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == 0


def test_events_never_cross_tenants(client, factory):
    t, other = factory.tenant(), factory.tenant()
    mine = factory.customer(t, company_name="Mine", license_number="X1")
    theirs = post(client, other, order("X-1", license_number="X1", company_name="Theirs"))
    assert theirs["matched_by"] == "created" and theirs["customer_id"] != mine["id"]
    assert customer(client, t, mine["id"])["order_count"] == 0
    assert client.get(f"/api/v1/customers/{theirs['customer_id']}",
                      headers=t.headers).status_code == 404


def test_readers_cannot_post_events(client, factory):
    t = factory.tenant()
    reader = factory.member(t, "viewer")
    response = client.post(URL, json=order("V-1", email="v@example.com"), headers=reader)
    assert response.status_code == 403


def test_a_batch_can_place_and_cancel_the_same_order(client, factory):
    t = factory.tenant()
    events = [order("S-1", "12.00", license_number="S1", company_name="Same Co"),
              order("S-2", "8.00", license_number="S1"),
              {"type": "order.status_changed", "occurred_at": "2026-01-06T00:00:00Z",
               "customer": {"license_number": "S1"},
               "data": {"number": "S-1", "status": "cancelled"}}]
    body = client.post(f"{URL}:batch", json={"events": events}, headers=t.headers).json()
    assert [r["status"] for r in body["results"]] == [201, 201, 201]
    c = customer(client, t, body["results"][0]["result"]["customer_id"])
    assert (c["order_count"], c["total_spent"]) == (1, "8.00")


def test_concurrent_batches_naming_the_same_customers_lose_nothing(client, factory):
    """Two writers at once (threads with their own sessions): every order counts once."""
    import threading

    from patronage.customers.writes import Actor
    from patronage.db import new_session
    from patronage.events.service import ingest
    from patronage.tenancy import service as tenancy

    t = factory.tenant()
    names = [f"CC-{i}" for i in range(5)]
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        session = new_session()
        try:
            actor = Actor(tenancy.authenticate_token(session, t.token), "event")
            for round_ in range(4):
                batch = [(order(f"{tag}-{round_}-{n}", "1.00", license_number=n,
                                company_name=n), f"{tag}-{round_}-{n}") for n in names]
                assert all(o.status == 201 for o in ingest(session, actor, batch))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    found = client.get("/api/v1/customers", params={"q": "CC-"}, headers=t.headers).json()
    assert found["total"] == 5  # each business created once
    assert sorted(c["order_count"] for c in found["items"]) == [8] * 5
    assert {c["total_spent"] for c in found["items"]} == {"8.00"}


def test_an_event_may_not_give_a_new_customer_an_external_id_another_holds(client, factory):
    """The same 409 as the API's: its code, the holder by id and name."""
    t = factory.tenant()
    holder = factory.customer(t, company_name="Holder Co", external_id="RET-7")
    response = client.post(URL, headers=t.headers, json=order(
        "X-1", license_number="NEW-LIC-1", company_name="Newcomer", external_id="RET-7"))
    assert response.status_code == 409
    body = response.json()
    assert body["errors"] == [{"pointer": "/customer/external_id", "code":
                               "duplicate_external_id", "detail":
                               f"Already used by customer #{holder['id']} (Holder Co)."}]
    assert body["detail"] == f"Customer #{holder['id']} (Holder Co) already has external id RET-7."


def _huge(number):
    line = {"sku": "X", "name": "Gold", "category": "flower", "quantity": 1_000_000,
            "unit_price": "99999999.99"}
    return {"type": "order.placed", "occurred_at": "2026-01-05T10:00:00Z",
            "customer": {"license_number": "HUGE-1"},
            "data": {"number": number, "status": "placed", "lines": [line] * 3}}


def test_an_order_past_what_an_order_may_total_is_refused(client, factory):
    """Issue 12 (bad input): lines adding up past an order's bound were summed unbounded
    and overflowed the spend column (149999999984999997.44 in the API)."""
    t = factory.tenant()
    response = client.post(URL, headers=t.headers, json=_huge("H-1"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "order_total_too_large"


def test_a_customer_total_never_passes_its_bound(client, factory):
    from patronage.events import derived

    t = factory.tenant()
    top = "99999999.99"
    events = [order(f"B-{n}", top, license_number="BIG-1", at=f"2026-01-{n + 1:02d}T00:00:00Z")
              for n in range(3)]
    assert all(r["status"] == 201 for r in client.post(
        f"{URL}:batch", headers=t.headers, json={"events": events}).json()["results"])
    cid = post(client, t, order("B-9", "1.00", license_number="BIG-1"))["customer_id"]
    total = customer(client, t, cid)["total_spent"]
    assert total == "300000000.97"
    # A total near the bound: the next order that would pass it is refused, alone.
    old = derived.MAX_SPENT_CENTS
    try:
        derived.MAX_SPENT_CENTS = 30_000_000_097 + 50
        response = client.post(URL, headers=t.headers, json=order(
            "B-10", "1.00", license_number="BIG-1"))
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "total_spent_too_large"
    finally:
        derived.MAX_SPENT_CENTS = old
    assert customer(client, t, cid)["total_spent"] == total
