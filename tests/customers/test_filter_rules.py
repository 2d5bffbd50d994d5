"""The directory's filters at their edges: each limit at and just past its bound, with the
code a client relies on, and each range filter on both sides of its boundary."""

from __future__ import annotations

import pytest

URL = "/api/v1/customers"


def _get(client, t, params):
    return client.get(URL, params=params, headers=t.headers)


def _ids(client, t, **params):
    response = _get(client, t, params)
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()["items"]}


def _error(client, t, params):
    response = _get(client, t, params)
    assert response.status_code == 422, response.text
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


# --- limits ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "limit"), [
    ("q", 200), ("name", 100), ("email", 100), ("phone", 100), ("city", 100), ("zip", 100),
    ("state", 100), ("tag", 100), ("sort", 40), ("cursor", 500)])
def test_text_parameters_at_and_past_their_length(client, factory, name, limit):
    t = factory.tenant()
    at, past = "7" * limit, "7" * (limit + 1)
    if name == "sort":
        at, past = "-" + "x" * (limit - 1), "-" + "x" * limit
    first = _get(client, t, {name: at})
    # At the limit the value is read (a sort or cursor that names nothing is still refused,
    # but as unknown, not as too long).
    assert first.status_code == 200 or "string_too_long" not in first.text, first.text
    pointer = f"/{name}/0" if name in ("state", "tag") else f"/{name}"
    assert _error(client, t, {name: past}) == [(pointer, "string_too_long")]


@pytest.mark.parametrize(("name", "good", "bad", "code"), [
    ("limit", ["1", "500"], ["0", "501"], None),
    ("order_count_min", ["0", "2147483647"], ["-1", "2147483648"], None),
    ("order_count_max", ["0", "2147483647"], ["-1", "2147483648"], None),
    ("spent_min", ["0", "10000000000"], ["-0.01", "10000000000.01"], None),
    ("spent_max", ["0.01", "10000000000.00"], ["-1", "10000000001"], None),
    ("spent_min", ["12.34"], ["12.345"], "decimal_max_places"),
    ("registered_from", ["1900-01-01", "9998-12-31"], ["1899-12-31", "9999-01-01"], None),
    ("last_order_to", ["1900-01-01", "9998-12-31"], ["1899-12-31", "9999-01-01"], None),
    ("id", ["1", "2147483647"], ["0", "2147483648"], None),
    ("status", ["1,2147483647"], ["0"], None),
])
def test_numbers_and_dates_at_and_past_their_bounds(client, factory, name, good, bad, code):
    t = factory.tenant()
    for value in good:
        assert _get(client, t, {name: value}).status_code == 200, (name, value)
    for value in bad:
        (found,) = _error(client, t, {name: value})
        pointer = f"/{name}/0" if name in ("id", "status") else f"/{name}"
        below = value.startswith("-") or value in ("0", "1899-12-31")
        expected = code or ("greater_than_equal" if below else "less_than_equal")
        assert found == (pointer, expected), (name, value)


def test_parameters_are_trimmed_before_they_are_checked(client, factory):
    t = factory.tenant()
    a = factory.customer(t, company_name="Alpha Trim", city="Oakland")
    b = factory.customer(t, company_name="Beta Trim", city="Oakland")
    response = _get(client, t, {"sort": "  -name ", "city": " oakland  ", "limit": " 1 "})
    assert [c["id"] for c in response.json()["items"]] == [b["id"]], response.text
    assert _ids(client, t, name=f"  {'x' * 100}  ") == set()  # 100 after trimming
    assert _ids(client, t, q="  alpha  ") == {a["id"]}
    assert _error(client, t, {"name": "   "}) == [("/name", "string_too_short")]
    assert _ids(client, t, name="a", city="o") == set()  # one character is a filter


def test_the_default_page_is_fifty(client, factory):
    t = factory.tenant()
    for n in range(51):
        factory.post(t, {"type": "business", "company_name": f"Page Co {n}"})
    page = _get(client, t, {}).json()
    assert (len(page["items"]), page["total"]) == (50, 51)
    assert page["next_cursor"]


def test_lists_split_on_commas_and_repeats_and_drop_blanks(client, factory):
    t = factory.tenant()
    a = factory.customer(t, state="CA")
    b = factory.customer(t, state="OR")
    factory.customer(t, state="WA")
    assert _ids(client, t, state=" ca , or ") == {a["id"], b["id"]}
    assert _ids(client, t, id=f"{a['id']},{a['id']}") == {a["id"]}
    response = client.get(URL, params=[("id", str(a["id"])), ("id", str(b["id"])), ("id", "")],
                          headers=t.headers)
    assert {c["id"] for c in response.json()["items"]} == {a["id"], b["id"]}
    assert len(_ids(client, t, state=",")) == 3  # nothing but blanks: no filter


# --- ranges on both sides of their boundary ----------------------------------------------

@pytest.fixture
def dated(factory):
    t = factory.tenant()
    made = {}
    for key, at in (("before", "2026-03-09T23:59:59Z"), ("start", "2026-03-10T00:00:00Z"),
                    ("end", "2026-03-11T23:59:59Z"), ("after", "2026-03-12T00:00:00Z")):
        made[key] = factory.customer(t, registered_at=at, last_login_at=at,
                                     last_activity_at=at)["id"]
    return t, made


@pytest.mark.parametrize("prefix", ["registered", "last_login", "last_activity"])
def test_date_ranges_include_both_whole_days(client, dated, prefix):
    t, made = dated
    assert _ids(client, t, **{f"{prefix}_from": "2026-03-10", f"{prefix}_to": "2026-03-11"}) == {
        made["start"], made["end"]}
    assert _ids(client, t, **{f"{prefix}_from": "2026-03-12"}) == {made["after"]}
    assert _ids(client, t, **{f"{prefix}_to": "2026-03-09"}) == {made["before"]}


def _orders(client, t, license_number, *orders):
    for number, total, at in orders:
        response = client.post("/api/v1/events", headers=t.headers, json={
            "type": "order.placed", "occurred_at": at,
            "customer": {"license_number": license_number},
            "data": {"number": number, "store": "main", "total": total}})
        assert response.status_code == 201, response.text


@pytest.fixture
def buyers(client, factory):
    t = factory.tenant()
    one = factory.customer(t, license_number="B-1")
    two = factory.customer(t, license_number="B-2")
    none = factory.customer(t, license_number="B-3")
    _orders(client, t, "B-1", ("O-1", "10.00", "2026-04-01T00:00:00Z"))
    _orders(client, t, "B-2", ("O-2", "10.00", "2026-04-02T00:00:00Z"),
            ("O-3", "10.01", "2026-04-03T23:59:59Z"))
    return t, {"one": one["id"], "two": two["id"], "none": none["id"]}


@pytest.mark.parametrize(("params", "expected"), [
    ({"order_count_min": "2"}, {"two"}),
    ({"order_count_min": "1"}, {"one", "two"}),
    ({"order_count_max": "1"}, {"one", "none"}),
    ({"order_count_max": "0"}, {"none"}),
    ({"spent_min": "20.01"}, {"two"}),
    ({"spent_min": "20.02"}, set()),
    ({"spent_max": "10.00"}, {"one", "none"}),
    ({"spent_max": "9.99"}, {"none"}),
    ({"has_no_orders": "false"}, {"one", "two"}),
    ({"has_no_orders": "true"}, {"none"}),
    ({"last_order_from": "2026-04-03"}, {"two"}),
    ({"last_order_to": "2026-04-01"}, {"one"}),
    ({"last_order_from": "2026-04-01", "last_order_to": "2026-04-03"}, {"one", "two"}),
    ({"store": "STORE"}, {"one", "two"}),
])
def test_order_figures_filter_on_both_sides(client, buyers, params, expected):
    t, made = buyers
    if params.get("store") == "STORE":
        params = {"store": str(t.refs["stores"][0])}
    assert _ids(client, t, **params) == {made[k] for k in expected}


def test_every_reference_filter_picks_its_own_column(client, factory, session):
    from sqlalchemy import select

    from patronage.tenancy.models import User

    t = factory.tenant()
    rep = session.scalar(select(User.id).where(User.tenant_id == t.id))
    plain = factory.customer(t)
    refs = {"master_store": ("master_store_id", t.refs["stores"][0]),
            "sales_rep": ("sales_rep_id", rep),
            "license_type": ("license_type_id", t.refs["license-types"][0]),
            "payment_terms": ("payment_term_id", t.refs["payment-terms"][0]),
            "status": ("status_id", t.refs["statuses"][0])}
    made = {name: factory.customer(t, **{field: ref})["id"]
            for name, (field, ref) in refs.items()}
    for name, (_, ref) in refs.items():
        assert _ids(client, t, **{name: str(ref)}) == {made[name]}, name
    assert plain["id"] not in _ids(client, t, status=str(t.refs["statuses"][0]))


def test_text_filters_match_as_documented(client, factory):
    t = factory.tenant()
    oak = factory.customer(t, city="Oakland", zip="94607", email="buyer@leaf.example",
                           phone="(510) 555-0101")
    factory.customer(t, city="Oakland Hills", zip="19460", email="leaf@buyer.example",
                     phone="(415) 555-0199")
    assert _ids(client, t, city="OAKLAND") == {oak["id"]}  # the whole city, any case
    assert _ids(client, t, zip="9460") == {oak["id"]}  # starts with
    assert _ids(client, t, zip="94607") == {oak["id"]}  # the whole ZIP starts with itself
    london = factory.customer(t, zip="SW1Y 4AB", country="GB")
    assert _ids(client, t, zip="SW1") == {london["id"]}  # any character may follow
    assert _ids(client, t, email="BUYER@LEAF") == {oak["id"]}
    assert _ids(client, t, phone="(510) 555") == {oak["id"]}  # digits, however typed
    assert _ids(client, t, has_no_email="false") == {oak["id"]} | _ids(
        client, t, email="leaf@buyer")


def test_every_door_reads_a_query_string_alike(client, factory):
    from patronage.customers.filters import query_values

    assert query_values([("state", "CA"), ("state", "NV"), ("sort", "name"), ("sort", "-name"),
                         ("city", " "), ("tag", "vip")]) == {
        "state": ["CA", "NV"], "sort": "-name", "tag": ["vip"]}
    t = factory.tenant()
    ca, nv = (factory.customer(t, state=s)["id"] for s in ("CA", "NV"))
    factory.customer(t, state="OR")
    assert _ids(client, t, state=["CA", "NV"]) == {ca, nv}  # the API
    view = client.post("/api/v1/views", headers=t.headers,
                       json={"name": "West", "query": "state=CA&state=NV"})
    assert view.status_code == 201, view.text
    assert view.json()["query"] == "state=CA&state=NV"


def test_a_list_filter_takes_at_most_a_hundred_values(client, factory):
    """Issue 12 (bad input): 1,000 `state=` values took 9.6 s and 30 MB of page."""
    from tests.test_admin import _login

    t = factory.tenant()
    many = [("state", f"S{n}") for n in range(1_000)]
    response = client.get("/api/v1/customers", params=many, headers=t.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "/state"
    assert "at most 100" in response.json()["errors"][0]["detail"]
    ids = client.get("/api/v1/customers", headers=t.headers,
                     params={"id": ",".join(str(n) for n in range(1, 1_002))})
    assert ids.status_code == 422
    assert _login(client, t).status_code == 303
    page = client.get("/customers", params=many)
    assert page.status_code < 500 and "at most 100" in page.text
    assert len(page.text) < 200_000
