"""Failed sign-ins are throttled per account and per address with growing waits, answered
429 with Retry-After, the same whether the account exists or not (issue 12)."""

from __future__ import annotations

import pytest

from patronage.tenancy import throttle
from tests.test_admin import _login


@pytest.fixture
def clock(monkeypatch):
    """A clock the test moves: no sleeping."""
    state = {"t": 1_000.0}
    monkeypatch.setattr(throttle, "now", lambda: state["t"])
    monkeypatch.setattr(throttle, "SIGN_INS", throttle.Throttle())
    return state


def test_wrong_passwords_wait_longer_and_longer(client, factory, clock):
    t = factory.tenant()
    answers = [_login(client, t, password=f"wrong guess {n}").status_code for n in range(5)]
    assert answers == [401, 401, 401, 401, 401]  # the fifth failure starts the wait
    blocked = _login(client, t)  # even the right password: no guess is checked now
    assert blocked.status_code == 429
    assert blocked.headers["retry-after"] == "2"
    assert "Too many failed sign-ins" in blocked.text
    clock["t"] += 2
    assert _login(client, t, password="wrong again").status_code == 401
    assert _login(client, t).headers["retry-after"] == "4"  # doubled
    clock["t"] += 4
    assert _login(client, t).status_code == 303  # the right one, once the wait is over
    assert _login(client, t, password="wrong after success").status_code == 401  # cleared


def test_unknown_accounts_are_throttled_alike(client, factory, clock):
    t = factory.tenant()
    t.email = "nobody-here@example.com"
    for n in range(5):
        assert _login(client, t, password=f"guess {n}").status_code == 401
    assert _login(client, t).status_code == 429


def test_one_address_guessing_many_accounts_is_slowed(client, factory, clock):
    t = factory.tenant()
    real = t.email
    for n in range(throttle.FREE_PER_ADDRESS):
        t.email = f"spray{n}@example.com"
        _login(client, t, password="Summer2026!")
    t.email = real
    assert _login(client, t).status_code == 429  # a member from the same address waits too
