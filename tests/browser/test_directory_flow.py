"""The directory in Chromium: search as you type, chips, dragging columns, reload."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_admin_flow import _shot, _sign_in
from tests.browser.test_every_screen import SIZES

pytestmark = pytest.mark.browser


def test_search_chips_and_column_order_survive_a_reload(page: Page, live_server, factory):
    t = factory.tenant()
    factory.customer(t, company_name="Blacksmith Goods", state="CA", email="b@smith.example")
    factory.customer(t, company_name="Green Leaf Market", state="OR")
    factory.shopper(t, first_name="Anna", last_name="Smithers", state="CA")
    _sign_in(page, live_server, t)
    expect(page.locator("#result-count")).to_have_text("3 customers")

    page.fill("#q", "smi")  # search as you type: no submit
    expect(page.locator("#result-count")).to_have_text("2 customers match")
    expect(page).to_have_url(f"{live_server}/customers?q=smi")

    page.click("summary:has-text('Filters')")  # add filters through the panel
    page.fill("input[name=state]", "CA")
    page.check("input[name=type][value=business]")
    page.click("button:has-text('Apply filters')")
    expect(page).to_have_url(f"{live_server}/customers?q=smi&type=business&state=CA")
    expect(page.locator("#result-count")).to_have_text("1 customer matches")
    page.click("a.chip:has-text('Type: business')")
    expect(page.locator("#result-count")).to_have_text("2 customers match")
    page.click("a.chip:has-text('Search')")
    expect(page.locator("#result-count")).to_have_text("2 customers match")
    expect(page.locator(".chip")).to_have_count(1)
    _shot(page, "directory-chips")

    page.click("#column-chooser summary")
    email = page.locator("#column-list li[data-key=email]")
    first_after_name = page.locator("#column-list li").nth(1)
    email.drag_to(first_after_name)
    expect(page.locator("#column-list li").nth(1)).to_have_attribute("data-key", "email")
    page.uncheck("#column-list input[value=state]")
    _shot(page, "column-chooser")
    page.click("#column-chooser button:has-text('Save columns')")
    expect(page.locator(".flash")).to_contain_text("Columns saved")

    page.reload()
    headers = [h.strip().lower() for h in page.locator("thead th").all_inner_texts() if h.strip()]
    assert headers[:2] == ["name", "email"], headers
    assert "state" not in headers
    expect(page).to_have_url(f"{live_server}/customers?state=CA")


def test_bulk_bar_survives_search_as_you_type(page: Page, live_server, factory):
    t = factory.tenant()
    for i in range(3):
        factory.customer(t, company_name=f"Smith Shop {i}")
    _sign_in(page, live_server, t)
    page.fill("#q", "smith shop")
    expect(page.locator("#result-count")).to_have_text("3 customers match")
    expect(page.locator("select[name=value_sales_rep]")).to_be_hidden()  # re-initialised
    page.check("input.row-select >> nth=0")
    page.check("input.row-select >> nth=1")
    expect(page.locator("#selected-count")).to_have_text("2")
    page.select_option("#bulk-action", "add_tags")
    page.fill("#bulk-form input[name=tags]", "vip")
    page.click("#bulk-apply")
    expect(page.locator("h1")).to_have_text("Add tag vip?")
    page.click("button:has-text('Add tag vip on 2 customers')")
    expect(page.locator(".flash")).to_contain_text("2 of 2 customers changed")


NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_the_list_fits_the_screen_and_a_wide_table_scrolls_in_its_frame(page: Page, live_server,
                                                                          factory, client):
    """Issue 16, 1: at 1366 × 768 no page-level sideways scroll, whatever the columns and
    with the filter panel closed; with every column, only the table scrolls, keeping the
    name and the row menu in view."""
    t = factory.tenant()
    factory.customer(t, company_name="Blacksmith Goods", email="orders@blacksmith.example")
    factory.customer(t, company_name="The Northern Lights Cannabis Collective of Oregon",
                     email="purchasing.department.orders@northernlightscollective.example",
                     state="OR")
    page.set_viewport_size({"width": 1366, "height": 768})
    _sign_in(page, live_server, t)
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    # The default columns fit the laptop's frame too: long names wrap, long emails end in …
    frame = page.locator(".table-card")
    assert frame.evaluate("f => f.scrollWidth <= f.clientWidth"), frame.evaluate(
        "f => [f.scrollWidth, f.clientWidth]")
    every = client.get("/api/v1/me/columns", headers=t.headers).json()["available"]
    columns = ["name", *(c for c in every if c != "name")]  # the name leads, as by default
    assert client.put("/api/v1/me/columns", headers=t.headers,
                      json={"columns": columns}).status_code == 200
    page.reload()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert frame.evaluate("f => f.scrollWidth > f.clientWidth")  # the table is wider...
    frame.evaluate("f => { f.scrollLeft = f.scrollWidth; }")  # ...and scrolls inside
    box = frame.bounding_box()
    assert box is not None
    for kept in (page.locator("td.lead-col").first,
                 page.get_by_label("Actions for Blacksmith Goods")):
        seen = kept.bounding_box()
        assert seen is not None
        assert box["x"] <= seen["x"] and seen["x"] + seen["width"] <= box["x"] + box["width"]
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


@pytest.mark.parametrize("size", SIZES)
def test_the_bulk_bar_has_no_default_action_and_delete_says_how_many(page: Page, live_server,
                                                                      factory, size):
    """Issue 16, 3: one click on the untouched bar used to reach "Clear the status on 507
    customers". Nothing applies until an action is chosen; a delete names its count."""
    t = factory.tenant()
    for i in range(3):
        factory.customer(t, company_name=f"Doomed Depot {i}")
    page.set_viewport_size(SIZES[size])
    _sign_in(page, live_server, t)
    expect(page.locator("#bulk-form")).to_be_hidden()  # nothing selected: no bar at all
    page.check("input.row-select >> nth=0")
    expect(page.locator("#bulk-form")).to_be_visible()
    expect(page.locator("#bulk-action")).to_have_value("")
    expect(page.locator("#bulk-apply")).to_be_disabled()  # a row, but no action yet
    page.check("input.row-select >> nth=1")
    expect(page.locator("#selected-count")).to_have_text("2")
    page.select_option("#bulk-action", "delete")
    expect(page.locator("#bulk-apply")).to_be_enabled()
    page.click("#bulk-apply")
    expect(page.locator("h1")).to_have_text("Delete 2 customers?")
    expect(page.locator(".card")).to_contain_text("This cannot be undone")
    page.click("button:has-text('Delete 2 customers')")
    expect(page.locator(".flash")).to_contain_text("2 of 2 customers changed")
    expect(page.locator("#result-count")).to_have_text("1 customer")


@pytest.mark.parametrize("size", SIZES)
def test_every_matching_customer_can_be_chosen_and_the_bar_goes_when_cleared(
        page: Page, live_server, factory, size):
    """Issue 16, 3: the bar appears with a selection, offers every customer the view
    matches (not only this page's), and leaves when the selection is cleared."""
    t = factory.tenant()
    for i in range(3):
        factory.customer(t, company_name=f"Tagged Trader {i}")
    page.set_viewport_size(SIZES[size])
    _sign_in(page, live_server, t)
    page.check("#select-page")
    expect(page.locator("#selected-count")).to_have_text("3")
    page.click("#bulk-everyone")
    expect(page.locator(".bulk-count")).to_have_text("all 3 matching selected")
    page.select_option("#bulk-action", "add_tags")
    page.fill("#bulk-form input[name=tags]", "fair")
    page.click("#bulk-apply")
    expect(page.locator(".confirm-count")).to_contain_text("3 customers match this view")
    page.go_back()
    page.reload()
    page.check("input.row-select >> nth=0")
    expect(page.locator("#bulk-form")).to_be_visible()
    page.click("#bulk-clear")
    expect(page.locator("#bulk-form")).to_be_hidden()


@pytest.mark.parametrize("size", SIZES)
def test_paging_back_and_forth_with_a_chosen_page_size_and_slash_to_search(
        page: Page, live_server, factory, size):
    """Issue 16, 4: previous and next say where the page is; the page size is chosen on
    the page and kept; "/" puts the cursor in the search box."""
    t = factory.tenant()
    for i in range(30):
        factory.partial(t, type="guest", email=f"pager{i}@example.com")
    page.set_viewport_size(SIZES[size])
    _sign_in(page, live_server, t)
    page.select_option("select[name=limit]", "25")
    expect(page.locator("#page-position")).to_have_text("1–25 of 30")
    page.click("a[rel=next]")
    expect(page.locator("#page-position")).to_have_text("26–30 of 30")
    page.click("a[rel=prev]")
    expect(page.locator("#page-position")).to_have_text("1–25 of 30")
    page.goto(f"{live_server}/customers")
    expect(page.locator("#page-position")).to_have_text("1–25 of 30")
    page.locator("h1").click()  # somewhere that is not a control
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("pager7")
    expect(page.locator("#result-count")).to_have_text("1 customer matches")


def test_escape_closes_a_popover_and_gives_the_focus_back(page: Page, live_server, factory):
    """Issue 16, 5: Escape closes every popover and returns focus to what opened it."""
    t = factory.tenant()
    factory.customer(t, company_name="Escape Artists")
    _sign_in(page, live_server, t)
    for opener, panel in (("summary:has-text('Filters')", "details.filter-panel"),
                          ("#column-chooser > summary", "#column-chooser"),
                          ("summary[aria-label='Actions for Escape Artists']",
                           "details.row-menu")):
        page.click(opener)
        expect(page.locator(panel).first).to_have_attribute("open", "")
        page.keyboard.press("Escape")
        expect(page.locator(panel).first).not_to_have_attribute("open", "")
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"


def test_on_a_phone_the_sidebar_is_a_menu_and_rows_read_as_cards(page: Page, live_server,
                                                                  factory):
    """Issue 16, 2: at 390 × 844 the sidebar folds into a Menu button, each list row shows
    the name, type, status, last order and spent and opens the customer, and no admin page
    scrolls sideways."""
    t = factory.tenant()
    made = factory.customer(t, company_name="Pocket Provisions")
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server, t)
    reports = page.locator("nav[aria-label=Main] a:has-text('Reports')")
    expect(reports).to_be_hidden()
    page.click(".menu-toggle")
    expect(page.locator(".menu-toggle")).to_have_attribute("aria-expanded", "true")
    expect(reports).to_be_visible()
    page.keyboard.press("Escape")
    expect(reports).to_be_hidden()
    expect(page.locator(".menu-toggle")).to_be_focused()
    row = page.locator("td.row-summary", has_text="Pocket Provisions")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Business")
    expect(row).to_contain_text("Last order")
    expect(row).to_contain_text("Spent $0.00")
    expect(page.locator("td.lead-col").first).to_be_hidden()
    # Anywhere on the card opens the customer (here: beside its facts), not only its name.
    box = row.locator(".row-facts").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] - 10, box["y"] + box["height"] - 4)
    expect(page).to_have_url(f"{live_server}/customers/{made['id']}")
    for path in ("/customers", f"/customers/{made['id']}", f"/customers/{made['id']}/edit",
                 "/customers/new?type=business", "/customers/duplicates", "/settings",
                 "/settings/storefront", "/settings/team", "/imports", "/reports/sales-reps"):
        page.goto(f"{live_server}{path}")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), path


@pytest.mark.parametrize("size", SIZES)
def test_a_rows_menu_opens_whole_over_the_table(page: Page, live_server, factory, size):
    """The row menu is not cut off by the table's scrolling frame: on a single row, and on
    the last row of a page, Open and Edit are the topmost things where they show."""
    t = factory.tenant()
    for n in range(3):
        factory.customer(t, company_name=f"Menu Test {n}")
    page.set_viewport_size(SIZES[size])
    _sign_in(page, live_server, t)
    for query, label in (("?q=Menu+Test+1", "Menu Test 1"), ("", "Menu Test 0")):
        page.goto(f"{live_server}/customers{query}")
        page.get_by_label(f"Actions for {label}").click()
        for link in ("Open", "Edit"):
            item = page.locator(".row-menu[open] .menu a", has_text=link)
            box = item.bounding_box()
            assert box is not None
            on_top = page.evaluate("([x, y]) => document.elementFromPoint(x, y)?.textContent",
                                   [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
            assert on_top is not None and on_top.strip() == link, (query, link, on_top)
        page.keyboard.press("Escape")

