"""Settings → Storefront through the API: guest checkout per device, the policy a
storefront asks for, the sign-up strategy, and the warnings an event carries when the
storefront let through what those rules forbid (recorded all the same)."""

from __future__ import annotations

import pytest

from patronage.storefront.service import MODES

DEVICES = ("web", "ios", "android")
EXPECTED = {"enabled": (True, True, True), "disabled_cart_available": (True, True, False),
            "disabled_cart_unavailable": (True, False, False),
            "disabled_cart_unavailable_hide_prices": (False, False, False)}


def _checkout(client, t, **modes):
    body = {"web": "enabled", "ios": "enabled", "android": "enabled", **modes}
    r = client.put("/api/v1/settings/checkout", json=body, headers=t.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_defaults_let_guests_check_out_everywhere_and_sign_up_either_way(client, factory):
    t = factory.tenant()
    assert client.get("/api/v1/settings/checkout", headers=t.headers).json() == {
        "web": "enabled", "ios": "enabled", "android": "enabled"}
    assert client.get("/api/v1/settings/signup", headers=t.headers).json() == {"methods": "both"}
    assert client.get("/api/v1/settings/permissions", headers=t.headers).json() == {
        "rep_edit_scope": "all"}


@pytest.mark.parametrize("mode", list(EXPECTED))
@pytest.mark.parametrize("device", DEVICES)
def test_every_mode_on_every_device(client, factory, device, mode):
    t = factory.tenant()
    others = [d for d in DEVICES if d != device]
    _checkout(client, t, **{device: mode})
    policy = client.get(f"/api/v1/checkout-policy?device={device}", headers=t.headers).json()
    assert policy == {"device": device, "mode": mode, **dict(zip(
        ("show_prices", "add_to_cart", "checkout"), EXPECTED[mode], strict=True))}
    for other in others:  # the other devices keep their own mode
        assert client.get(f"/api/v1/checkout-policy?device={other}",
                          headers=t.headers).json()["mode"] == "enabled"
    assert set(MODES) == set(EXPECTED)


def test_any_token_of_the_workspace_may_ask_the_policy(client, factory):
    t = factory.tenant()
    viewer = factory.member(t, "viewer")
    assert client.get("/api/v1/checkout-policy?device=web", headers=viewer).status_code == 200
    assert client.get("/api/v1/checkout-policy?device=web").status_code == 401


@pytest.mark.parametrize("query,said", [("?device=tv", "No device called 'tv'"),
                                        ("", "Say which device"),
                                        ("?device=", "No device called ''")])
def test_an_unknown_or_missing_device_is_named(client, factory, query, said):
    t = factory.tenant()
    r = client.get(f"/api/v1/checkout-policy{query}", headers=t.headers)
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert (error["pointer"], error["code"]) == ("/device", "unknown_device")
    assert said in error["detail"]


def test_only_admins_change_settings_and_every_change_is_kept(client, factory):
    t = factory.tenant()
    for role in ("sales_rep", "viewer"):
        headers = factory.member(t, role)
        r = client.put("/api/v1/settings/checkout", headers=headers,
                       json={"web": "enabled", "ios": "enabled", "android": "enabled"})
        assert r.status_code == 403, r.text
        assert client.put("/api/v1/settings/signup", headers=headers,
                          json={"methods": "email"}).status_code == 403
    _checkout(client, t, ios="disabled_cart_available")
    _checkout(client, t, ios="disabled_cart_available")  # no change: nothing kept
    assert client.put("/api/v1/settings/signup", json={"methods": "phone"},
                      headers=t.headers).json() == {"methods": "phone"}
    changes = client.get("/api/v1/settings/changes", headers=t.headers).json()
    assert [(c["setting"], c["old_value"], c["new_value"], c["actor"]) for c in changes] == [
        ("signup_methods", "both", "phone", t.email),
        ("checkout_ios", "enabled", "disabled_cart_available", t.email)]


@pytest.mark.parametrize("body", [{"web": "enabled", "ios": "enabled"},
                                  {"web": "maybe", "ios": "enabled", "android": "enabled"},
                                  {"web": "enabled", "ios": "enabled", "android": "enabled",
                                   "tv": "enabled"}])
def test_a_bad_checkout_setting_is_refused_and_changes_nothing(client, factory, body):
    t = factory.tenant()
    r = client.put("/api/v1/settings/checkout", json=body, headers=t.headers)
    assert r.status_code == 422, r.text
    assert r.json()["errors"]
    assert client.get("/api/v1/settings/checkout", headers=t.headers).json()["web"] == "enabled"
    assert client.get("/api/v1/settings/changes", headers=t.headers).json() == []


def _guest_order(number, device=None, **customer):
    data = {"number": number, "total": "12.00"}
    if device:
        data["device"] = device
    return {"type": "order.placed", "occurred_at": "2026-11-20T10:00:00Z",
            "customer": customer or {"email": f"{number.lower()}@example.com"}, "data": data}


def test_a_guest_order_where_guest_checkout_is_off_is_recorded_with_a_warning(client, factory):
    t = factory.tenant()
    _checkout(client, t, ios="disabled_cart_unavailable")
    r = client.post("/api/v1/events", json=_guest_order("G-1", "ios"), headers={
        **t.headers, "Idempotency-Key": "g-1"})
    assert r.status_code == 201, r.text
    body = r.json()
    (warning,) = body["warnings"]
    assert warning["code"] == "guest_checkout_disabled"
    assert "G-1" in warning["detail"] and "iOS" in warning["detail"]
    timeline = client.get(f"/api/v1/customers/{body['customer_id']}/activities",
                          headers=t.headers).json()["items"]
    order = next(e for e in timeline if e["kind"] == "order")
    assert order["data"]["warnings"] == [warning] and order["data"]["device"] == "ios"
    customer = client.get(f"/api/v1/customers/{body['customer_id']}", headers=t.headers).json()
    assert customer["order_count"] == 1  # nothing dropped
    again = client.post("/api/v1/events", json=_guest_order("G-1", "ios"), headers={
        **t.headers, "Idempotency-Key": "g-1"})
    assert again.status_code == 200 and again.json()["warnings"] == [warning]


def test_no_warning_where_the_rules_allow_it(client, factory):
    t = factory.tenant()
    _checkout(client, t, ios="disabled_cart_available")
    business = factory.customer(t)
    cases = [_guest_order("W-1", "web"), _guest_order("N-1"),
             _guest_order("B-1", "ios", license_number=business["license_number"])]
    r = client.post("/api/v1/events:batch", json={"events": cases}, headers=t.headers)
    assert [o["status"] for o in r.json()["results"]] == [201, 201, 201]
    assert [o["result"]["warnings"] for o in r.json()["results"]] == [[], [], []]


def test_a_batch_flags_only_its_guest_orders_on_a_closed_device(client, factory):
    t = factory.tenant()
    _checkout(client, t, android="disabled_cart_unavailable_hide_prices")
    events = [_guest_order("A-1", "android"), _guest_order("A-2", "web")]
    results = client.post("/api/v1/events:batch", json={"events": events},
                          headers=t.headers).json()["results"]
    assert [[w["code"] for w in o["result"]["warnings"]] for o in results] == [
        ["guest_checkout_disabled"], []]


@pytest.mark.parametrize("strategy,method,warned", [
    ("email", "phone", True), ("phone", "email", True), ("email", "email", False),
    ("phone", "phone", False), ("both", "phone", False), ("both", "email", False)])
def test_a_sign_up_by_a_method_not_offered_is_recorded_with_a_warning(
        client, factory, strategy, method, warned):
    t = factory.tenant()
    client.put("/api/v1/settings/signup", json={"methods": strategy}, headers=t.headers)
    customer = {"email": "sam@example.com"} if method == "email" else {"phone": "4155550199"}
    r = client.post("/api/v1/events", headers=t.headers, json={
        "type": "shopper.signed_up", "occurred_at": "2026-11-20T10:00:00Z",
        "customer": customer, "data": {"method": method}})
    assert r.status_code == 201, r.text
    codes = [w["code"] for w in r.json()["warnings"]]
    assert codes == (["signup_method_not_allowed"] if warned else [])
    created = client.get(f"/api/v1/customers/{r.json()['customer_id']}",
                         headers=t.headers).json()
    assert created["type"] == "registered" and created["registered_at"]


def test_a_phone_sign_up_without_a_name_is_a_profile_to_complete(client, factory):
    from tests.factories import PASSWORD, csrf_of

    t = factory.tenant()
    r = client.post("/api/v1/events", headers=t.headers, json={
        "type": "shopper.signed_up", "occurred_at": "2026-11-20T10:00:00Z",
        "customer": {"phone": "415-555-0142"}, "data": {"method": "phone"}})
    cid = r.json()["customer_id"]
    page = client.get("/login")
    client.post("/login", data={"workspace": t.slug, "email": t.email, "password": PASSWORD,
                                "csrf_token": csrf_of(page.text)})
    assert "Profile to complete at first order" in client.get(f"/customers/{cid}").text
    client.patch(f"/api/v1/customers/{cid}", json={"first_name": "Pat", "last_name": "Lee"},
                 headers={**t.headers, "If-Match": "*"})
    assert "Profile to complete" not in client.get(f"/customers/{cid}").text
