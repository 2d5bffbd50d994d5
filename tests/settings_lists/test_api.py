"""Settings resources for the tenant-defined lists."""

from tests.factories import problems


def test_status_lifecycle(client, factory):
    t = factory.tenant(with_lists=False)
    created = client.post("/api/v1/settings/statuses", headers=t.headers,
                          json={"name": "Customer", "colour": "#0A7F4F", "position": 1})
    assert created.status_code == 201
    status = created.json()
    assert status["colour"] == "#0a7f4f"
    renamed = client.patch(f"/api/v1/settings/statuses/{status['id']}", headers=t.headers,
                           json={"name": "Active customer"})
    assert renamed.json()["name"] == "Active customer"
    assert [s["name"] for s in client.get("/api/v1/settings/statuses",
                                          headers=t.headers).json()] == ["Active customer"]
    assert client.delete(f"/api/v1/settings/statuses/{status['id']}",
                         headers=t.headers).status_code == 204


def test_license_type_keeps_its_product_categories(client, factory):
    t = factory.tenant(with_lists=False)
    body = client.post("/api/v1/settings/license-types", headers=t.headers,
                       json={"name": "Medical", "product_categories": ["tinctures", "topicals"]})
    assert body.status_code == 201
    assert body.json()["product_categories"] == ["tinctures", "topicals"]


def test_duplicate_name_is_409_in_any_case(client, factory):
    t = factory.tenant(with_lists=False)
    client.post("/api/v1/settings/payment-terms", headers=t.headers, json={"name": "Net 30"})
    again = client.post("/api/v1/settings/payment-terms", headers=t.headers,
                        json={"name": "net 30"})
    assert problems(again, 409) == [("/name", "duplicate")]


def test_bad_colour_and_unknown_field_are_422(client, factory):
    t = factory.tenant(with_lists=False)
    bad = client.post("/api/v1/settings/statuses", headers=t.headers,
                      json={"name": "X", "colour": "green"})
    assert problems(bad) == [("/colour", "string_pattern_mismatch")]
    extra = client.post("/api/v1/settings/stores", headers=t.headers,
                        json={"name": "X", "code": "x", "city": "Reno"})
    assert problems(extra) == [("/city", "unknown_field")]


def test_a_status_in_use_cannot_be_deleted(client, factory):
    t = factory.tenant()
    status_id = t.refs["statuses"][0]
    factory.customer(t, status_id=status_id)
    response = client.delete(f"/api/v1/settings/statuses/{status_id}", headers=t.headers)
    assert response.status_code == 409
    assert response.json()["in_use"] == 1
    assert client.get(f"/api/v1/settings/statuses/{status_id}",
                      headers=t.headers).status_code == 200


def test_an_edit_sending_null_names_leaves_them_as_they_were(client, factory):
    """Found by the stateful API workflows: PATCH {"name": null} was a 500."""
    t = factory.tenant()
    store = t.refs["stores"][0]
    before = client.get(f"/api/v1/settings/stores/{store}", headers=t.headers).json()
    response = client.patch(f"/api/v1/settings/stores/{store}", headers=t.headers,
                            json={"name": None, "code": None})
    assert response.status_code == 200, response.text
    assert response.json() == before
