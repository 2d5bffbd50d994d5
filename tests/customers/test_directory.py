"""The directory list: every filter, search semantics, sort and keyset paging.

The same tests run on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm) with the same answers.
"""

from __future__ import annotations

import pytest

from patronage.customers import queries
from tests.factories import problems

URL = "/api/v1/customers"


@pytest.fixture
def world(factory, client):
    """A small tenant with known customers, plus a noisy neighbour tenant."""
    t = factory.tenant()
    s_customer, s_lead = t.refs["statuses"]
    net30 = t.refs["payment-terms"][1]
    made = {
        "blacksmith": factory.customer(
            t, company_name="Blacksmith Goods", license_number="C10-0000123-LIC",
            state="CA", city="Oakland", zip="94607", status_id=s_customer,
            email="orders@blacksmith.example", phone="(510) 555-0101", tags=["vip"],
            payment_term_id=net30, tax_exempt=True),
        "asmith": factory.shopper(t, first_name="Anna", last_name="Smithers",
                                  email="asmith@example.com", phone="415-555-0134",
                                  state="CA", city="San Francisco", zip="94105",
                                  status_id=s_lead, tags=["vip", "loyalty"]),
        "green": factory.customer(t, company_name="Green Leaf Market", state="OR",
                                  city="Portland", zip="97205", license_number="OR-555-01",
                                  status_id=s_customer, subscription=True),
        "guest": factory.partial(t, type="guest", email="walkin@example.org"),
    }
    other = factory.tenant()
    factory.customer(other, company_name="Blacksmith Rivals", state="CA")
    return t, made


def _ids(client, t, **params):
    response = client.get(URL, params=params, headers=t.headers)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


def _names(client, t, **params):
    response = client.get(URL, params=params, headers=t.headers)
    assert response.status_code == 200, response.text
    return [c["display_name"] for c in response.json()["items"]]


def test_unfiltered_total_is_the_tenants_count(client, world):
    t, made = world
    page = client.get(URL, headers=t.headers).json()
    assert page["total"] == 4 and page["total_exact"] is True
    assert [c["id"] for c in page["items"]] == sorted((c["id"] for c in made.values()),
                                                      reverse=True)


@pytest.mark.parametrize("q,expected", [
    ("smi", {"blacksmith", "asmith"}),           # substring, case-insensitive, name or email
    ("SMITH", {"blacksmith", "asmith"}),
    ("555-01", {"blacksmith", "asmith", "green"}),  # phone digits, and license OR-555-01
    ("(415) 555", {"asmith"}),
    ("415555", {"asmith"}),
    ("c10 0000123 lic", {"blacksmith"}),         # license in any spelling
    ("C100000123LIC", {"blacksmith"}),
    ("c10-0000123", {"blacksmith"}),
    ("walkin@example.org", {"guest"}),
    ("leaf market", {"green"}),                  # every word must match
    ("green le", {"green"}),                     # short words still have to appear
    ("green zz", set()),
    ("nobody-matches-this", set()),
])
def test_search_semantics(client, world, q, expected):
    t, made = world
    got = set(_ids(client, t, q=q))
    assert got == {made[k]["id"] for k in expected}


def test_an_id_in_the_search_box_finds_that_customer_first(client, world):
    """Issue 16, 6: `#501` (or a bare number that is an id) finds customer 501."""
    t, made = world
    green = made["green"]["id"]
    for q in (f"#{green}", f"# {green}", str(green)):
        assert _ids(client, t, q=q)[0] == green, q
    assert _ids(client, t, q="#99999999999") == []  # past any id: nothing, not an error


def test_search_never_crosses_tenants(client, world):
    t, _ = world
    assert "Blacksmith Rivals" not in _names(client, t, q="blacksmith")


def test_exact_and_prefix_hits_rank_first(client, world, factory):
    t, made = world
    # A newer customer that only contains the term sorts after the exact/prefix ones.
    factory.customer(t, company_name="The Old Blacksmith Inn")
    names = _names(client, t, q="blacksmith goods")
    assert names[0] == "Blacksmith Goods"
    names = _names(client, t, q="blacksmith")
    assert names[:2] == ["Blacksmith Goods", "The Old Blacksmith Inn"]
    assert _names(client, t, q="asmith@example.com")[0] == "Anna Smithers"


def test_search_total_counts_every_match(client, world):
    t, _ = world
    page = client.get(URL, params={"q": "smi", "limit": 1}, headers=t.headers).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["next_cursor"]
    rest = client.get(URL, params={"q": "smi", "limit": 1, "cursor": page["next_cursor"]},
                      headers=t.headers).json()
    assert len(rest["items"]) == 1 and rest["items"][0]["id"] != page["items"][0]["id"]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize("params,expected", [
    ({"type": "business"}, {"blacksmith", "green"}),
    ({"type": "guest,registered"}, {"asmith", "guest"}),
    ({"state": "CA"}, {"blacksmith", "asmith"}),
    ({"state": "ca"}, {"blacksmith", "asmith"}),
    ({"city": "oakland"}, {"blacksmith"}),
    ({"zip": "941"}, {"asmith"}),
    ({"name": "leaf"}, {"green"}),
    ({"name": "smither"}, {"asmith"}),
    ({"email": "BLACKSMITH"}, {"blacksmith"}),
    ({"phone": "555-0134"}, {"asmith"}),
    ({"tag": "vip"}, {"blacksmith", "asmith"}),
    ({"tag": "vip,loyalty"}, {"asmith"}),
    ({"tax_exempt": "true"}, {"blacksmith"}),
    ({"subscription": "true"}, {"green"}),
    ({"has_no_email": "true"}, {"green"}),
    ({"has_no_orders": "true"}, {"blacksmith", "asmith", "green", "guest"}),
    ({"has_no_orders": "false"}, set()),
    ({"order_count_min": "1"}, set()),
    ({"spent_max": "0"}, {"blacksmith", "asmith", "green", "guest"}),
    ({"state": "CA", "type": "registered"}, {"asmith"}),
    ({"state": "TX"}, set()),
])
def test_filters(client, world, params, expected):
    t, made = world
    assert set(_ids(client, t, **params)) == {made[k]["id"] for k in expected}


def test_reference_filters(client, world):
    t, made = world
    s_customer, s_lead = t.refs["statuses"]
    assert set(_ids(client, t, status=s_lead)) == {made["asmith"]["id"]}
    assert set(_ids(client, t, status=f"{s_customer},{s_lead}")) == {
        made["blacksmith"]["id"], made["asmith"]["id"], made["green"]["id"]}
    assert _ids(client, t, payment_terms=t.refs["payment-terms"][1]) == [made["blacksmith"]["id"]]
    assert _ids(client, t, id=made["green"]["id"]) == [made["green"]["id"]]


def test_date_range_filters(client, world):
    t, made = world
    from datetime import date, timedelta

    today = date.today()
    registered = set(_ids(client, t, registered_from=str(today - timedelta(days=1)),
                          registered_to=str(today)))
    assert registered == {made["asmith"]["id"]}
    assert _ids(client, t, registered_to=str(today - timedelta(days=1))) == []


def test_filters_combine_with_search(client, world):
    t, made = world
    assert _ids(client, t, q="smi", type="business") == [made["blacksmith"]["id"]]
    assert _ids(client, t, q="smi", state="OR") == []


@pytest.mark.parametrize("sort,key", [("name", "display_name"), ("-name", "display_name"),
                                      ("email", "email"), ("-registered_at", "registered_at")])
def test_sort_is_stable_and_keyset_pages_never_overlap(client, factory, sort, key):
    t = factory.tenant()
    for i in range(7):  # duplicates in the sort key: the id breaks the ties
        factory.customer(t, company_name=f"Dup {i % 3}", email=f"e{i % 2}@x.example")
    for i in range(3):
        factory.shopper(t, first_name="Zed", last_name=f"Z{i}")
    everything = client.get(URL, params={"sort": sort, "limit": 500},
                            headers=t.headers).json()["items"]
    seen, cursor = [], None
    while True:
        params = {"sort": sort, "limit": 3, **({"cursor": cursor} if cursor else {})}
        response = client.get(URL, params=params, headers=t.headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [c["id"] for c in everything]
    assert len(seen) == len(set(seen)) == 10
    values = [c[key] for c in everything]
    present = [v.lower() if isinstance(v, str) else v for v in values if v is not None]
    assert present == sorted(present, reverse=sort.startswith("-"))
    nulls = [i for i, v in enumerate(values) if v is None]
    if nulls:  # NULLs sort as the smallest value: first ascending, last descending
        expected = (list(range(len(values) - len(nulls), len(values)))
                    if sort.startswith("-") else list(range(len(nulls))))
        assert nulls == expected


@pytest.mark.parametrize("sort", ["license_expires_on", "-license_expires_on",
                                  "first_order_at", "-first_order_at"])
def test_sorting_by_license_expiry_and_first_order_pages_through_every_customer(
        client, factory, sort):
    """Issue 16, 6: the two new sorts, ties and empty values included, paged by cursor."""
    from tests.events.test_events import order, post

    t = factory.tenant()
    expiries = ["2027-03-01", None, "2026-12-15", "2027-03-01", None, "1999-01-01"]
    for i, expires in enumerate(expiries):
        factory.customer(t, company_name=f"Licensed {i}", license_number=f"LIC-{i}",
                         license_expires_on=expires)
    for i, at in ((0, "2026-05-01T09:00:00Z"), (2, "2024-02-29T23:59:59-08:00"),
                  (3, "2026-05-01T09:00:00Z"), (5, "2001-01-01T00:00:00+14:00")):
        post(client, t, order(f"FO-{i}", at=at, license_number=f"LIC-{i}"))
    key = sort.lstrip("-")
    everything = client.get(URL, params={"sort": sort, "limit": 500},
                            headers=t.headers).json()["items"]
    seen, cursor = [], None
    while True:
        page = client.get(URL, params={"sort": sort, "limit": 2,
                                       **({"cursor": cursor} if cursor else {})},
                          headers=t.headers)
        assert page.status_code == 200, page.text
        seen += [c["id"] for c in page.json()["items"]]
        if not (cursor := page.json()["next_cursor"]):
            break
    assert seen == [c["id"] for c in everything] and len(set(seen)) == len(expiries)
    # NULLs are the smallest value (docs/decisions.md), and the id breaks ties.
    ranked = sorted(everything, key=lambda c: (c[key] is not None, c[key] or "", c["id"]),
                    reverse=sort.startswith("-"))
    assert [c["id"] for c in everything] == [c["id"] for c in ranked]
    assert sum(c[key] is None for c in everything) == 2


def test_cursor_pages_survive_concurrent_inserts(client, factory):
    t = factory.tenant()
    first_batch = [factory.customer(t)["id"] for _ in range(6)]
    page = client.get(URL, params={"limit": 3}, headers=t.headers).json()
    factory.customer(t)  # arrives between page requests
    rest = client.get(URL, params={"limit": 10, "cursor": page["next_cursor"]},
                      headers=t.headers).json()
    seen = [c["id"] for c in page["items"]] + [c["id"] for c in rest["items"]]
    assert seen == sorted(first_batch, reverse=True)


@pytest.mark.parametrize("params,pointer,code", [
    ({"sort": "favourite"}, "/sort", "invalid_sort"),
    ({"colour": "red"}, "/colour", "unknown_parameter"),
    ({"spent_min": "lots"}, "/spent_min", "decimal_parsing"),
    ({"type": "alien"}, "/type/0", "literal_error"),
    ({"registered_from": "yesterday"}, "/registered_from", "date_from_datetime_parsing"),
    ({"status": "x"}, "/status/0", "int_parsing"),
    ({"limit": "0"}, "/limit", "greater_than_equal"),
    ({"cursor": "bm9wZQ"}, "/cursor", "invalid_cursor"),
])
def test_bad_parameters_are_422_naming_them(client, factory, params, pointer, code):
    t = factory.tenant()
    response = client.get(URL, params=params, headers=t.headers)
    assert problems(response) == [(pointer, code)]


def test_cursor_of_another_sort_is_refused(client, factory):
    t = factory.tenant()
    for _ in range(3):
        factory.customer(t)
    cursor = client.get(URL, params={"limit": 1, "sort": "name"},
                        headers=t.headers).json()["next_cursor"]
    response = client.get(URL, params={"limit": 1, "sort": "-total_spent", "cursor": cursor},
                          headers=t.headers)
    assert response.status_code == 422


def test_empty_tenant_lists_nothing(client, factory):
    t = factory.tenant()
    page = client.get(URL, params={"q": "anything"}, headers=t.headers).json()
    assert page == {"items": [], "total": 0, "total_exact": True, "next_cursor": None}


def test_counter_follows_creates_and_deletes(client, factory):
    t = factory.tenant()
    ids = [factory.customer(t)["id"] for _ in range(3)]
    client.delete(f"{URL}/{ids[0]}", headers=t.headers)
    assert client.get(URL, headers=t.headers).json()["total"] == 2


def test_edits_are_searchable_at_once(client, factory):
    t = factory.tenant()
    c = factory.customer(t, company_name="Before Name")
    client.patch(f"{URL}/{c['id']}", headers={**t.headers, "If-Match": '"1"'},
                 json={"company_name": "Zanzibar Traders"})
    assert _ids(client, t, q="zanzibar") == [c["id"]]
    assert _ids(client, t, q="before") == []


def test_relevance_pages_reach_every_priority_hit(client, factory):
    t = factory.tenant()
    ids = {factory.customer(t, company_name=f"Zeta {i:03d}")["id"] for i in range(7)}
    seen, cursor = [], None
    while True:
        params = {"q": "zeta", "limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(URL, params=params, headers=t.headers).json()
        assert page["total"] == 7
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == ids


@pytest.mark.parametrize("params,pointer,code", [
    ({"registered_to": "9999-12-31"}, "/registered_to", "less_than_equal"),
    # ["-id",1,100000000000000000000]
    ({"cursor": "WyItaWQiLDEsMTAwMDAwMDAwMDAwMDAwMDAwMDAwXQ"}, "/cursor", "invalid_cursor"),
    ({"sort": "-order_count", "cursor": "WyItb3JkZXJfY291bnQiLDEwMDAwMDAwMDAwMDAwMDAwMDAwMCwxXQ"},
     "/cursor", "invalid_cursor"),
])
def test_extreme_values_are_422_not_500(client, factory, params, pointer, code):
    t = factory.tenant()
    factory.customer(t)
    assert problems(client.get(URL, params=params, headers=t.headers)) == [(pointer, code)]


def test_unicode_digits_are_refused_cleanly(client, factory):
    t = factory.tenant()
    c = factory.customer(t)
    latin1 = {"If-Match": '"²"'.encode("latin-1")}
    response = client.patch(f"{URL}/{c['id']}", headers={**t.headers, **latin1},
                            json={"city": "X"})
    assert response.status_code == 412
    bearer = {"Authorization": "Bearer pat_²_x".encode("latin-1")}
    assert client.get(URL, headers=bearer).status_code == 401


def out_of_time(session, query, seconds):
    """Counting ran out of time before it counted anything (SQLite's interrupted count)."""
    return 0, False


def test_a_count_out_of_time_gives_the_page_as_a_bound(client, factory, monkeypatch):
    """When counting would cost more than the page, the total is a marked lower bound."""
    t = factory.tenant()
    ids = [factory.customer(t, company_name=f"Vip {i}", tags=["vip"])["id"] for i in range(5)]

    monkeypatch.setattr(queries, "count_within", out_of_time)
    first = client.get(URL, params={"tag": "vip", "limit": 2}, headers=t.headers).json()
    assert (first["total"], first["total_exact"]) == (2, False)  # more than 2
    assert [c["id"] for c in first["items"]] == ids[::-1][:2]
    # Every page is still reachable, and a page holding every match is an exact total.
    second = client.get(URL, params={"tag": "vip", "limit": 2, "cursor": first["next_cursor"]},
                        headers=t.headers).json()
    assert [c["id"] for c in second["items"]] == ids[::-1][2:4]
    assert (second["total"], second["total_exact"]) == (2, False)  # never "more than 0"
    whole = client.get(URL, params={"tag": "vip"}, headers=t.headers).json()
    assert (whole["total"], whole["total_exact"]) == (5, True)


def test_a_count_cut_short_gives_what_it_counted_as_the_bound(client, factory, monkeypatch):
    """PostgreSQL's count moves over the matches until its time is up: what it counted by
    then is the bound ("more than 3"), even when it is more than the page shows."""
    t = factory.tenant()
    for i in range(5):
        factory.customer(t, company_name=f"Vip {i}", tags=["vip"])
    monkeypatch.setattr(queries, "count_within", lambda session, query, seconds: (3, False))
    first = client.get(URL, params={"tag": "vip", "limit": 2}, headers=t.headers).json()
    assert (first["total"], first["total_exact"]) == (3, False)
    assert len(first["items"]) == 2
    whole = client.get(URL, params={"tag": "vip"}, headers=t.headers).json()
    assert (whole["total"], whole["total_exact"]) == (5, True)  # the page holds them all


@pytest.mark.parametrize("sort", ["", "-id", "name", "-total_spent", "city"])
@pytest.mark.parametrize("params", [
    {"name": "leaf"}, {"name": "le"}, {"email": "green"}, {"phone": "5550"},
    {"name": "leaf", "tag": "vip"}, {"q": "leaf"}, {"q": "leaf", "city": "oakland"},
    {"tag": "vip"}, {"city": "oakland", "email": "leaf"}, {"name": "leaf", "email": "le"},
    {"name": "leaf", "phone": "41"}, {"q": "leaf", "email": "le"}, {"q": "leaf", "phone": "41"},
    {"name": "leaf", "email": "green"}])
def test_a_count_out_of_time_finds_the_same_customers(client, factory, monkeypatch, params,
                                                      sort):
    """Past the counting budget (a busy machine, a big workspace) the page is found another
    way (the sort's index walked, set memberships probed): the same customers, never a
    500, for filters the search index answers too."""
    t = factory.tenant()
    for i in range(4):
        factory.customer(t, company_name=f"Green Leaf {i}", email=f"leaf{i}@green.example",
                         phone=f"+1415555{i:04d}", city="Oakland", tags=["vip"] if i % 2 else [])
    factory.customer(t, company_name="Other", email="other@x.example", city="Denver")
    query = {**params, **({"sort": sort} if sort else {})}

    def ids_of(found):
        assert found.status_code == 200, found.text
        return [c["id"] for c in found.json()["items"]]

    exact = ids_of(client.get(URL, params=query, headers=t.headers))

    monkeypatch.setattr(queries, "count_within", out_of_time)
    assert ids_of(client.get(URL, params=query, headers=t.headers)) == exact


@pytest.mark.parametrize("sort", ["", "id"])
def test_pages_of_a_filter_out_of_counting_time_follow_on(client, factory, monkeypatch, sort):
    """Page by page (cursors), the search index's order gives every match once, in order."""
    t = factory.tenant()
    ids = [factory.customer(t, company_name=f"Green Leaf {i}", city="Oakland")["id"]
           for i in range(5)]
    factory.customer(t, company_name="Other", city="Oakland")

    monkeypatch.setattr(queries, "count_within", out_of_time)
    seen, cursor = [], None
    for _ in range(10):
        params = {"name": "leaf", "city": "oakland", "limit": 2,
                  **({"sort": sort} if sort else {}), **({"cursor": cursor} if cursor else {})}
        body = client.get(URL, params=params, headers=t.headers).json()
        seen += [c["id"] for c in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == (sorted(ids) if sort == "id" else sorted(ids, reverse=True))
