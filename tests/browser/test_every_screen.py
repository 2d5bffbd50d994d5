"""Every admin screen at a laptop's 1366 × 768 and a phone's 390 × 844 (issue 16, 2 and 7):
no page scrolls sideways, axe-core finds no serious or critical violation, and every control
a person can see is reached with Tab. Then the keyboard-only path through the directory:
sign in, search, filter, open, edit, save."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from patronage.duplicates import scans
from tests.browser.test_admin_flow import _sign_in
from tests.events.test_events import order, post
from tests.factories import PASSWORD
from tests.imports.test_api import finished, upload

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"

# axe's findings that stop a person (impact serious or critical), by rule, with where.
SERIOUS = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => `${v.id} (${v.help}) at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"""

# Every control a person can see, numbered; radios count once per group (Tab enters a group
# once, the arrow keys move inside it).
CONTROLS = """() => {
  const keys = new Set(); let n = 0;
  for (const e of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary')) {
    delete e.dataset.kb;
    // Seen by a person: laid out, not hidden, not inside a closed <details>.
    if (e.disabled || !e.checkVisibility({visibilityProperty: true})) continue;
    e.dataset.kb = e.type === 'radio' ? `radio ${e.name}` : `c${n++}`;
    keys.add(e.dataset.kb);
  }
  return [...keys];
}"""
# Tables with rows whose every cell is hidden (a narrow screen's rule reaching too far).
EMPTY_LOOKING_TABLES = """() => [...document.querySelectorAll('table')]
  .filter(t => t.tBodies.length && [...t.tBodies].some(b => b.rows.length)
    && ![...t.querySelectorAll('tbody td, tbody th')].some(c => c.checkVisibility()))
  .map(t => t.outerHTML.slice(0, 80))"""
FOCUSED = "() => document.activeElement && document.activeElement.dataset.kb || null"
LABEL_OF = "k => { const e = document.querySelector(`[data-kb='${k}']`); " \
           "return e.outerHTML.slice(0, 160); }"


@cache
def _axe() -> str:
    assert AXE.exists(), "axe-core is installed by `make vendor` (npm ci)"
    return AXE.read_text()


def unreached_by_tab(page: Page) -> list[str]:
    """Press Tab from the top of the page until focus comes round again; the controls it
    never reached."""
    controls = set(page.evaluate(CONTROLS))
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                  "window.scrollTo(0, 0); }")
    reached: set[str] = set()
    first = None
    for _ in range(len(controls) * 2 + 20):
        page.keyboard.press("Tab")
        now = page.evaluate(FOCUSED)
        if now is not None and now == first:
            break
        first = first or now
        if now:
            reached.add(now)
        if reached >= controls:
            break
    return [page.evaluate(LABEL_OF, k) for k in sorted(controls - reached)]


def screen_problems(page: Page, label: str) -> list[str]:
    """What a person at this size would meet on the page as it is now."""
    problems = []
    if not page.evaluate(NO_SIDEWAYS_SCROLL):
        width = page.evaluate("document.documentElement.scrollWidth")
        problems.append(f"{label}: scrolls sideways ({width} px wide)")
    problems += [f"{label}: {table} shows its headings and none of its cells"
                 for table in page.evaluate(EMPTY_LOOKING_TABLES)]
    page.evaluate(_axe())  # run by the driver, so the page's script policy does not apply
    problems += [f"{label}: {found}" for found in page.evaluate(SERIOUS)]
    return problems


@pytest.fixture
def workspace(client, factory):  # type: ignore[no-untyped-def]
    """A workspace with something on every screen: customers of each type with orders, a
    likely duplicate pair, an import, a sales rep."""
    t = factory.tenant()
    kept, other = factory.likely_duplicates(t)
    post(client, t, order("GL-1", "40.00", license_number="C10-0000123-LIC"))
    post(client, t, order("GL-2", "1250.50", license_number="C10-0000123-LIC"))
    shopper = factory.shopper(t, first_name="Anna", last_name="Smithers")
    guest = factory.partial(t, type="guest", email="walk-in@example.com")
    factory.member(t, "sales_rep")
    done = finished(client, t, upload(client, t, dry_run=False).json()["id"])
    scans.wait(client.get("/api/v1/duplicates/scan", headers=t.headers).json()["id"])  # the
    # import's own check of what it wrote, one scan at a time; then the whole workspace's
    scan = client.post("/api/v1/duplicates:scan", headers=t.headers)
    assert scan.status_code == 202, scan.text
    scans.wait(scan.json()["id"])
    preview = finished(client, t, upload(client, t).json()["id"])
    return t, {"kept": kept["id"], "other": other["id"], "shopper": shopper["id"],
               "guest": guest["id"], "import": done["id"], "preview": preview["id"]}


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_fits_reads_and_is_reached_by_keyboard(page: Page, live_server, workspace,
                                                             size):
    t, ids = workspace
    page.set_viewport_size(SIZES[size])
    problems: list[str] = []

    def look(label: str, *, keyboard: bool = True) -> None:
        page.wait_for_load_state("load")
        problems.extend(screen_problems(page, label))
        if keyboard:
            problems.extend(f"{label}: Tab never reaches {html}"
                            for html in unreached_by_tab(page))

    page.goto(f"{live_server}/login")
    look("sign-in")
    page.fill("input[name=workspace]", t.slug)
    page.fill("input[name=email]", t.email)
    page.fill("input[name=password]", "not the password")
    page.click("button:has-text('Sign in')")
    expect(page.locator(".flash, .error, [role=alert]").first).to_be_visible()
    look("sign-in, refused")
    _sign_in(page, live_server, t)

    look("customers")
    if size == "phone":
        page.click(".menu-toggle")
        look("customers, menu open")
        page.keyboard.press("Escape")
    for opener, state in (("summary:has-text('Filters')", "filters open"),
                          ("#column-chooser > summary", "columns open"),
                          ("summary:has-text('Save view')", "save view open"),
                          ("summary[aria-label='Actions for Green Leaf Dispensary LLC']",
                           "row menu open")):
        page.click(opener)
        look(f"customers, {state}", keyboard=state != "row menu open")
        page.keyboard.press("Escape")
    page.check("input.row-select >> nth=0")
    expect(page.locator("#bulk-form")).to_be_visible()
    look("customers, bulk bar")
    page.select_option("#bulk-action", "delete")
    page.click("#bulk-apply")
    expect(page.locator("h1")).to_have_text("Delete 1 customer?")
    look("bulk delete, confirm")

    screens = {
        "customers, nothing matches": "/customers?q=nothing-here-at-all",
        "business overview": f"/customers/{ids['kept']}",
        "shopper overview": f"/customers/{ids['shopper']}",
        "edit": f"/customers/{ids['kept']}/edit",
        "add, choose a type": "/customers/new",
        "add a business": "/customers/new?type=business",
        "register a guest": f"/customers/{ids['guest']}/register",
        "duplicates": "/customers/duplicates",
        "merge": f"/customers/merge?ids={ids['kept']},{ids['other']}",
        "imports": "/imports",
        "an import's report": f"/imports/{ids['import']}",
        "an import's preview": f"/imports/{ids['preview']}",
        "settings": "/settings",
        "team": "/settings/team",
        "storefront settings": "/settings/storefront",
        "sales rep report": "/reports/sales-reps",
        "not found": "/customers/999999999",
    }
    for label, path in screens.items():
        page.goto(f"{live_server}{path}")
        look(label)

    page.goto(f"{live_server}/settings")
    page.locator("details.inline-edit > summary").first.click()
    look("settings, editing an item")

    page.goto(f"{live_server}/customers/new?type=registered")
    page.fill("input[name=first_name]", "Ana")
    page.fill("input[name=email]", "ana@@example")
    page.click("form.form button[type=submit]")
    expect(page.locator("#error-summary")).to_be_focused()
    look("add, with errors")

    assert not problems, "\n".join(problems)


def tab_to(page: Page, selector: str, presses: int = 200) -> None:
    """Tab forward until the focus is on `selector`, as a keyboard user would."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.mark.parametrize("size", SIZES)
def test_search_filter_open_edit_and_save_with_the_keyboard_alone(page: Page, live_server,
                                                                   factory, size):
    t = factory.tenant()
    made = factory.customer(t, company_name="Keyboard Kitchen", state="OR",
                            email="orders@keyboard.example")
    factory.customer(t, company_name="Keyboard Castle", state="CA")
    factory.customer(t, company_name="Mouse House", state="OR")
    page.set_viewport_size(SIZES[size])

    page.goto(f"{live_server}/login")
    tab_to(page, "input[name=workspace]")
    page.keyboard.type(t.slug)
    page.keyboard.press("Tab")
    page.keyboard.type(t.email)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Customers")
    page.wait_for_function("() => window.htmx !== undefined")

    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type("keyboard")
    expect(page.locator("#result-count")).to_have_text("2 customers match")

    tab_to(page, "details.filter-panel > summary")
    page.keyboard.press("Enter")
    expect(page.locator("details.filter-panel")).to_have_attribute("open", "")
    tab_to(page, "details.filter-panel input[name=state]")
    page.keyboard.type("OR")
    tab_to(page, "details.filter-panel button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#result-count")).to_have_text("1 customer matches")
    expect(page).to_have_url(f"{live_server}/customers?q=keyboard&state=OR")

    tab_to(page, f"a[href='/customers/{made['id']}']")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Keyboard Kitchen")

    tab_to(page, f"a[href='/customers/{made['id']}/edit']")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/customers/{made['id']}/edit")
    tab_to(page, "input[name=email]")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("buyer@keyboard.example")
    tab_to(page, "form.form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Keyboard Kitchen")
    expect(page.locator("main")).to_contain_text("buyer@keyboard.example")
