"""The admin pages through a plain HTTP client: sign-in, CSRF, forms with inline errors."""

import re

import pytest

from tests.factories import PASSWORD, csrf_of


def _login(client, t, password=PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"workspace": t.slug, "email": t.email.upper(),
                                       "password": password, "csrf_token": csrf_of(page.text),
                                       "next": "/customers"}, follow_redirects=False)


@pytest.fixture
def signed_in(client, factory):
    t = factory.tenant()
    assert _login(client, t).status_code == 303
    return t


def test_pages_need_a_signed_in_member(client):
    response = client.get("/customers", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")


def test_wrong_password_says_so_without_detail(client, factory):
    t = factory.tenant()
    response = _login(client, t, password="wrong password!")
    assert response.status_code == 401
    assert "Workspace, email or password is incorrect." in response.text


def test_login_without_csrf_token_is_refused(client, factory):
    t = factory.tenant()
    client.get("/login")
    response = client.post("/login", data={"workspace": t.slug, "email": t.email,
                                           "password": PASSWORD})
    assert response.status_code == 403


def test_session_cookie_is_httponly_and_samesite(client, factory):
    t = factory.tenant()
    response = _login(client, t)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_empty_list_shows_the_empty_state(client, signed_in):
    page = client.get("/customers")
    assert page.status_code == 200
    assert "No customers yet" in page.text


def test_adding_a_customer_with_errors_shows_them_inline(client, signed_in):
    form = client.get("/customers/new?type=registered")
    response = client.post("/customers/new", data={
        "csrf_token": csrf_of(form.text), "type": "registered", "first_name": "Ana",
        "email": "ana@@example", "phone": "123", "tags": "vip, new"})
    assert response.status_code == 422
    html = response.text
    assert 'id="e-email"' in html and "Not a valid email address" in html
    assert 'id="e-phone"' in html and "Not a valid phone number" in html
    assert 'id="e-last_name"' in html
    assert 'value="Ana"' in html and 'value="vip, new"' in html  # nothing typed is lost
    # The summary lists them top to bottom, as the form asks for them.
    start = html.index('id="error-summary"')
    summary = html[start:html.index("</ul>", start)]
    links = re.findall(r'href="#f-(\w+)"', summary)
    assert links[:3] == ["last_name", "email", "phone"], links
    assert links[3:] == ["address1", "city", "state", "zip"][:len(links) - 3], links
    assert "No customers yet" in client.get("/customers").text


def test_adding_then_editing_a_customer(client, signed_in):
    form = client.get("/customers/new")
    created = client.post("/customers/new", data={
        "csrf_token": csrf_of(form.text), "type": "business", "company_name": "Blacksmith Goods",
        "license_number": "ca-9", "tax_exempt": "1"}, follow_redirects=False)
    assert created.status_code == 303
    detail_url = created.headers["location"]
    detail = client.get(detail_url)
    assert "Blacksmith Goods" in detail.text and "was added" in detail.text
    edit = client.get(f"{detail_url}/edit")
    assert 'name="version" value="1"' in edit.text
    saved = client.post(f"{detail_url}/edit", data={
        "csrf_token": csrf_of(edit.text), "version": "1", "type": "business",
        "company_name": "Blacksmith Goods & Co", "license_number": "ca-9", "tax_exempt": "1"},
        follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(detail_url).text
    assert "Blacksmith Goods &amp; Co" in page
    assert "Company name" in page  # the history names the changed field


def test_stale_edit_is_refused_with_a_clear_message(client, signed_in, factory):
    c = factory.customer(signed_in, company_name="Original")
    edit = client.get(f"/customers/{c['id']}/edit")
    client.patch(f"/api/v1/customers/{c['id']}", headers={**signed_in.headers, "If-Match": '"1"'},
                 json={"company_name": "Changed elsewhere"})
    response = client.post(f"/customers/{c['id']}/edit", data={
        "csrf_token": csrf_of(edit.text), "version": "1", "type": "business",
        "company_name": "Mine"})
    assert response.status_code == 412
    assert "Someone else changed this customer" in response.text
    assert client.get(f"/api/v1/customers/{c['id']}",
                      headers=signed_in.headers).json()["company_name"] == "Changed elsewhere"


def test_another_tenants_customer_page_is_404(client, signed_in, factory):
    other = factory.tenant()
    theirs = factory.customer(other)
    assert client.get(f"/customers/{theirs['id']}").status_code == 404
    assert client.get(f"/customers/{theirs['id']}/edit").status_code == 404


def test_viewer_sees_no_add_button_and_cannot_post(client, factory):
    t = factory.tenant()
    from patronage.tenancy import service as tenancy

    tenancy.create_user(factory.session, tenant_id=t.id, email=f"v@{t.slug}.example",
                        role="viewer", password=PASSWORD)
    page = client.get("/login")
    client.post("/login", data={"workspace": t.slug, "email": f"v@{t.slug}.example",
                                "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    listing = client.get("/customers")
    assert "Add a customer" not in listing.text
    assert client.get("/customers/new").status_code == 403


def test_logout_ends_the_session(client, signed_in):
    page = client.get("/customers")
    response = client.post("/logout", data={"csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/customers", follow_redirects=False).status_code == 303


def test_open_redirect_is_refused(client, factory):
    t = factory.tenant()
    page = client.get("/login")
    response = client.post("/login", data={"workspace": t.slug, "email": t.email,
                                           "password": PASSWORD, "csrf_token": csrf_of(page.text),
                                           "next": "//evil.example/"}, follow_redirects=False)
    assert response.headers["location"] == "/customers"


def test_directory_page_keeps_its_state_in_the_url(client, signed_in, factory):
    factory.customer(signed_in, company_name="Blacksmith Goods", state="CA")
    factory.customer(signed_in, company_name="Green Leaf", state="OR")
    page = client.get("/customers?q=smith&state=CA&sort=name")
    assert page.status_code == 200
    assert "Blacksmith Goods" in page.text and "Green Leaf" not in page.text
    assert "1 customer matches" in page.text
    assert "Search: “smith”" in page.text and "State: CA" in page.text
    # each chip links to the same view without that filter
    assert 'href="/customers?q=smith&amp;sort=name"' in page.text
    assert 'href="/customers?state=CA&amp;sort=name"' in page.text


@pytest.mark.parametrize(("query", "said"), [
    ("birthday_month=6", "Birthday in June"),
    ("birthday_within=30", "Birthday in the next 30 days"),
    ("birthday_within=0", "Birthday today"),
    ("license_expires_within=1", "License expires today or tomorrow"),
    ("birthday_from=1980-01-01", "Born from: 1980-01-01"),
    ("risk_level=high", "Risk: High"),
])
def test_a_chip_says_its_filter_as_a_person_would(client, signed_in, query, said):
    page = client.get(f"/customers?{query}")
    assert page.status_code == 200
    assert said in page.text


def test_search_as_you_type_gets_only_the_results(client, signed_in, factory):
    factory.customer(signed_in, company_name="Blacksmith Goods")
    partial = client.get("/customers?q=black", headers={"HX-Request": "true"})
    assert partial.text.lstrip().startswith('<div id="results">')
    assert "<html" not in partial.text and "Blacksmith Goods" in partial.text


def test_no_match_says_which_filter_excluded_everything(client, signed_in, factory):
    factory.customer(signed_in, company_name="Blacksmith Goods", state="CA")
    page = client.get("/customers?state=CA&type=guest")
    assert "No customers match" in page.text
    assert re.search(r"Without <strong>Type: guest</strong></a>\s*<span class=\"muted\">— 1 "
                     r"customer</span>", page.text)


def test_a_relaxed_filters_count_out_of_time_is_said_to_be_a_bound(client, signed_in,
                                                                   factory, monkeypatch):
    """What removing a filter would show is counted like the list: out of its time, the
    count is a bound, and the hint says "more than", never a bare "1 customer"."""
    from patronage.customers import queries

    for n in range(3):
        factory.customer(signed_in, company_name=f"Blacksmith Goods {n}", state="CA")
    monkeypatch.setattr(queries, "count_within", lambda session, query, seconds: (0, False))
    page = client.get("/customers?state=CA&type=guest")
    assert "No customers match" in page.text
    assert re.search(r"Without <strong>Type: guest</strong></a>\s*<span class=\"muted\">— "
                     r"more than 1 customer</span>", page.text), page.text


def test_a_bad_filter_is_reported_and_ignored(client, signed_in, factory):
    factory.customer(signed_in, company_name="Blacksmith Goods")
    page = client.get("/customers?spent_min=lots&sort=nonsense")
    assert page.status_code == 200
    # Named as the panel names them, with what happens to them.
    assert "<strong>Spent ≥</strong>" in page.text and "<strong>Sort</strong>" in page.text
    assert "valid decimal. This filter is left out." in page.text
    assert "Blacksmith Goods" in page.text


def test_bulk_change_from_the_list_confirms_the_count_first(client, signed_in, factory):
    shops = [factory.customer(signed_in, company_name=f"Shop {i}", state="CA") for i in range(3)]
    factory.customer(signed_in, company_name="Elsewhere", state="OR")
    lead = signed_in.refs["statuses"][1]
    token = csrf_of(client.get("/customers?state=CA").text)
    confirm = client.post("/customers/bulk", data={
        "csrf_token": token, "query": "state=CA", "action": "set_status",
        "value_status": str(lead), "scope": "all"})
    assert confirm.status_code == 200
    assert "Set status to Lead" in confirm.text and "<strong>3</strong>" in confirm.text
    assert client.get(f"/api/v1/customers/{shops[0]['id']}",
                      headers=signed_in.headers).json()["status_id"] is None  # not yet
    done = client.post("/customers/bulk", data={
        "csrf_token": token, "query": "state=CA", "action": "set_status",
        "value_status": str(lead), "scope": "all", "expected": "3", "confirmed": "1"},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/customers?state=CA"
    assert "3 of 3 customers changed" in client.get(done.headers["location"]).text
    statuses = [client.get(f"/api/v1/customers/{s['id']}", headers=signed_in.headers)
                .json()["status_id"] for s in shops]
    assert statuses == [lead] * 3


def test_bulk_on_selected_rows_only(client, signed_in, factory):
    a = factory.customer(signed_in, company_name="Alpha")
    factory.customer(signed_in, company_name="Beta")
    token = csrf_of(client.get("/customers").text)
    client.post("/customers/bulk", data={
        "csrf_token": token, "query": "", "action": "add_tags", "tags": "vip",
        "scope": "selected", "ids": [str(a["id"])], "expected": "1", "confirmed": "1"})
    tagged = client.get("/api/v1/customers", params={"tag": "vip"},
                        headers=signed_in.headers).json()
    assert [c["id"] for c in tagged["items"]] == [a["id"]]


@pytest.mark.parametrize("data", [
    {"action": "add_tags", "tags": "", "scope": "all"},          # tags box left empty
    {"action": "set_status", "scope": "selected", "ids": "²"},   # not a real id
])
def test_bad_bulk_forms_come_back_with_a_message(client, signed_in, data):
    token = csrf_of(client.get("/customers").text)
    response = client.post("/customers/bulk", data={"csrf_token": token, "query": "", **data})
    assert response.status_code == 200
    assert 'class="flash flash-error"' in response.text


def test_blank_view_name_and_unknown_column_are_messages_not_errors(client, signed_in):
    token = csrf_of(client.get("/customers").text)
    view = client.post("/customers/views", data={"csrf_token": token, "name": "   "})
    assert view.status_code == 200 and "The view was not saved" in view.text
    cols = client.post("/customers/columns", data={"csrf_token": token, "columns": ["bogus"],
                                                   "next": "/customers"})
    assert cols.status_code == 200 and "Unknown column" in cols.text


def test_odd_view_parameter_is_ignored(client, signed_in):
    assert client.get("/customers?view=%C3%A9", headers={"HX-Request": "true"}).status_code == 200
    assert client.get("/customers?view=²").status_code == 200


def test_edit_page_shows_dates_as_the_inputs_take_them(client, signed_in, factory):
    c = factory.shopper(signed_in, birthday="1990-01-31", registered_at="2026-03-09T07:05:00Z",
                        license_number="CA-1", license_expires_on="2027-06-30")
    page = client.get(f"/customers/{c['id']}/edit")
    assert page.status_code == 200, page.text[:500]
    assert 'name="birthday" id="f-birthday" type="date" value="1990-01-31"' in page.text
    assert 'id="f-license_expires_on" type="date" value="2027-06-30"' in page.text
    assert 'id="f-registered_at" type="datetime-local" value="2026-03-09T07:05"' in page.text
