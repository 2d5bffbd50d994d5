"""Issue 13 in headless Chromium: the storefront rules, registering a guest, and the sales
report with its click-through to a rep's customers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from patronage.tenancy.models import User
from tests.browser.test_admin_flow import _shot, _sign_in

pytestmark = pytest.mark.browser


def test_change_the_ios_checkout_mode_and_the_policy_follows(page: Page, live_server, factory,
                                                            client):
    t = factory.tenant()
    _sign_in(page, live_server, t)
    page.click("nav >> text=Settings")
    page.click("text=Storefront settings")
    expect(page.locator("h1")).to_have_text("Storefront")
    page.check("input[name=checkout_ios][value=disabled_cart_unavailable_hide_prices]")
    page.check("input[name=signup_methods][value=phone]")
    page.click("button:has-text('Save storefront settings')")
    expect(page.locator(".flash")).to_contain_text("Storefront settings saved")
    expect(page.locator("#changes-title + .table-scroll")).to_contain_text("Members only")
    policy = client.get("/api/v1/checkout-policy?device=ios", headers=t.headers).json()
    assert policy == {"device": "ios", "mode": "disabled_cart_unavailable_hide_prices",
                      "show_prices": False, "add_to_cart": False, "checkout": False}
    assert client.get("/api/v1/checkout-policy?device=web",
                      headers=t.headers).json()["checkout"] is True
    _shot(page, "storefront")


def test_register_a_guest_from_the_overview(page: Page, live_server, factory, client):
    t = factory.tenant()
    r = client.post("/api/v1/events", headers=t.headers, json={
        "type": "order.placed", "occurred_at": "2026-10-01T10:00:00Z",
        "customer": {"email": "gina.guest@example.com"},
        "data": {"number": "W-1", "total": "25.00"}})
    cid = r.json()["customer_id"]
    _sign_in(page, live_server, t)
    page.goto(f"{live_server}/customers/{cid}")
    page.click("text=Register customer")
    expect(page.locator("h1")).to_have_text("Register customer")
    page.fill("input[name=first_name]", "Gina")
    page.click("button:has-text('Register customer')")
    expect(page.locator("#form-errors")).to_contain_text("Last name")
    expect(page.locator("#e-city")).to_contain_text("Required")
    _shot(page, "register-errors")
    page.fill("input[name=last_name]", "Guest")
    page.fill("input[name=address1]", "1 Market St")
    page.fill("input[name=city]", "San Francisco")
    page.fill("input[name=state]", "CA")
    page.fill("input[name=zip]", "94105")
    page.click("button:has-text('Register customer')")
    expect(page.locator(".flash")).to_contain_text("is now a registered customer")
    expect(page.locator(".head-meta")).to_contain_text("Registered")
    expect(page.locator("#timeline")).to_contain_text("Registered by")
    expect(page.locator("#timeline")).to_contain_text("Order W-1")  # history kept
    expect(page.locator("text=Register customer")).to_have_count(0)


def test_open_the_report_change_the_range_and_reach_a_reps_customers(
        page: Page, live_server, factory, client, session):
    t = factory.tenant()
    factory.member(t, "sales_rep")
    rep = session.scalar(select(User.id).where(User.tenant_id == t.id,
                                               User.role == "sales_rep"))
    session.rollback()
    mine = factory.customer(t, sales_rep_id=rep, company_name="Rep Customer Co")
    factory.customer(t, company_name="Nobody's Co")
    client.post("/api/v1/events", headers=t.headers, json={
        "type": "order.placed", "occurred_at": "2026-03-10T10:00:00Z",
        "customer": {"license_number": mine["license_number"]},
        "data": {"number": "S-1", "total": "300.00"}})
    _sign_in(page, live_server, t)
    page.click("nav >> text=Reports")
    expect(page.locator("h1")).to_have_text("Sales reps")
    page.fill("input[name=from]", "2026-03-01")
    page.fill("input[name=to]", "2026-03-31")
    page.click("button:has-text('Show')")
    expect(page.locator(".report-table tfoot")).to_contain_text("$300.00")
    expect(page.locator(".bar-chart")).to_be_visible()
    _shot(page, "report-1366")
    page.click(f".report-table a[href='/customers?sales_rep={rep}']")
    expect(page.locator("#result-count")).to_have_text("1 customer matches")
    expect(page.locator("main")).to_contain_text("Rep Customer Co")
    expect(page.locator("main")).not_to_contain_text("Nobody's Co")
