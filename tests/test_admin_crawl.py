"""An admin crawl, the net for the next 500: a workspace with customers of every kind (and
references deleted after use), then, signed in as each role, every admin page reachable
from /customers (plus explicit seeds) is fetched breadth-first. Each answers below 500 with
a styled page; a viewer is shown no write controls, a writer the edit link."""

from __future__ import annotations

import io
import re
import traceback
from collections import deque
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest

from patronage.customers.views import TIMELINE_FILTERS
from patronage.imports import jobs
from patronage.tenancy import service as tenancy
from patronage.tenancy.models import ROLES
from tests.events.test_events import order, post
from tests.factories import PASSWORD, TenantCtx, csrf_of
from tests.test_admin import _login

PAGE_LIMIT = 240  # pages fetched per role at most (every kind of page, then combinations)
STYLESHEET = '<link rel="stylesheet" href="/static/css/app.css'
# A viewer may keep personal preferences: their directory columns and their own saved views
# (customers.saved has no role check, by design). Nothing else may post, but signing out.
VIEWER_FORMS = {"/logout", "/customers/columns", "/customers/views"}
IMPORTED_CSV = ("Company,License Number,Total Orders,Total Spent\r\n"
                "Crawl Co,CR-1,60,1500.50\r\n"
                "Gone Co,CR-2,1,10.00\r\n"
                "Bad Co,CR-3,lots,1.00\r\n")


# -- the workspace ---------------------------------------------------------------------------

@dataclass
class Workspace:
    t: TenantCtx
    emails: dict[str, str]  # role -> a member's email
    customers: dict[str, int]  # what it is -> id
    seeds: list[str] = field(default_factory=list)


def _api(client, t, method, url, status, **kw):
    response = client.request(method, url, headers={**t.headers, **kw.pop("headers", {})},
                              **kw)
    assert response.status_code == status, (method, url, response.text)
    return response.json() if response.content else None


def _event(kind, at, data, **customer):
    return {"type": kind, "occurred_at": at, "customer": customer, "data": data}


def _job(session, t, data: str, name: str, *, dry_run: bool) -> int:
    """An import job run to its end, in this thread (no waiting on a background one)."""
    principal = tenancy.authenticate_token(session, t.token)
    path, size = jobs.save_upload(io.BytesIO(data.encode()), 10_000_000)
    return jobs.start(session, principal, path, name, size, dry_run=dry_run, mapping=None,
                      background=False).id


def _workspace(client, factory, session) -> Workspace:
    t = factory.tenant()
    customer_lead, lead = t.refs["statuses"]
    retailer, (cod, net30), main = (t.refs["license-types"][0], t.refs["payment-terms"],
                                    t.refs["stores"][0])
    emails = {"admin": t.email}
    users = {}
    for role in ROLES:
        if role != "admin":
            emails[role] = f"crawl-{role}@{t.slug}.example"
            users[role] = tenancy.create_user(session, tenant_id=t.id, email=emails[role],
                                              role=role, password=PASSWORD,
                                              name=f"Crawl {role.replace('_', ' ')}").id
    rep = users.get("sales_rep")
    settings = "/api/v1/settings"
    doomed = _api(client, t, "POST", f"{settings}/statuses", 201,
                  json={"name": "Doomed", "colour": "#b42318"})["id"]
    temp_type = _api(client, t, "POST", f"{settings}/license-types", 201,
                     json={"name": "Temporary", "product_categories": ["flower"]})["id"]
    outlet = _api(client, t, "POST", f"{settings}/stores", 201,
                  json={"name": "Outlet", "code": "outlet"})["id"]

    # A business with everything: license, dates, tags, orders (one cancelled), samples.
    business = factory.customer(
        t, company_name="Crawl Business & Sons", license_number="CR-BIZ-1",
        license_type_id=retailer, license_expires_on="2027-06-30", tags=["vip", "wholesale"],
        status_id=customer_lead, payment_term_id=net30, master_store_id=main,
        sales_rep_id=rep, email="buyer@crawl.example", phone="(415) 555-0101",
        address1="1 Market St", city="San Francisco", state="CA", zip="94105",
        tax_exempt=True, external_id="biz-1", notes="Likes <b>edibles</b>,\nasks for samples")
    line = {"sku": "GUM", "name": "Sour Gummies", "category": "edibles", "quantity": 3,
            "unit_price": "10.00"}
    for number, day, status, store in (("B-1", "2025-11-03", "placed", "main"),
                                       ("B-2", "2026-01-11", "placed", "outlet"),
                                       ("B-3", "2026-02-15", "cancelled", "main"),
                                       ("B-4", "2026-03-02", "placed", "main")):
        post(client, t, order(number, None, license_number="CR-BIZ-1", status=status,
                              store=store, at=f"{day}T12:00:00Z", lines=[line]))
    post(client, t, _event("order.status_changed", "2026-03-03T09:00:00Z",
                           {"number": "B-4", "status": "shipped"}, license_number="CR-BIZ-1"))
    post(client, t, _event("sample.requested", "2026-02-20T10:00:00Z",
                           {"products": ["Flower 1g", "Gummies"]}, license_number="CR-BIZ-1"))
    post(client, t, _event("interest.requested", "2026-02-21T10:00:00Z",
                           {"note": "Wants the spring list"}, license_number="CR-BIZ-1"))
    post(client, t, _event("message.sent", "2026-02-22T10:00:00Z",
                           {"subject": "Hello", "body": "Price list attached"},
                           license_number="CR-BIZ-1"))
    for kind in ("call", "meeting", "email", "note"):
        _api(client, t, "POST", f"/api/v1/customers/{business['id']}/activities", 201,
             json={"kind": kind, "subject": f"A {kind}", "body": "Went well",
                   "outcome": "Ordered", "follow_up_on": "2030-01-10"})
    _api(client, t, "PATCH", f"/api/v1/customers/{business['id']}", 200,
         headers={"If-Match": '"1"'}, json={"city": "Oakland", "tags": ["vip"]})

    # A registered shopper with birthday, registration, points; logins and an order.
    shopper = factory.shopper(
        t, external_id="shop-crawl-1", birthday="1990-04-12",
        registered_at="2025-06-01T10:00:00Z", point_balance=120, membership_id="M-77",
        shopper_level="Gold", risk_level="low", subscription=True,
        allow_age_limited_products=True, master_store_id=main)
    post(client, t, _event("shopper.logged_in", "2026-03-01T08:00:00Z", {},
                           external_id="shop-crawl-1"))
    post(client, t, order("S-1", "42.50", external_id="shop-crawl-1", store="main"))
    post(client, t, _event("sample.requested", "2026-02-01T10:00:00Z",
                           {"products": ["Tincture"]}, external_id="shop-crawl-1"))

    # A guest, as an order makes one; a partial customer from an event naming only a phone;
    # a partial business (license only), as events and imports make them.
    guest = post(client, t, order("G-1", "15.00", email="walkin@crawl.example",
                                  first_name="Wes"))["customer_id"]
    by_phone = post(client, t, _event("interest.requested", "2026-03-04T10:00:00Z",
                                      {"note": "Call me"}, phone="(415) 555-0199"))
    partial = factory.partial(t, type="business", license_number="PART-1")

    # Imports: a committed one with imported totals (and a rejected row), a preview, a failure.
    committed = _job(session, t, IMPORTED_CSV, "crawl.csv", dry_run=False)
    preview = _job(session, t, "Shop,License #,E-mail\nPreview Co,PV-1,pv@crawl.example\n",
                   "preview.csv", dry_run=True)
    failed = _job(session, t, "", "empty.csv", dry_run=False)
    found = {c["company_name"]: c for c in _api(client, t, "GET", "/api/v1/customers", 200,
                                                params={"type": "business"})["items"]}
    imported, gone = found["Crawl Co"], found["Gone Co"]["id"]
    assert (imported["order_count"], imported["total_spent"]) == (60, "1500.50")
    _api(client, t, "DELETE", f"/api/v1/customers/{gone}", 204)  # the report still links it

    # References deleted after use: a status (the API refuses while it is in use; then the
    # customer moves on and it goes, leaving edits and a saved view naming it), a license
    # type likewise, an unused payment term. (The store orders were placed in stays: deleting
    # it is a 500, see test_deleting_a_store_with_orders_is_refused_not_a_500.)
    orphan = factory.customer(t, company_name="Orphan Co", status_id=doomed,
                              license_type_id=temp_type, sales_rep_id=rep)
    for kind, item in (("statuses", doomed), ("license-types", temp_type)):
        _api(client, t, "DELETE", f"{settings}/{kind}/{item}", 409)  # in use: refused
    _api(client, t, "PATCH", f"/api/v1/customers/{orphan['id']}", 200,
         headers={"If-Match": '"1"'}, json={"status_id": lead, "license_type_id": retailer})
    _api(client, t, "DELETE", f"{settings}/statuses/{doomed}", 204)
    _api(client, t, "DELETE", f"{settings}/license-types/{temp_type}", 204)
    _api(client, t, "DELETE", f"{settings}/payment-terms/{cod}", 204)

    # Saved views, shared so every member sees them: one naming the deleted status.
    views = [_api(client, t, "POST", "/api/v1/views", 201, json=body)["id"] for body in (
        {"name": "Doomed ones", "query": f"status={doomed}&sort=-total_spent", "shared": True},
        {"name": "CA VIPs", "query": f"type=business&tag=vip&state=CA&license_type={temp_type}"
                                     f"&store={outlet}",
         "columns": ["name", "status", "tags", "total_spent", "license_expires_on"],
         "shared": True})]

    customers = {"business": business["id"], "shopper": shopper["id"], "guest": guest,
                 "partial-event": by_phone["customer_id"], "partial": partial["id"],
                 "imported": imported["id"], "orphan": orphan["id"]}
    seeds = ["/customers", "/", "/customers/new", "/customers/new?type=registered",
             "/customers/new?type=guest", "/customers/new?type=bogus", "/settings",
             "/imports", "/customers/export", f"/customers/{gone}", f"/customers/{gone}/edit",
             "/customers?cursor=bogus", "/customers?sort=bogus&spent_min=lots",
             f"/customers?status={doomed}&store={outlet}&payment_terms={cod}&sales_rep=0",
             "/customers?view=999999", "/customers/export?spent_min=lots", "/imports/999999"]
    for view in views:
        seeds += [f"/customers?view={view}", f"/customers/export?view={view}"]
    for job in (committed, preview, failed):
        seeds += [f"/imports/{job}", f"/imports/{job}/progress", f"/imports/{job}/errors.csv"]
    for cid in customers.values():
        seeds += [f"/customers/{cid}", f"/customers/{cid}/edit"]
        seeds += [f"/customers/{cid}?kind={kind}" for kind in TIMELINE_FILTERS]
        seeds += [f"/customers/{cid}?kind=bogus", f"/customers/{cid}?cursor=bogus"]
    return Workspace(t, emails, customers, seeds)


# -- reading pages ---------------------------------------------------------------------------

class _Page(HTMLParser):
    """The links, forms, htmx writes and buttons of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, str]] = []  # (method, action)
        self.hx_writes: list[str] = []
        self.buttons: list[str] = []  # text, aria-label or value of each button
        self._button: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append((a.get("method", "get").lower(), a.get("action", "")))
        elif tag == "button":
            self._button = [a.get("aria-label", ""), a.get("value", "")]
        elif tag == "input" and a.get("type") == "submit":
            self.buttons.append(a.get("value", ""))
        self.hx_writes += [f"{k}={v}" for k, v in a.items()
                           if k in ("hx-post", "hx-put", "hx-patch", "hx-delete")]

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None:
            self.buttons.append(" ".join(" ".join(self._button).split()))
            self._button = None


@dataclass
class Fetched:
    url: str
    status: int
    html: _Page | None  # parsed when it is an admin page


def _key(url: str) -> str:
    """One entry per page: no fragment, query keys in order (values of a key keep theirs)."""
    parts = urlsplit(url)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True),
                             key=lambda kv: kv[0]))
    return parts.path + (f"?{query}" if query else "")


def _follow(base: str, href: str) -> str | None:
    """The same-site page an href names, or None for what the crawl leaves alone."""
    href = href.strip()
    if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
        return None
    target = urljoin(f"http://testserver{base}", href)
    parts = urlsplit(target)
    if parts.netloc != "testserver" or parts.path.startswith(("/static", "/logout")):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _marks(url: str) -> set[tuple[str, ...]]:
    """What a page is an instance of: its path with ids as {id}, its set of filters, and
    each query value (ids and cursors aside; an export's values are its list's). A page
    bringing a new mark is crawled before pages that only combine known ones (a saved view's
    four filters give 16 subsets, times 20 sort orders, times list and export: the bound
    would be spent on those)."""
    path, _, query = url.partition("?")
    shape = re.sub(r"/\d+", "/{id}", path)
    pairs = parse_qsl(query, keep_blank_values=True)
    marks = {("shape", shape, *sorted({k for k, _ in pairs} - {"sort", "cursor"}))}
    if shape.endswith("/export"):  # the list's query as CSV: its values are the list's
        return marks
    return marks | {("value", shape, k, re.sub(r"\d+", "{n}", v))
                    for k, v in pairs if k != "cursor"}


def _crawl(client: Any, seeds: list[str], failures: list[str]) -> dict[str, Fetched]:
    """Breadth-first from the seeds, new kinds of page first, up to PAGE_LIMIT pages."""
    seen: dict[str, Fetched] = {}
    fresh = deque((url, "(seed)") for url in seeds)  # seeds, then pages with a new mark
    rest: deque[tuple[str, str]] = deque()  # pages combining known marks
    queued = {_key(url) for url in seeds}
    known = set().union(*map(_marks, seeds))
    while (fresh or rest) and len(seen) < PAGE_LIMIT:
        url, referrer = (fresh or rest).popleft()
        try:
            response = client.get(url, follow_redirects=False)
        except Exception as exc:  # the app raised: a 500, with its traceback
            frames = traceback.extract_tb(exc.__traceback__)
            ours = [f for f in frames if "/patronage/" in f.filename] or frames
            where = "; ".join(f"{f.filename.rsplit('/src/', 1)[-1]}:{f.lineno} {f.name}"
                              for f in ours[-3:])
            failures.append(f"GET {url} (linked from {referrer}) raised "
                            f"{type(exc).__name__}: {exc} [at {where}]")
            seen[_key(url)] = Fetched(url, 500, None)
            continue
        status, kind = response.status_code, response.headers.get("content-type", "")
        fetched = seen[_key(url)] = Fetched(url, status, None)
        headers = response.headers
        if headers.get("x-content-type-options") != "nosniff" or \
                headers.get("cache-control") != "no-store" or (
                    not url.startswith("/api/")
                    and "frame-ancestors 'none'" not in headers.get(
                        "content-security-policy", "")):
            failures.append(f"GET {url} lacks a security header (issue 12): "
                            f"{dict(headers)}")
        if status >= 500:
            failures.append(f"GET {url} (linked from {referrer}) answered {status}")
        found: list[str] = []
        if 300 <= status < 400:
            found = [response.headers.get("location", "")]
            if urlsplit(found[0]).path == "/login":
                failures.append(f"GET {url} sent a signed-in member to {found[0]}")
        elif url.startswith("/api/"):
            pass  # linked from the sidebar (Swagger UI): not an admin page to read
        elif kind.startswith("text/html"):
            page = fetched.html = _Page()
            page.feed(response.text)
            found = page.links
            document = "<html" in response.text  # htmx fragments carry no <head>
            if (status >= 400 or document) and STYLESHEET not in response.text:
                failures.append(f"GET {url} answered {status} with an unstyled page: "
                                f"{response.text[:200]!r}")
            if status >= 400 and 'class="error-code"' not in response.text:
                failures.append(f"GET {url} answered {status} without the error page")
        elif status >= 400:
            failures.append(f"GET {url} answered {status} as {kind}, not an error page: "
                            f"{response.text[:200]!r}")
        for href in found:
            target = _follow(url, href)
            if target is not None and _key(target) not in queued:
                queued.add(_key(target))
                marks = _marks(target)
                (rest if marks <= known else fresh).append((target, url))
                known |= marks
    if fresh:  # only combinations of pages already read may be left out
        failures.append(f"{len(fresh)} new kind(s) of page left unread, first {fresh[0][0]}: "
                        "raise PAGE_LIMIT")
    return seen


# -- what each role may see ------------------------------------------------------------------

def _write_controls(url: str, page: _Page, *, viewer: bool) -> list[str]:
    """The controls on ``page`` its reader's role should not be shown: for a viewer any
    change (but signing out and personal preferences); for a sales rep, deletions."""
    found: list[str] = []
    if viewer:
        found += [f"<form method=post action={action}>" for method, action in page.forms
                  if method == "post" and urlsplit(action).path not in VIEWER_FORMS]
        found += page.hx_writes
        found += [f"link to {href}" for href in page.links
                  if urlsplit(href).path.endswith(("/edit", "/delete"))
                  or urlsplit(href).path == "/customers/new"]
    found += [f"button '{text}'" for text in page.buttons if "delete" in text.lower()]
    found += [f"<form method=post action={action}>" for method, action in page.forms
              if method == "post" and (action.startswith("/settings")
                                       or action.endswith("/delete"))]
    return [f"{url}: {what}" for what in found]


def _sign_in(client, ws: Workspace, role: str) -> None:
    client.cookies.clear()
    response = _login(client, replace(ws.t, email=ws.emails[role]))
    assert response.status_code == 303, response.text


@pytest.mark.parametrize("role", ROLES)
def test_every_admin_page_a_role_reaches_answers_with_a_styled_page(client, factory, session,
                                                                    role):
    ws = _workspace(client, factory, session)
    _sign_in(client, ws, role)
    failures: list[str] = []
    pages = _crawl(client, ws.seeds, failures)
    assert not failures, f"{role}: {len(failures)} bad page(s) of {len(pages)}:\n" + "\n".join(
        failures)
    # The crawl read every seed and went beyond them.
    assert all(_key(seed) in pages for seed in ws.seeds) and len(pages) > len(ws.seeds)
    html = {f.url: f.html for f in pages.values() if f.html is not None and f.status == 200}
    overviews = [f"/customers/{cid}" for cid in ws.customers.values()]
    assert {url: pages[url].status for url in overviews} == dict.fromkeys(overviews, 200)
    viewer = role == "viewer"
    shown = [c for url, page in html.items() for c in _write_controls(url, page, viewer=viewer)]
    if role == "admin":  # admins are shown all of it, so the checks do see write controls
        assert any("button 'Delete" in c for c in shown), shown
        assert any("/edit" in c for c in _write_controls("", html[overviews[0]], viewer=True))
    else:
        assert not shown, f"{role} is shown controls it may not use:\n" + "\n".join(shown)
    for url in overviews:
        edit_link = f'href="{url}/edit"' in client.get(url).text
        assert edit_link is not viewer, (role, url)
        assert pages[f"{url}/edit"].status == (403 if viewer else 200), (role, url)


@pytest.mark.parametrize("via", ["api", "admin"])
def test_deleting_a_store_with_orders_is_refused_not_a_500(client, factory, via):
    t = factory.tenant()
    store = _api(client, t, "POST", "/api/v1/settings/stores", 201,
                 json={"name": "Outlet", "code": "outlet"})["id"]
    post(client, t, order("ST-1", "5.00", license_number="ST-1", store="outlet"))
    if via == "api":
        response = client.delete(f"/api/v1/settings/stores/{store}", headers=t.headers)
        assert response.status_code == 409, response.text
    else:
        assert _login(client, t).status_code == 303
        response = client.post(f"/settings/stores/{store}/delete", follow_redirects=False,
                               data={"csrf_token": csrf_of(client.get("/settings").text)})
        assert response.status_code == 303
        assert "is used by" in client.get("/settings").text
    assert _api(client, t, "GET", f"/api/v1/settings/stores/{store}", 200)["name"] == "Outlet"
