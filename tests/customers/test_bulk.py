"""Bulk actions: the list's filters plus one change, set-based, every change audited."""

import pytest

from tests.factories import problems

URL = "/api/v1/customers:bulk"


@pytest.fixture
def shops(factory):
    t = factory.tenant()
    # Licenses without digits, so a search for "shop 4" can only mean Shop 4.
    made = [factory.customer(t, company_name=f"Shop {i}", state="CA" if i < 3 else "OR",
                             license_number=f"LIC-{'ABCDE'[i]}") for i in range(5)]
    other = factory.tenant()
    theirs = factory.customer(other, company_name="Theirs", state="CA")
    return t, made, other, theirs


def _get(client, t, cid):
    return client.get(f"/api/v1/customers/{cid}", headers=t.headers).json()


def test_set_status_on_everything_the_filters_match(client, shops):
    t, made, other, theirs = shops
    lead = t.refs["statuses"][1]
    result = client.post(URL, params={"state": "CA"}, headers=t.headers,
                         json={"action": "set_status", "value": lead})
    assert result.status_code == 200, result.text
    assert result.json() == {"matched": 3, "changed": 3}
    assert [_get(client, t, c["id"])["status_id"] for c in made] == [lead] * 3 + [None] * 2
    assert _get(client, t, made[0]["id"])["version"] == 2
    history = client.get(f"/api/v1/customers/{made[0]['id']}/history",
                         headers=t.headers).json()["items"]
    assert (history[0]["field"], history[0]["old"], history[0]["new"]) == ("status_id", None,
                                                                           lead)
    assert _get(client, other, theirs["id"])["status_id"] is None
    again = client.post(URL, params={"state": "CA"}, headers=t.headers,
                        json={"action": "set_status", "value": lead})
    assert again.json() == {"matched": 3, "changed": 0}


def test_selected_ids_narrow_the_scope(client, shops):
    t, made, _, theirs = shops
    result = client.post(URL, headers=t.headers, json={
        "action": "add_tags", "tags": ["VIP"], "ids": [made[0]["id"], theirs["id"]]})
    assert result.json() == {"matched": 1, "changed": 1}
    assert _get(client, t, made[0]["id"])["tags"] == ["vip"]
    removed = client.post(URL, params={"tag": "vip"}, headers=t.headers,
                          json={"action": "remove_tags", "tags": ["vip"]})
    assert removed.json() == {"matched": 1, "changed": 1}
    assert _get(client, t, made[0]["id"])["tags"] == []


def test_delete_needs_an_admin_and_the_expected_count(client, shops, factory):
    t, made, other, theirs = shops
    rep = factory.member(t, "sales_rep")
    assert client.post(URL, params={"state": "OR"}, headers=rep,
                       json={"action": "delete"}).status_code == 403
    stale = client.post(URL, params={"state": "OR"}, headers=t.headers,
                        json={"action": "delete", "expected": 5})
    assert stale.status_code == 409 and stale.json()["matched"] == 2
    done = client.post(URL, params={"state": "OR"}, headers=t.headers,
                       json={"action": "delete", "expected": 2})
    assert done.json() == {"matched": 2, "changed": 2}
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == 3
    left = client.get("/api/v1/customers", headers=t.headers).json()["items"]
    assert sorted(c["id"] for c in left) == sorted(c["id"] for c in made[:3])
    # Gone from the search index too ("Shop 3" and "Shop 4" were the OR shops).
    found = client.get("/api/v1/customers", params={"q": "shop"}, headers=t.headers).json()
    assert sorted(c["display_name"] for c in found["items"]) == ["Shop 0", "Shop 1", "Shop 2"]
    assert _get(client, other, theirs["id"])["company_name"] == "Theirs"


def test_unknown_reference_and_bad_action_are_422(client, shops):
    t, _, other, _ = shops
    foreign = client.post(URL, headers=t.headers,
                          json={"action": "set_status", "value": other.refs["statuses"][0]})
    assert problems(foreign) == [("/value", "unknown_reference")]
    assert problems(client.post(URL, headers=t.headers, json={"action": "paint"})) == [
        ("/action", "literal_error")]
    assert problems(client.post(URL, headers=t.headers, json={"action": "add_tags"})) == [
        ("/tags", "required")]


def test_search_scopes_a_bulk_change(client, shops):
    t, made, _, _ = shops
    result = client.post(URL, params={"q": "shop 4"}, headers=t.headers,
                         json={"action": "set_payment_terms", "value": t.refs["payment-terms"][0]})
    assert result.json() == {"matched": 1, "changed": 1}


def test_tag_changes_count_customers_and_leave_untouched_ones_alone(client, shops):
    t, made, _, _ = shops
    both = client.post(URL, params={"state": "CA"}, headers=t.headers,
                       json={"action": "add_tags", "tags": ["a", "b"]})
    assert both.json() == {"matched": 3, "changed": 3}
    again = client.post(URL, params={"state": "CA"}, headers=t.headers,
                        json={"action": "add_tags", "tags": ["a", "b"]})
    assert again.json() == {"matched": 3, "changed": 0}
    nobody = client.post(URL, params={"state": "OR"}, headers=t.headers,
                         json={"action": "remove_tags", "tags": ["a"]})
    assert nobody.json() == {"matched": 2, "changed": 0}
    assert _get(client, t, made[4]["id"])["version"] == 1  # no false 412 for its editors
    assert _get(client, t, made[0]["id"])["version"] == 2
