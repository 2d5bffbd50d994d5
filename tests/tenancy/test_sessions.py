"""Admin sessions end when they should (issue 12): a cookie copied before sign-out, a
password change or a role change stops working at once; sessions end after idling and
after their absolute age — without waiting: the clock is moved."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from patronage.settings import get_settings
from patronage.tenancy import service as tenancy
from patronage.tenancy import sessions
from patronage.tenancy.models import User
from tests.factories import csrf_of
from tests.test_admin import _login

COOKIE = "patronage_session"


def _signed_in(app, t):
    """A separate browser signed in as ``t``'s admin: its cookie."""
    with TestClient(app) as browser:
        assert _login(browser, t).status_code == 303
        return browser.cookies[COOKIE]


def _works(app, cookie) -> bool:
    with TestClient(app) as browser:
        browser.cookies.set(COOKIE, cookie)
        return browser.get("/customers", follow_redirects=False).status_code == 200


def _admin_id(session, t):
    return session.scalar(select(User.id).where(User.tenant_id == t.id,
                                                User.email == t.email))


def test_a_cookie_copied_before_sign_out_stops_working(app, client, factory):
    t = factory.tenant()
    copied = _signed_in(app, t)
    assert _works(app, copied)
    with TestClient(app) as browser:
        browser.cookies.set(COOKIE, copied)
        page = browser.get("/customers")
        out = browser.post("/logout", data={"csrf_token": csrf_of(page.text)},
                           follow_redirects=False)
        assert out.status_code == 303
    assert not _works(app, copied)  # the replayed cookie


def test_a_new_password_or_role_ends_every_session(app, factory, session):
    t = factory.tenant()
    laptop, phone = _signed_in(app, t), _signed_in(app, t)
    tenancy.set_password(session, tenant_id=t.id, email=t.email, password="another long one 7")
    assert not _works(app, laptop) and not _works(app, phone)
    t2 = factory.tenant()
    kept = _signed_in(app, t2)
    tenancy.set_role(session, tenant_id=t2.id, user_id=_admin_id(session, t2), role="admin")
    assert _works(app, kept)  # the same role: nothing changes
    tenancy.set_role(session, tenant_id=t2.id, user_id=_admin_id(session, t2), role="viewer")
    assert not _works(app, kept)


@pytest.mark.parametrize("age,idle,works", [
    (60, 60, True),
    (13 * 3600, 13 * 3600, False),  # idle past 12 h
    (15 * 24 * 3600, 60, False),  # seen a minute ago, but signed in 15 days ago
])
def test_sessions_end_when_idle_or_old(app, factory, monkeypatch, age, idle, works):
    t = factory.tenant()
    start = sessions.now()
    with TestClient(app) as browser:
        monkeypatch.setattr(sessions, "now", lambda: start - age)
        assert _login(browser, t).status_code == 303  # signed in ``age`` seconds ago,
        monkeypatch.setattr(sessions, "now", lambda: start - idle)
        browser.get("/customers")  # last seen ``idle`` seconds ago (if it still counted)
        monkeypatch.setattr(sessions, "now", lambda: start)
        answer = browser.get("/customers", follow_redirects=False)
    assert get_settings().session_idle_timeout == 12 * 3600
    assert (answer.status_code == 200) is works
    if not works:
        assert answer.headers["location"].startswith("/login")
