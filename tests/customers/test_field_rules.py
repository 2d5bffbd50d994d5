"""The customer field rules, one by one, through every door that writes a customer: what is
required of each type, which references a workspace may use, who is a duplicate, and the
names a customer is shown and sorted by."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from patronage.customers.models import Customer
from patronage.customers.writes import Actor
from patronage.imports import service as imports
from patronage.settings_lists import service as lists
from patronage.settings_lists.kinds import KINDS
from patronage.tenancy import service as tenancy
from patronage.tenancy.models import User
from tests.factories import csrf_of, problems
from tests.test_admin import _login

UNKNOWN = 2_147_483_647  # the largest id: valid, and nobody's

# field -> (the settings list it points into, the word its error message uses)
REFERENCES = {
    "status_id": ("statuses", "status"),
    "payment_term_id": ("payment-terms", "payment term"),
    "license_type_id": ("license-types", "license type"),
    "master_store_id": ("stores", "store"),
    "sales_rep_id": (None, "team member"),
}

SHOPPER = {"first_name": "Ana", "last_name": "Silva", "email": "ana@example.com",
           "phone": "(415) 555-0134", "address1": "1 Market St", "city": "San Francisco",
           "state": "CA", "zip": "94105"}
REQUIRED = [("business", "company_name")] + [
    (kind, name) for kind in ("registered", "guest") for name in SHOPPER]


def _count(session, tenant_id):
    return session.scalar(select(func.count()).select_from(Customer)
                          .where(Customer.tenant_id == tenant_id))


def _reference_ids(session, t, field):
    """A valid id of ``field`` in workspace ``t``."""
    kind, _ = REFERENCES[field]
    if kind is None:
        return session.scalar(select(User.id).where(User.tenant_id == t.id))
    return t.refs[kind][0]


def _complete(kind):
    if kind == "business":
        return {"type": "business", "company_name": "Green Leaf Market"}
    return {"type": kind, **SHOPPER}


# --- required fields ---------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "name"), REQUIRED)
def test_each_required_field_is_named_when_missing(client, factory, session, kind, name):
    t = factory.tenant()
    body = {k: v for k, v in _complete(kind).items() if k != name}
    response = client.post("/api/v1/customers", headers=t.headers, json=body)
    assert response.status_code == 422
    assert response.json()["errors"] == [{
        "pointer": f"/{name}", "code": "required",
        "detail": f"Required for a {kind} customer."}]
    assert _count(session, t.id) == 0


@pytest.mark.parametrize("kind", ["business", "registered", "guest"])
def test_a_complete_customer_of_each_type_is_added(factory, kind):
    t = factory.tenant()
    assert factory.post(t, _complete(kind))["type"] == kind


def test_an_edit_checks_only_the_required_fields_it_changes(client, factory):
    t = factory.tenant()
    shopper = factory.partial(t, type="registered", email="half@example.com")  # from an event
    url = f"/api/v1/customers/{shopper['id']}"
    ok = client.patch(url, json={"first_name": "Half", "last_name": "Way"},
                      headers={**t.headers, "If-Match": '"1"'})
    assert ok.status_code == 200, ok.text  # the missing address is not this edit's business
    refused = client.patch(url, json={"last_name": "", "notes": "x"},
                           headers={**t.headers, "If-Match": '"2"'})
    assert refused.status_code == 422  # but it may not clear a name it had
    assert [(e["pointer"], e["code"]) for e in refused.json()["errors"]] == [
        ("/last_name", "required")]
    retyped = client.patch(url, json={"type": "guest"}, headers={**t.headers, "If-Match": '"2"'})
    assert retyped.status_code == 422  # a new type asks for everything that type needs
    assert [e["pointer"] for e in retyped.json()["errors"]] == [
        "/phone", "/address1", "/city", "/state", "/zip"]


def test_customers_from_events_need_no_by_hand_fields(factory):
    t = factory.tenant()
    assert factory.partial(t, type="guest", phone="415 555 0100")["phone"] == "+14155550100"


# --- references --------------------------------------------------------------------------

def _foreign(session, factory, field):
    """An id that exists for ``field``, in another workspace."""
    other = factory.tenant()
    return _reference_ids(session, other, field)


@pytest.mark.parametrize("field", list(REFERENCES))
@pytest.mark.parametrize("whose", ["unknown", "another workspace's"])
def test_api_refuses_a_reference_outside_the_workspace(client, factory, session, field, whose):
    t = factory.tenant()
    ref = UNKNOWN if whose == "unknown" else _foreign(session, factory, field)
    label = REFERENCES[field][1]
    expected = [{"pointer": f"/{field}", "code": "unknown_reference",
                 "detail": f"No {label} with id {ref} in this tenant."}]
    created = client.post("/api/v1/customers", headers=t.headers,
                          json={**_complete("business"), field: ref})
    assert created.status_code == 422
    assert created.json()["errors"] == expected
    assert _count(session, t.id) == 0
    mine = factory.customer(t)
    patched = client.patch(f"/api/v1/customers/{mine['id']}", json={field: ref},
                           headers={**t.headers, "If-Match": '"1"'})
    assert patched.status_code == 422
    assert patched.json()["errors"] == expected


@pytest.mark.parametrize("field", list(REFERENCES))
def test_api_accepts_each_reference_of_the_workspace(client, factory, session, field):
    t = factory.tenant()
    ref = _reference_ids(session, t, field)
    assert factory.customer(t, **{field: ref})[field] == ref


def test_every_bad_reference_is_reported_at_once(client, factory, session):
    t = factory.tenant()
    others = [f for f in REFERENCES if f != "status_id"]
    response = client.post("/api/v1/customers", headers=t.headers, json={
        **_complete("business"), **dict.fromkeys(others, UNKNOWN)})
    assert response.status_code == 422
    assert sorted(e["pointer"] for e in response.json()["errors"]) == sorted(
        f"/{f}" for f in others)


@pytest.mark.parametrize("field", list(REFERENCES))
def test_events_take_only_the_workspaces_references(client, factory, session, field):
    t = factory.tenant()

    def login_naming(ref):
        return client.post("/api/v1/events", headers=t.headers, json={
            "type": "shopper.logged_in", "occurred_at": "2026-01-01T00:00:00Z",
            "customer": {"email": "a@example.com", field: ref}})

    foreign = _foreign(session, factory, field)
    refused = login_naming(foreign)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{
        "pointer": f"/customer/{field}", "code": "unknown_reference",
        "detail": f"No {REFERENCES[field][1]} with id {foreign} in this tenant."}]
    assert _count(session, t.id) == 0
    mine = _reference_ids(session, t, field)
    accepted = login_naming(mine)
    assert accepted.status_code == 201, accepted.text
    cid = accepted.json()["customer_id"]
    assert client.get(f"/api/v1/customers/{cid}", headers=t.headers).json()[field] == mine


IMPORT_COLUMNS = {"status_id": ("Status", "statuses"),
                  "payment_term_id": ("Payment terms", "payment-terms"),
                  "license_type_id": ("License type", "license-types"),
                  "master_store_id": ("Master store", "stores"),
                  "sales_rep_id": ("Sales rep", None)}


@pytest.mark.parametrize("field", list(REFERENCES))
def test_imports_refuse_a_reference_outside_the_workspace(factory, session, field):
    t, other = factory.tenant(), factory.tenant()
    header, kind = IMPORT_COLUMNS[field]
    if kind is None:
        theirs = "rep@elsewhere.example"
        tenancy.create_user(session, tenant_id=other.id, email=theirs, role="sales_rep",
                            password="correct horse battery")
    else:
        theirs = "Only Elsewhere"
        body = {"name": theirs} | ({"code": "elsewhere"} if kind == "stores" else {})
        lists.create_item(session, KINDS[kind], tenant_id=other.id,
                          data=KINDS[kind].create.model_validate(body))
    csv = f"Company,Email,{header}\nLeaf Co,leaf@example.com,{theirs}\n"
    actor = Actor(tenancy.authenticate_token(session, t.token), "import")
    report = imports.run(session, actor, io.BytesIO(csv.encode()), dry_run=False)
    assert (report.created, report.rejected) == (0, 1)
    (error,) = report.errors
    assert (error["line"], error["column"]) == (2, header)
    assert f"'{theirs}' is not a" in error["message"]
    assert _count(session, t.id) == 0


@pytest.mark.parametrize("field", list(REFERENCES))
def test_admin_form_refuses_another_workspaces_reference(client, factory, session, field):
    t = factory.tenant()
    assert _login(client, t).status_code == 303
    ref = _foreign(session, factory, field)
    form = client.get("/customers/new")
    response = client.post("/customers/new", data={
        "csrf_token": csrf_of(form.text), "type": "business", "company_name": "Leaf Co",
        field: str(ref)})
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.text
    assert f"No {REFERENCES[field][1]} with id {ref} in this tenant." in response.text
    assert 'value="Leaf Co"' in response.text  # nothing typed is lost
    assert _count(session, t.id) == 0


# --- uniqueness --------------------------------------------------------------------------

def test_businesses_without_a_license_are_not_duplicates(factory):
    t = factory.tenant()
    first = factory.post(t, {"type": "business", "company_name": "No License A"})
    second = factory.post(t, {"type": "business", "company_name": "No License B"})
    assert first["id"] != second["id"]


def test_a_shoppers_license_never_conflicts(factory):
    t = factory.tenant()
    business = factory.customer(t, license_number="CA-55")
    shopper = factory.shopper(t, license_number="ca 55")  # a shopper's own license
    other = factory.shopper(t, license_number="CA-55")
    assert len({business["id"], shopper["id"], other["id"]}) == 3


def test_a_business_may_share_a_license_with_a_shopper(factory):
    t = factory.tenant()
    factory.shopper(t, license_number="CA-56")
    assert factory.customer(t, license_number="CA-56")["license_number"] == "CA-56"


def test_a_duplicate_external_id_is_409_for_any_type(client, factory):
    t = factory.tenant()
    first = factory.shopper(t, first_name="Ann", last_name="Lee", external_id="shop-1")
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "Copycat", "external_id": "shop-1"})
    assert response.status_code == 409
    problem = response.json()
    assert problem["detail"] == (f"Customer #{first['id']} (Ann Lee) already has "
                                 "external id shop-1.")
    assert problem["errors"] == [{
        "pointer": "/external_id", "code": "duplicate_external_id",
        "detail": f"Already used by customer #{first['id']} (Ann Lee)."}]
    assert problem["conflicting_customer_id"] == first["id"]


def test_an_edit_keeping_its_own_keys_is_no_conflict(client, factory):
    t = factory.tenant()
    mine = factory.customer(t, license_number="CA-58", external_id="erp-58")
    response = client.patch(f"/api/v1/customers/{mine['id']}", headers={
        **t.headers, "If-Match": '"1"'}, json={"license_number": "ca-58", "external_id": "erp-58",
                                              "notes": "same keys"})
    assert response.status_code == 200, response.text


def test_an_edit_to_another_customers_external_id_is_409(client, factory):
    t = factory.tenant()
    first = factory.customer(t, external_id="erp-59")
    second = factory.customer(t)
    response = client.patch(f"/api/v1/customers/{second['id']}", json={"external_id": "erp-59"},
                            headers={**t.headers, "If-Match": '"1"'})
    assert response.status_code == 409
    assert response.json()["conflicting_customer_id"] == first["id"]


# --- names -------------------------------------------------------------------------------

@pytest.mark.parametrize(("fields", "display", "sort"), [
    ({"company_name": "Acme Co", "first_name": "Ann", "last_name": "Lee"}, "Acme Co", "acme co"),
    ({"first_name": "Ann", "last_name": "Lee"}, "Ann Lee", "ann lee"),
    ({"first_name": "Ann"}, "Ann", "ann"),
    ({"last_name": "Lee"}, "Lee", "lee"),
    ({"email": "Ann@Example.com"}, "Ann@example.com", "ann@example.com"),
    ({"phone": "415 555 0134"}, "+14155550134", "+14155550134"),
    ({"email": "ann@example.com", "phone": "415 555 0134"}, "ann@example.com", "ann@example.com"),
])
def test_display_and_sort_names(client, factory, session, fields, display, sort):
    t = factory.tenant()
    made = factory.partial(t, type="guest", **fields)
    assert made["display_name"] == display
    assert session.get(Customer, made["id"]).sort_name == sort


# --- limits ------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "limit"), [
    ("external_id", 100), ("company_name", 200), ("first_name", 100), ("last_name", 100),
    ("address1", 200), ("address2", 200), ("city", 100), ("state", 50), ("zip", 20),
    ("membership_id", 100), ("shopper_level", 50), ("notes", 10_000)])
def test_text_fields_at_and_past_their_length(client, factory, name, limit):
    t = factory.tenant()
    body = _complete("business")
    if name in ("state", "zip"):  # a US address has USPS rules (test_us_addresses_*)
        body["country"] = "GB"
    at = factory.post(t, {**body, name: "x" * limit})
    assert at[name] == "x" * limit
    past = client.post("/api/v1/customers", headers=t.headers,
                       json={**body, name: "x" * (limit + 1)})
    assert problems(past) == [(f"/{name}", "string_too_long")]


@pytest.mark.parametrize(("value", "problem"), [
    (0, None), (2_147_483_647, None),
    (-1, ("/point_balance", "greater_than_equal")),
    (2_147_483_648, ("/point_balance", "less_than_equal"))])
def test_point_balance_bounds(client, factory, value, problem):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers,
                           json={**_complete("business"), "point_balance": value})
    if problem is None:
        assert response.status_code == 201 and response.json()["point_balance"] == value
    else:
        assert problems(response) == [problem]


def test_tags_at_and_past_their_limits(client, factory):
    t = factory.tenant()
    body = _complete("business")
    many = [f"t{n}" for n in range(50)]
    assert len(factory.post(t, {**body, "tags": many})["tags"]) == 50
    assert factory.post(t, {**body, "tags": ["x" * 50]})["tags"] == ["x" * 50]
    too_many = client.post("/api/v1/customers", headers=t.headers,
                           json={**body, "tags": [*many, "one more"]})
    assert problems(too_many) == [("/tags", "too_long")]
    too_long = client.post("/api/v1/customers", headers=t.headers,
                           json={**body, "tags": ["x" * 51]})
    assert problems(too_long) == [("/tags/0", "string_too_long")]


@pytest.mark.parametrize(("given", "stored", "problem"), [
    ({"state": "ca", "zip": "94105"}, {"state": "CA", "zip": "94105"}, None),
    ({"state": "California", "zip": "941051234"}, {"state": "CA", "zip": "94105-1234"}, None),
    ({"state": "DC", "zip": "20001-0001"}, {"state": "DC", "zip": "20001-0001"}, None),
    ({"state": "AE", "zip": "09001"}, {"state": "AE"}, None),
    ({"state": "ZZ"}, None, ("/state", "invalid_state")),
    ({"zip": "9"}, None, ("/zip", "invalid_zip")),
    ({"zip": "94105-12"}, None, ("/zip", "invalid_zip")),
    ({"state": "Ontario", "zip": "K1A 0B1", "country": "CA"},
     {"state": "Ontario", "zip": "K1A 0B1"}, None),
])
def test_us_addresses_have_a_state_code_and_a_zip(client, factory, given, stored, problem):
    """Issue 16, 5: a US address (or one without a country in a US workspace) has a USPS
    state code and a ZIP or ZIP+4, written in their usual form; other countries' as typed."""
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers,
                           json={**_complete("business"), **given})
    if problem is None:
        assert response.status_code == 201, response.text
        assert {k: response.json()[k] for k in stored} == stored
    else:
        assert problems(response) == [problem]


def test_a_change_of_state_follows_the_stored_country(client, factory):
    t = factory.tenant()
    made = factory.post(t, {**_complete("business"), "country": "CA", "state": "Ontario"})
    changed = client.patch(f"/api/v1/customers/{made['id']}", json={"state": "ON"},
                           headers={**t.headers, "If-Match": f'"{made["version"]}"'})
    assert changed.status_code == 200, changed.text  # a Canadian address: kept as typed
    us = factory.post(t, {**_complete("business"), "country": "US", "state": "CA"})
    refused = client.patch(f"/api/v1/customers/{us['id']}", json={"state": "Kalifornia"},
                           headers={**t.headers, "If-Match": f'"{us["version"]}"'})
    assert problems(refused) == [("/state", "invalid_state")]  # no sound-alike guesses


def test_a_bad_state_is_named_with_the_schemas_problems(client, factory):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        **_complete("business"), "email": "nope", "state": "ZZ"})
    found = problems(response)
    assert ("/state", "invalid_state") in found and any(p == "/email" for p, _ in found)
