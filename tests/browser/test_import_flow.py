"""Importing in Chromium: upload, adjust a mapping, see a rejected row, commit, see the
progress finish and the customers in the list."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_admin_flow import _shot, _sign_in

pytestmark = pytest.mark.browser


def test_upload_adjust_preview_commit(page: Page, live_server, factory, tmp_path):
    t = factory.tenant()
    path = tmp_path / "dispensaries.csv"
    path.write_text("Shop;License #;E-mail;Town\n"
                    "Harbor Leaf;HL-100;orders@harbor.example;Eureka\n"
                    "Canyon Co;CC-200;not-an-email;Ukiah\n"
                    "Mesa Greens;MG-300;hi@mesa.example;Chico\n")
    _sign_in(page, live_server, t)
    page.click("nav >> text=Imports")
    expect(page.locator("h1")).to_have_text("Imports")
    page.set_input_files("input[type=file]", str(path))
    page.click("button:has-text('Preview import')")
    expect(page.locator("h2:has-text('Column mapping')")).to_be_visible(timeout=15000)
    expect(page.locator(".metric", has_text="Rejected")).to_contain_text("1")
    expect(page.locator("text=Line 3: E-mail")).to_be_visible()

    # "Shop" was not recognised: send it to Company, and bring "Town" in as the city.
    page.select_option("select[name=map-0]", "company_name")
    page.select_option("select[name=map-3]", "city")
    page.click("button:has-text('Preview again with these columns')")
    expect(page.locator("select[name=map-0]")).to_have_value("company_name", timeout=15000)
    _shot(page, "import-preview")
    page.click("button:has-text('Import 2 customers')")
    expect(page.locator(".metric", has_text="Created")).to_contain_text("2", timeout=15000)
    _shot(page, "import-done")

    page.click("nav >> text=Customers")
    expect(page.locator("#result-count")).to_have_text("2 customers")
    expect(page.locator("table")).to_contain_text("Harbor Leaf")
    page.fill("#q", "Mesa")
    expect(page.locator("#result-count")).to_have_text("1 customer matches")
