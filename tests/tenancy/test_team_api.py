"""Members and API tokens managed through the API (issue 12): tokens expire and are revoked
at once; members are added with a one-time password, re-roled and deactivated (sessions
and tokens stop, history keeps their name); a workspace keeps an admin."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update

from patronage.tenancy.models import ApiToken
from tests.factories import csrf_of


def _me(client, headers):
    return client.get("/api/v1/me", headers=headers)


def test_a_token_is_shown_once_and_revoked_at_once(client, factory):
    t = factory.tenant()
    made = client.post("/api/v1/tokens", headers=t.headers, json={"name": "Shop feed"})
    assert made.status_code == 201
    secret = made.json()["token"]
    feed = {"Authorization": f"Bearer {secret}"}
    assert _me(client, feed).status_code == 200
    listed = client.get("/api/v1/tokens", headers=t.headers).json()
    mine = next(x for x in listed if x["id"] == made.json()["id"])
    assert mine["name"] == "Shop feed" and "token" not in mine
    assert mine["last_used_at"] is not None
    assert client.delete(f"/api/v1/tokens/{mine['id']}", headers=t.headers).status_code == 204
    assert _me(client, feed).status_code == 401  # the very next request


def test_a_token_stops_at_its_expiry(client, factory, session):
    t = factory.tenant()
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    made = client.post("/api/v1/tokens", headers=t.headers,
                       json={"name": "Trial", "expires_at": soon}).json()
    feed = {"Authorization": f"Bearer {made['token']}"}
    assert _me(client, feed).status_code == 200
    session.execute(update(ApiToken).where(ApiToken.tenant_id == t.id,
                                           ApiToken.id == made["id"])
                    .values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    session.commit()
    assert _me(client, feed).status_code == 401
    past = client.post("/api/v1/tokens", headers=t.headers,
                       json={"name": "Late", "expires_at": "2020-01-01T00:00:00Z"})
    assert past.status_code == 422


def test_members_are_added_re_roled_and_deactivated(app, client, factory):
    t = factory.tenant()
    added = client.post("/api/v1/users", headers=t.headers, json={
        "email": "Rep@Example.com", "name": "Rita Rep", "role": "sales_rep"})
    assert added.status_code == 201
    member = added.json()
    with TestClient(app) as browser:  # the one-time password signs in
        page = browser.get("/login")
        signed = browser.post("/login", follow_redirects=False, data={
            "workspace": t.slug, "email": "rep@example.com", "password": member["password"],
            "csrf_token": csrf_of(page.text)})
        assert signed.status_code == 303
        assert browser.get("/customers/new", follow_redirects=False).status_code == 200
        token = client.post("/api/v1/tokens", headers=t.headers,
                            json={"name": "Rita's", "user_id": member["id"]}).json()["token"]
        rita = {"Authorization": f"Bearer {token}"}
        assert _me(client, rita).json()["role"] == "sales_rep"
        viewer = client.patch(f"/api/v1/users/{member['id']}", headers=t.headers,
                              json={"role": "viewer"})
        assert viewer.status_code == 200 and viewer.json()["role"] == "viewer"
        # her session ended with the change (she signs in again, as a viewer)
        assert browser.get("/customers/new", follow_redirects=False).status_code == 303
        assert _me(client, rita).json()["role"] == "viewer"
        gone = client.delete(f"/api/v1/users/{member['id']}", headers=t.headers)
        assert gone.status_code == 204
        assert _me(client, rita).status_code == 401
        page = browser.get("/login")
        again = browser.post("/login", data={
            "workspace": t.slug, "email": "rep@example.com", "password": member["password"],
            "csrf_token": csrf_of(page.text)})
        assert again.status_code == 401


def test_a_workspace_keeps_an_admin_and_only_admins_manage_it(client, factory):
    t = factory.tenant()
    me = _me(client, t.headers).json()
    last = client.patch(f"/api/v1/users/{me['user_id']}", headers=t.headers,
                        json={"role": "viewer"})
    assert last.status_code == 409
    assert client.delete(f"/api/v1/users/{me['user_id']}",
                         headers=t.headers).status_code == 409
    rep = factory.member(t, "sales_rep")
    for method, path, body in [("GET", "/api/v1/tokens", None),
                               ("POST", "/api/v1/tokens", {"name": "x"}),
                               ("POST", "/api/v1/users", {"email": "a@b.example", "name": "A",
                                                          "role": "admin"})]:
        assert client.request(method, path, headers=rep, json=body).status_code == 403
