"""Another tenant's ids answer 404, exactly like missing ones, on every route."""

import pytest

from tests.factories import problems


@pytest.fixture
def two(factory):
    a, b = factory.tenant(), factory.tenant()
    return a, b, factory.customer(a, company_name="Alpha Only")


def _same_as_missing(response, missing, their_id):
    """Same status and the same words, once the id itself is blanked out."""
    assert response.status_code == missing.status_code == 404
    theirs = response.json()["detail"].replace(str(their_id), "N")
    assert theirs == missing.json()["detail"].replace("999999999", "N")


@pytest.mark.parametrize("method,suffix,body", [
    ("GET", "", None),
    ("PATCH", "", {"notes": "hijack"}),
    ("DELETE", "", None),
    ("GET", "/history", None),
])
def test_customer_routes_hide_other_tenants(client, two, method, suffix, body):
    a, b, customer = two
    headers = {**b.headers, "If-Match": '"1"'}
    theirs = client.request(method, f"/api/v1/customers/{customer['id']}{suffix}",
                            headers=headers, json=body)
    missing = client.request(method, f"/api/v1/customers/999999999{suffix}", headers=headers,
                             json=body)
    _same_as_missing(theirs, missing, customer["id"])
    still = client.get(f"/api/v1/customers/{customer['id']}", headers=a.headers).json()
    assert still["notes"] is None and still["version"] == 1


def test_list_and_total_never_include_other_tenants(client, two, factory):
    a, b, _ = two
    factory.customer(b, company_name="Beta Only")
    page = client.get("/api/v1/customers", headers=b.headers).json()
    assert page["total"] == 1
    assert [c["company_name"] for c in page["items"]] == ["Beta Only"]


@pytest.mark.parametrize("slug", ["statuses", "payment-terms", "license-types", "stores"])
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_settings_routes_hide_other_tenants(client, two, slug, method):
    a, b, _ = two
    item_id = a.refs[slug][0]
    body = {"name": "Hijacked"} if method == "PATCH" else None
    theirs = client.request(method, f"/api/v1/settings/{slug}/{item_id}", headers=b.headers,
                            json=body)
    missing = client.request(method, f"/api/v1/settings/{slug}/999999999", headers=b.headers,
                             json=body)
    _same_as_missing(theirs, missing, item_id)
    listed = client.get(f"/api/v1/settings/{slug}", headers=b.headers).json()
    assert item_id not in [i["id"] for i in listed]
    assert client.get(f"/api/v1/settings/{slug}/{item_id}", headers=a.headers).json()["name"] \
        != "Hijacked"


def test_team_list_is_per_tenant(client, two):
    a, b, _ = two
    emails = [u["email"] for u in client.get("/api/v1/users", headers=b.headers).json()]
    assert emails == [b.email]


def test_other_tenants_reference_ids_cannot_be_assigned(client, two):
    a, b, _ = two
    response = client.post("/api/v1/customers", headers=b.headers, json={
        "type": "business", "company_name": "X", "master_store_id": a.refs["stores"][0]})
    assert problems(response) == [("/master_store_id", "unknown_reference")]
