"""What each role may edit: admins every customer, viewers none, and sales reps every
customer or — when the workspace says so — only the customers assigned to them, at every
door (PATCH, register, bulk edits, the admin's edit form)."""

from __future__ import annotations

from sqlalchemy import select

from patronage.tenancy.models import User
from tests.factories import PASSWORD, csrf_of


def _rep(factory, session, t):
    headers = factory.member(t, "sales_rep")
    rep_id = session.scalar(select(User.id).where(User.tenant_id == t.id,
                                                  User.role == "sales_rep")
                            .order_by(User.id.desc()))
    session.rollback()
    return headers, rep_id


def _patch(client, headers, cid):
    return client.patch(f"/api/v1/customers/{cid}", json={"notes": "visited"},
                        headers={**headers, "If-Match": "*"})


def test_by_default_a_rep_edits_every_customer(client, factory, session):
    t = factory.tenant()
    rep, _ = _rep(factory, session, t)
    other = factory.customer(t)
    assert _patch(client, rep, other["id"]).status_code == 200


def test_kept_to_their_own_a_rep_edits_only_those(client, factory, session):
    t = factory.tenant()
    rep, rep_id = _rep(factory, session, t)
    mine = factory.customer(t, sales_rep_id=rep_id)
    other = factory.customer(t)
    assert client.put("/api/v1/settings/permissions", json={"rep_edit_scope": "own"},
                      headers=t.headers).status_code == 200
    assert _patch(client, rep, mine["id"]).status_code == 200
    refused = _patch(client, rep, other["id"])
    assert refused.status_code == 403 and "not assigned to you" in refused.json()["detail"]
    assert client.get(f"/api/v1/customers/{other['id']}", headers=rep).json()["notes"] is None
    assert _patch(client, t.headers, other["id"]).status_code == 200  # admins: all
    viewer = factory.member(t, "viewer")
    assert _patch(client, viewer, mine["id"]).status_code == 403


def test_a_reps_bulk_edit_reaches_only_their_own_when_kept_to_them(client, factory, session):
    t = factory.tenant()
    rep, rep_id = _rep(factory, session, t)
    mine = [factory.customer(t, sales_rep_id=rep_id)["id"] for _ in range(2)]
    others = [factory.customer(t)["id"] for _ in range(3)]
    client.put("/api/v1/settings/permissions", json={"rep_edit_scope": "own"},
               headers=t.headers)
    r = client.post("/api/v1/customers:bulk", headers=rep, json={
        "action": "add_tags", "tags": ["visited"], "ids": mine + others})
    assert r.status_code == 200, r.text
    assert (r.json()["matched"], r.json()["changed"]) == (2, 2)
    tagged = client.get("/api/v1/customers", params={"tag": "visited"},
                        headers=t.headers).json()["items"]
    assert sorted(c["id"] for c in tagged) == sorted(mine)


def test_the_admin_edit_form_and_register_follow_the_scope(client, factory, session):
    t = factory.tenant()
    _rep_headers, rep_id = _rep(factory, session, t)
    email = session.scalar(select(User.email).where(User.tenant_id == t.id, User.id == rep_id))
    session.rollback()
    client.put("/api/v1/settings/permissions", json={"rep_edit_scope": "own"},
               headers=t.headers)
    other = factory.customer(t)
    mine = factory.customer(t, sales_rep_id=rep_id)
    page = client.get("/login")
    client.post("/login", data={"workspace": t.slug, "email": email,
                                "password": PASSWORD,
                                "csrf_token": csrf_of(page.text)})
    assert client.get(f"/customers/{other['id']}/edit").status_code == 403
    assert client.get(f"/customers/{mine['id']}/edit").status_code == 200
    overview = client.get(f"/customers/{other['id']}").text
    assert f"/customers/{other['id']}/edit" not in overview
    assert f"/customers/{mine['id']}/edit" in client.get(f"/customers/{mine['id']}").text
