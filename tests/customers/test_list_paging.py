"""The directory's paging in the admin: previous and next with where the page is ("51–100
of 130"), a page size each member chooses and keeps, columns back to the defaults; a
damaged place in the address never breaks the page."""

from __future__ import annotations

import html
import re

from sqlalchemy import text

from tests.factories import csrf_of
from tests.test_admin import _login


def _position(page: str) -> str:
    return html.unescape(re.search(r'id="page-position">([^<]+)<', page).group(1))


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def _customers(factory, t, n):
    for i in range(n):
        factory.partial(t, type="guest", email=f"paged{i}@example.com")


def test_next_and_previous_say_where_the_page_is(client, factory):
    t = factory.tenant()
    _customers(factory, t, 60)
    _login(client, t)
    first = client.get("/customers?limit=25").text
    assert _position(first) == "1–25 of 60" and _link(first, "prev") is None
    second = client.get(_link(first, "next")).text
    assert _position(second) == "26–50 of 60"
    third = client.get(_link(second, "next")).text
    assert _position(third) == "51–60 of 60" and _link(third, "next") is None
    back = client.get(_link(third, "prev")).text
    assert _position(back) == "26–50 of 60"
    names = re.findall(r'aria-label="Select ([^"]+)"', second)
    assert re.findall(r'aria-label="Select ([^"]+)"', back) == names  # the same rows
    assert _position(client.get(_link(back, "prev")).text) == "1–25 of 60"


def test_the_page_size_is_each_members_own(client, factory):
    t = factory.tenant()
    _customers(factory, t, 30)
    _login(client, t)
    assert _position(client.get("/customers?limit=25").text) == "1–25 of 30"  # a link's
    assert _position(client.get("/customers").text) == "1–30 of 30"  # ... is not kept
    assert _position(client.get("/customers?limit=25&remember=1").text) == "1–25 of 30"
    assert _position(client.get("/customers").text) == "1–25 of 30"  # chosen: remembered
    assert _position(client.get("/customers?limit=17&remember=1").text) == "1–17 of 30"
    assert _position(client.get("/customers").text) == "1–25 of 30"
    other = factory.tenant()
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/customers").text)})
    _login(client, other)
    _customers(factory, other, 30)
    assert _position(client.get("/customers").text) == "1–30 of 30"


def test_a_damaged_place_in_the_address_shows_a_page(client, factory):
    t = factory.tenant()
    _customers(factory, t, 30)
    _login(client, t)
    first = client.get("/customers?limit=25").text
    nxt = _link(first, "next")
    for broken in (nxt.replace("page=2", "page=x"), nxt.replace("back=0", "back=%%%"),
                   nxt + "&back=" + "A" * 50_000, nxt.replace("page=2", "page=99999999")):
        page = client.get(broken)
        assert page.status_code == 200 and "–30 of 30" in _position(page.text)
        previous = _link(page.text, "prev")
        assert previous and client.get(previous).status_code == 200


def test_columns_go_back_to_the_defaults(client, factory, session):
    t = factory.tenant()
    _login(client, t)
    page = client.get("/customers").text
    client.post("/customers/columns", data={"csrf_token": csrf_of(page),
                                            "columns": ["name", "city"]})
    assert client.get("/api/v1/me/columns", headers=t.headers).json()["columns"] == [
        "name", "city"]
    shown = client.post("/customers/columns", data={"csrf_token": csrf_of(page), "reset": "1"})
    assert "Columns back to the defaults" in shown.text
    stored = session.execute(text("SELECT columns IS NULL FROM column_preferences WHERE "
                                  "tenant_id = :t"), {"t": t.id}).scalar()
    assert stored  # SQL NULL, not JSON null
    assert client.get("/api/v1/me/columns", headers=t.headers).json()["columns"] != [
        "name", "city"]


def test_the_stores_column_shows_where_a_customer_ordered(client, factory):
    from tests.events.test_events import order, post

    t = factory.tenant()
    factory.customer(t, license_number="SC-1", company_name="Store Shopper")
    post(client, t, order("SC-O1", license_number="SC-1"))
    _login(client, t)
    page = client.get("/customers").text
    client.post("/customers/columns", data={"csrf_token": csrf_of(page),
                                            "columns": ["name", "stores"]})
    shown = html.unescape(client.get("/customers").text)
    assert re.search(r"Store Shopper.*?<td[^>]*>Main</td>", shown, re.S)


def test_a_bound_total_is_never_below_the_rows_paged_through(client, factory, monkeypatch):
    """A count out of time (SQLite's) or a walked search (PostgreSQL's) gives the total as a
    bound; a later page said "26–50 of more than 0". It is at least the rows paged through,
    and on the last page those are all of them."""
    from patronage.customers import queries

    t = factory.tenant()
    _customers(factory, t, 60)
    _login(client, t)
    monkeypatch.setattr(queries, "count_within", lambda session, query, seconds: (0, False))
    first = client.get("/customers?type=guest&limit=25").text
    assert _position(first) == "1–25 of more than 25"
    second = client.get(_link(first, "next")).text
    assert _position(second) == "26–50 of more than 50"
    assert "More than 50 customers" in second
    third = client.get(_link(second, "next")).text
    assert _position(third) == "51–60 of 60" and "60 customers" in third


def test_a_link_without_its_trail_claims_no_exact_total(client, factory, monkeypatch):
    """A page's link cut short (its cursor without the pages before it) cannot tell how many
    rows came before: its last page keeps the bound rather than claim "51–60 of 60"."""
    from patronage.customers import queries

    t = factory.tenant()
    _customers(factory, t, 60)
    _login(client, t)
    monkeypatch.setattr(queries, "count_within", lambda session, query, seconds: (0, False))
    first = client.get("/customers?type=guest&limit=25").text
    second = client.get(_link(first, "next")).text
    last = _link(second, "next")
    assert _position(client.get(last).text) == "51–60 of 60"
    cut = re.sub(r"&(page|back)=[^&]*", "", last)
    assert cut != last
    assert "of more than" in _position(client.get(cut).text)
