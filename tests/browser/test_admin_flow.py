"""A team member's first minutes, in headless Chromium: sign in, add, fix errors, edit."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "screenshots"))


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / f"browser-{name}.png", full_page=True)


def _sign_in(page: Page, base: str, t) -> None:
    page.goto(f"{base}/customers")
    expect(page).to_have_url(f"{base}/login?next=/customers")
    page.fill("input[name=workspace]", t.slug)
    page.fill("input[name=email]", t.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    expect(page.locator("h1")).to_have_text("Customers")
    # htmx (a deferred script) binds the page's inputs once the document has loaded:
    # typing before that sends nothing, as it would for a person that fast.
    page.wait_for_load_state("load")
    page.wait_for_function("() => window.htmx !== undefined")


def test_sign_in_add_fix_and_edit_a_customer(page: Page, live_server, factory):
    t = factory.tenant()
    _sign_in(page, live_server, t)
    expect(page.locator(".empty h2")).to_have_text("No customers yet")
    _shot(page, "empty-list")

    page.click("text=Add your first customer")
    page.fill("input[name=company_name]", "Blacksmith Goods")
    page.fill("input[name=license_number]", "CA-C10-0000123")
    page.fill("input[name=email]", "orders@@blacksmith")
    page.select_option("select[name=status_id]", label="Customer")
    page.click("button:has-text('Add customer')")
    expect(page.locator("#e-email")).to_contain_text("Not a valid email address")
    expect(page.locator("input[name=company_name]")).to_have_value("Blacksmith Goods")
    _shot(page, "form-error")

    page.fill("input[name=email]", "Orders@Blacksmith.EXAMPLE")
    page.fill("input[name=phone]", "(415) 555-0134")
    page.click("button:has-text('Add customer')")
    expect(page.locator("h1")).to_have_text("Blacksmith Goods")
    expect(page.locator(".flash")).to_contain_text("was added")
    expect(page.locator(".head-meta")).to_contain_text("Orders@blacksmith.example")
    expect(page.locator(".head-meta")).to_contain_text("+1 415-555-0134")
    _shot(page, "customer")

    page.click("text=Edit customer")
    page.fill("input[name=city]", "Oakland")
    page.click("button:has-text('Save changes')")
    expect(page.locator(".flash")).to_contain_text("were saved")
    expect(page.locator("#timeline")).to_contain_text("Oakland")  # the edit, in the timeline

    page.click("nav >> text=Customers")
    expect(page.locator("#result-count")).to_have_text("1 customer")
    page.click("summary[aria-label^='Actions for']")
    page.click(".menu >> text=Edit")
    expect(page.locator("h1")).to_have_text("Edit customer")
    _shot(page, "edit")

    page.click("button:has-text('Sign out')")
    expect(page.locator("h1")).to_have_text("Sign in")


def test_required_markers_follow_the_chosen_type(page: Page, live_server, factory):
    t = factory.tenant()
    _sign_in(page, live_server, t)
    page.goto(f"{live_server}/customers/new?type=business")
    last_name_mark = page.locator("label:has(input[name=last_name]) abbr")
    company_mark = page.locator("label:has(input[name=company_name]) abbr")
    expect(last_name_mark).to_be_hidden()
    expect(company_mark).to_be_visible()
    page.select_option("select[name=type]", "registered")
    expect(last_name_mark).to_be_visible()
    expect(company_mark).to_be_hidden()


def test_a_refused_form_lists_its_problems_and_shows_the_types_sections(page: Page,
                                                                        live_server, factory):
    """Issue 16, 5: on error the focus moves to a list of the problems, each a link to its
    field; a business is not asked for a shopper profile, nor a shopper for a licence."""
    t = factory.tenant()
    _sign_in(page, live_server, t)
    page.goto(f"{live_server}/customers/new?type=business")
    expect(page.locator("legend:has-text('Shopper profile')")).to_be_hidden()
    expect(page.locator("legend:has-text('Licensing')")).to_be_visible()
    page.fill("input[name=email]", "not an email")
    page.click("button:has-text('Add customer')")
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Company")
    expect(summary).to_contain_text("Email")
    summary.locator("a:has-text('Email')").click()
    expect(page.locator("#f-email")).to_be_focused()
    page.select_option("select[name=type]", "registered")
    expect(page.locator("legend:has-text('Shopper profile')")).to_be_visible()
    expect(page.locator("legend:has-text('Licensing')")).to_be_hidden()


def test_statuses_are_put_in_order_with_the_arrows(page: Page, live_server, factory, client):
    """Issue 16, 5: the status order is set on the Settings page (drag, or the arrows from
    the keyboard), not only through the API."""
    t = factory.tenant()
    _sign_in(page, live_server, t)
    page.goto(f"{live_server}/settings")
    save = page.locator("#save-statuses")
    expect(save).to_be_hidden()
    page.get_by_label("Move Lead up").click()
    expect(save).to_be_visible()
    save.click()
    expect(page.locator(".flash")).to_contain_text("Saved the order of the statuses")
    names = [i["name"] for i in client.get("/api/v1/settings/statuses",
                                           headers=t.headers).json()]
    assert names == ["Lead", "Customer"]
