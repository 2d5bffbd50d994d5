"""Settings → Team and API tokens (issue 12): admins add members (a password shown once),
change roles, remove members (their sessions and tokens stop at once), issue tokens (the
secret shown once) and revoke them; every refusal is an inline message that changes
nothing; everyone else is refused the page."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from patronage.tenancy.models import ApiToken, User
from tests.factories import csrf_of
from tests.tenancy.test_sessions import _works
from tests.test_admin import _login


def _team(client, t):  # type: ignore[no-untyped-def]
    assert _login(client, t).status_code == 303
    page = client.get("/settings/team")
    assert page.status_code == 200
    return page


def _post(client, path, data):  # type: ignore[no-untyped-def]
    csrf = csrf_of(client.get("/settings/team").text)
    return client.post(path, data={**data, "csrf_token": csrf}, follow_redirects=False)


def _secret(page: str) -> str:
    found = re.search(r'<code class="secret-value">([^<]+)</code>', page)
    assert found, page[:2000]
    return found.group(1)


def _members(session, t):  # type: ignore[no-untyped-def]
    session.expire_all()
    return {u.email: u for u in session.scalars(select(User).where(User.tenant_id == t.id))}


def test_an_admin_adds_a_member_who_signs_in_with_the_password_shown_once(app, client,
                                                                         factory, session):
    t = factory.tenant()
    _team(client, t)
    added = _post(client, "/settings/team/members", {
        "name": "Sam Rep", "email": "Sam@Example.COM", "role": "sales_rep"})
    assert added.status_code == 201
    assert "Sam Rep was added as sales rep." in added.text
    password = _secret(added.text)
    assert "sam@example.com" in _members(session, t)
    assert password not in client.get("/settings/team").text  # shown once, never again
    with TestClient(app) as browser:
        form = browser.get("/login")
        signed = browser.post("/login", data={
            "workspace": t.slug, "email": "sam@example.com", "password": password,
            "csrf_token": csrf_of(form.text)}, follow_redirects=False)
        assert signed.status_code == 303
        assert browser.get("/settings/team").status_code == 403  # a sales rep: not theirs


def test_a_bad_or_taken_email_is_an_inline_message_and_adds_no_one(client, factory, session):
    t = factory.tenant()
    _team(client, t)
    before = len(_members(session, t))
    bad = _post(client, "/settings/team/members", {"name": "X", "email": "not-an-email",
                                                   "role": "viewer"})
    assert bad.status_code == 422
    assert 'aria-invalid="true" aria-describedby="member-email-error"' in bad.text
    taken = _post(client, "/settings/team/members", {"name": "Again", "email": t.email,
                                                     "role": "viewer"})
    assert taken.status_code == 409 and "already" in taken.text
    empty = _post(client, "/settings/team/members", {"name": "", "email": "a@b.example",
                                                     "role": "owner"})
    assert empty.status_code == 422
    assert 'id="member-name-error"' in empty.text and 'id="member-role-error"' in empty.text
    assert len(_members(session, t)) == before


def test_roles_change_but_the_workspace_keeps_an_admin(client, factory, session):
    t = factory.tenant()
    _team(client, t)
    added = _post(client, "/settings/team/members", {"name": "Vi Ewer", "email":
                                                     "vi@example.com", "role": "viewer"})
    assert added.status_code == 201
    vi = _members(session, t)["vi@example.com"]
    changed = _post(client, f"/settings/team/members/{vi.id}/role", {"role": "admin"})
    assert changed.status_code == 303
    assert "Vi Ewer is now admin." in client.get("/settings/team").text
    assert _members(session, t)["vi@example.com"].role == "admin"
    bogus = _post(client, f"/settings/team/members/{vi.id}/role", {"role": "owner"})
    assert bogus.status_code == 422
    me = _members(session, t)[t.email]
    _post(client, f"/settings/team/members/{vi.id}/role", {"role": "viewer"})
    refused = _post(client, f"/settings/team/members/{me.id}/role", {"role": "viewer"})
    assert refused.status_code == 303
    assert "keeps at least one admin" in client.get("/settings/team").text
    assert _members(session, t)[t.email].role == "admin"


def test_removing_a_member_ends_their_sessions_and_tokens_at_once(app, client, factory,
                                                                 session):
    t = factory.tenant()
    _team(client, t)
    added = _post(client, "/settings/team/members", {"name": "Leaving Soon", "email":
                                                     "leaving@example.com", "role": "admin"})
    password = _secret(added.text)
    leaving = _members(session, t)["leaving@example.com"]
    issued = _post(client, "/settings/team/tokens", {"name": "Their feed",
                                                     "user_id": str(leaving.id)})
    token = _secret(issued.text)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 200
    with TestClient(app) as browser:  # they sign in with the password they were given
        form = browser.get("/login")
        assert browser.post("/login", data={"workspace": t.slug, "email": leaving.email,
                                            "password": password,
                                            "csrf_token": csrf_of(form.text)},
                            follow_redirects=False).status_code == 303
        cookie = browser.cookies["patronage_session"]
    assert _works(app, cookie)
    removed = _post(client, f"/settings/team/members/{leaving.id}/remove", {})
    assert removed.status_code == 303
    assert not _works(app, cookie)
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401
    page = client.get("/settings/team").text
    assert "removed" in page and "Leaving Soon" in page  # the name stays


def test_a_token_is_shown_once_works_and_stops_when_revoked(client, factory, session):
    t = factory.tenant()
    _team(client, t)
    issued = _post(client, "/settings/team/tokens", {"name": "Storefront", "user_id": "",
                                                     "expires_on": "2099-12-31"})
    assert issued.status_code == 201 and "Token “Storefront” was created." in issued.text
    token = _secret(issued.text)
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/customers", headers=bearer).status_code == 200
    page = client.get("/settings/team").text
    assert token not in page and "Storefront" in page and "Dec 31, 2099" in page
    made = session.scalar(select(ApiToken).where(ApiToken.tenant_id == t.id,
                                                 ApiToken.label == "Storefront"))
    assert _post(client, f"/settings/team/tokens/{made.id}/revoke", {}).status_code == 303
    assert client.get("/api/v1/customers", headers=bearer).status_code == 401
    assert "revoked" in client.get("/settings/team").text


def test_a_bad_token_form_is_an_inline_message_and_issues_nothing(client, factory, session):
    t = factory.tenant()
    _team(client, t)
    count = select(func.count()).select_from(ApiToken).where(ApiToken.tenant_id == t.id)
    before = session.scalar(count)
    past = _post(client, "/settings/team/tokens", {"name": "Old", "expires_on": "2001-01-01"})
    assert past.status_code == 422 and 'id="token-expires_on-error"' in past.text
    garbled = _post(client, "/settings/team/tokens", {"name": "X", "expires_on": "soon"})
    assert garbled.status_code == 422 and "Give a date like" in garbled.text
    unnamed = _post(client, "/settings/team/tokens", {"name": "  "})
    assert unnamed.status_code == 422 and 'id="token-name-error"' in unnamed.text
    assert session.scalar(count) == before


def test_only_admins_reach_the_page_and_every_form_needs_its_csrf_token(client, factory):
    t = factory.tenant()
    headers = factory.member(t, "sales_rep")  # a member exists; sign in as the admin
    assert headers
    _team(client, t)
    forged = client.post("/settings/team/members", data={
        "name": "Forged", "email": "forged@example.com", "role": "admin"},
        follow_redirects=False)
    assert forged.status_code == 403
    assert "forged@example.com" not in client.get("/settings/team").text
