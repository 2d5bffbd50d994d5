"""Duplicates in headless Chromium: adding a customer that looks like one already there is
questioned first (open it, or add anyway), and the pair is then on Customers → Duplicates,
where it can be dismissed."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_admin_flow import _shot, _sign_in

pytestmark = pytest.mark.browser


def test_a_duplicate_is_questioned_then_listed_and_dismissed(page: Page, live_server, factory):
    t = factory.tenant()
    first = factory.customer(t, company_name="Green Leaf Dispensary LLC",
                             license_number="C10-0000123-LIC", phone="(510) 555-0101",
                             address1="12 North Main Street", city="Oakland", zip="94607")
    _sign_in(page, live_server, t)
    page.goto(f"{live_server}/customers/new?type=business")
    page.fill("input[name=company_name]", "The Green Leaf Dispensary")
    page.fill("input[name=phone]", "510.555.0101")
    page.fill("input[name=address1]", "12 N Main St")
    page.fill("input[name=zip]", "94607")
    page.click("button:has-text('Add customer')")
    warning = page.locator(".dup-warning")
    expect(warning).to_contain_text("This may be a customer you already have")
    expect(warning.locator(f"a[href='/customers/{first['id']}']")).to_have_text(
        "Green Leaf Dispensary LLC")
    expect(warning).to_contain_text("same phone")
    expect(page.locator("input[name=company_name]")).to_have_value("The Green Leaf Dispensary")
    _shot(page, "duplicate-warning")

    page.click("button:has-text('Add anyway')")
    expect(page.locator("h1")).to_have_text("The Green Leaf Dispensary")
    page.click("nav >> text=Duplicates")
    pair = page.locator(".dup-pair")
    expect(pair).to_have_count(1)
    expect(pair).to_contain_text("same phone")
    _shot(page, "duplicates")
    pair.locator("button:has-text('Not a duplicate')").click()
    expect(page.locator(".flash")).to_contain_text("no longer proposed")
    expect(page.locator(".empty h2")).to_have_text("No likely duplicates")
