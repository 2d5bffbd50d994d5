"""Editing and deleting: the ETag rule and the audit trail."""

from tests.factories import problems


def _get(client, t, cid):
    return client.get(f"/api/v1/customers/{cid}", headers=t.headers)


def test_read_returns_etag_of_the_version(client, factory):
    t = factory.tenant()
    c = factory.customer(t)
    response = _get(client, t, c["id"])
    assert response.status_code == 200
    assert response.headers["ETag"] == f'"{c["version"]}"'


def test_patch_without_if_match_is_428_and_changes_nothing(client, factory):
    t = factory.tenant()
    c = factory.customer(t, company_name="Before")
    response = client.patch(f"/api/v1/customers/{c['id']}", headers=t.headers,
                            json={"company_name": "After"})
    assert response.status_code == 428
    assert response.json()["code"] == "if_match_required"
    assert _get(client, t, c["id"]).json()["company_name"] == "Before"


def test_stale_etag_is_refused_with_412_and_changes_nothing(client, factory):
    t = factory.tenant()
    c = factory.customer(t, company_name="Before")
    ok = client.patch(f"/api/v1/customers/{c['id']}", headers={**t.headers, "If-Match": '"1"'},
                      json={"notes": "first edit"})
    assert ok.status_code == 200
    assert ok.headers["ETag"] == '"2"'
    stale = client.patch(f"/api/v1/customers/{c['id']}",
                         headers={**t.headers, "If-Match": '"1"'},
                         json={"company_name": "Overwritten"})
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    after = _get(client, t, c["id"]).json()
    assert after["company_name"] == "Before"
    assert after["version"] == 2


def test_weak_etag_form_is_accepted(client, factory):
    t = factory.tenant()
    c = factory.customer(t)
    response = client.patch(f"/api/v1/customers/{c['id']}",
                            headers={**t.headers, "If-Match": 'W/"1"'}, json={"city": "Reno"})
    assert response.status_code == 200
    assert response.json()["city"] == "Reno"


def test_each_changed_field_is_audited_with_old_and_new(client, factory):
    t = factory.tenant()
    c = factory.customer(t, company_name="Old Name", city="Denver")
    response = client.patch(f"/api/v1/customers/{c['id']}",
                            headers={**t.headers, "If-Match": '"1"'},
                            json={"company_name": "New Name", "city": "Denver",
                                  "tags": ["vip"]})
    assert response.status_code == 200
    history = client.get(f"/api/v1/customers/{c['id']}/history", headers=t.headers).json()
    changes = {e["field"]: (e["old"], e["new"]) for e in history["items"]
               if e["action"] == "updated"}
    assert changes == {"company_name": ("Old Name", "New Name"), "tags": ([], ["vip"])}
    newest = history["items"][0]
    assert newest["actor"] == t.email and newest["source"] == "api" and newest["at"]
    assert history["items"][-1]["action"] == "created"


def test_patch_that_changes_nothing_keeps_the_version(client, factory):
    t = factory.tenant()
    c = factory.customer(t, city="Denver")
    response = client.patch(f"/api/v1/customers/{c['id']}",
                            headers={**t.headers, "If-Match": '"1"'}, json={"city": "Denver"})
    assert response.status_code == 200
    assert response.json()["version"] == 1


def test_invalid_patch_changes_nothing(client, factory):
    t = factory.tenant()
    c = factory.customer(t, company_name="Keep")
    response = client.patch(f"/api/v1/customers/{c['id']}",
                            headers={**t.headers, "If-Match": '"1"'},
                            json={"company_name": "Changed", "email": "nope"})
    assert problems(response) == [("/email", "invalid_email")]
    assert _get(client, t, c["id"]).json()["company_name"] == "Keep"


def test_clearing_a_required_field_is_refused(client, factory):
    t = factory.tenant()
    c = factory.customer(t)
    response = client.patch(f"/api/v1/customers/{c['id']}",
                            headers={**t.headers, "If-Match": '"1"'},
                            json={"company_name": None})
    assert problems(response) == [("/company_name", "required")]


def test_patch_to_a_license_held_by_another_is_409(client, factory):
    t = factory.tenant()
    factory.customer(t, license_number="WA-55")
    c = factory.customer(t, license_number="WA-56")
    response = client.patch(f"/api/v1/customers/{c['id']}",
                            headers={**t.headers, "If-Match": '"1"'},
                            json={"license_number": "wa 55"})
    assert response.status_code == 409


def test_delete_removes_the_customer_but_keeps_the_trail(client, factory, session):
    from sqlalchemy import select

    from patronage.customers.models import AuditEntry

    t = factory.tenant()
    c = factory.customer(t, company_name="Gone Co")
    response = client.delete(f"/api/v1/customers/{c['id']}", headers=t.headers)
    assert response.status_code == 204
    assert _get(client, t, c["id"]).status_code == 404
    actions = session.scalars(select(AuditEntry.action).where(
        AuditEntry.tenant_id == t.id, AuditEntry.customer_id == c["id"])).all()
    assert sorted(actions) == ["created", "deleted"]


def test_delete_with_stale_if_match_is_refused(client, factory):
    t = factory.tenant()
    c = factory.customer(t)
    response = client.delete(f"/api/v1/customers/{c['id']}",
                             headers={**t.headers, "If-Match": '"7"'})
    assert response.status_code == 412
    assert _get(client, t, c["id"]).status_code == 200


def test_list_is_newest_first_with_cursor_and_total(client, factory):
    t = factory.tenant()
    ids = [factory.customer(t)["id"] for _ in range(5)]
    first = client.get("/api/v1/customers?limit=2", headers=t.headers).json()
    assert first["total"] == 5
    assert [c["id"] for c in first["items"]] == ids[::-1][:2]
    seen = [c["id"] for c in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        page = client.get("/api/v1/customers", params={"limit": 2, "cursor": cursor},
                          headers=t.headers).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ids[::-1]


def test_bad_cursor_and_unknown_parameter_are_422(client, factory):
    t = factory.tenant()
    bad = client.get("/api/v1/customers?cursor=garbage", headers=t.headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["pointer"] == "/cursor"
    unknown = client.get("/api/v1/customers?colour=red", headers=t.headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["code"] == "unknown_parameter"
    too_big = client.get("/api/v1/customers?limit=501", headers=t.headers)
    assert too_big.status_code == 422
