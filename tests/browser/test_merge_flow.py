"""Merging in headless Chromium: from a listed pair to the side-by-side page, a value picked
by hand, the survivor's page (and the merged one's address leading there), then Undo merge
on the survivor's timeline bringing the other back."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_admin_flow import _shot, _sign_in
from tests.events.test_events import order, post

pytestmark = pytest.mark.browser


def test_a_pair_is_merged_then_the_merge_undone_from_the_timeline(page: Page, live_server,
                                                                  client, factory):
    t = factory.tenant()
    kept, other = factory.likely_duplicates(t)
    post(client, t, order("GL-1", "40.00", license_number="C10-0000213-LIC"))
    _sign_in(page, live_server, t)
    page.goto(f"{live_server}/customers/{kept['id']}")
    page.locator(".dup-warning a:has-text('Merge…')").click()
    expect(page.locator("h1")).to_have_text("Merge 2 customers into one")
    # The kept customer's license by default; its name picked by hand.
    expect(page.locator(f"input[name=keep_license_number][value='{kept['id']}']")).to_be_checked()
    page.check(f"input[name=keep_company_name][value='{kept['id']}']")
    _shot(page, "merge")
    page.click("button:has-text('Merge into')")
    expect(page.locator(".flash")).to_contain_text(f"Merged customer #{other['id']}")
    expect(page.locator("h1")).to_have_text("Green Leaf Dispensary LLC")
    expect(page.locator(".metric").first).to_contain_text("1")  # its order came along
    entry = page.locator(".timeline li", has_text="into this customer")
    expect(entry).to_contain_text("1 order")

    page.goto(f"{live_server}/customers/{other['id']}")
    expect(page.locator(".merged-note")).to_contain_text(f"#{other['id']} was merged")
    _shot(page, "merged-note")
    page.locator(".timeline li", has_text="into this customer").locator(
        "button:has-text('Undo merge')").click()
    expect(page.locator(".flash")).to_contain_text("Merge undone")
    page.goto(f"{live_server}/customers/{other['id']}")
    expect(page.locator("h1")).to_have_text("The Green Leaf Dispensary")
    expect(page.locator(".metric").first).to_contain_text("1")
