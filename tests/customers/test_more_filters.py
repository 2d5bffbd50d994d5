"""Issue 16, 6: every field can be found — risk and shopper level, country, membership ID,
age-limited, birthday (a month, or the next N days, any year), license expiry (a range, or
within N days), ids; `total_spent_min/_max` with `spent_min/_max` still read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest


def _ids(client, t, **params):
    response = client.get("/api/v1/customers", headers=t.headers, params=params)
    assert response.status_code == 200, response.text
    return sorted(c["id"] for c in response.json()["items"])


@pytest.fixture
def crowd(factory):
    t = factory.tenant()
    today = date.today()
    soon = today + timedelta(days=10)
    made = {
        "high": factory.customer(t, risk_level="high", country="CA", shopper_level="Gold",
                                 membership_id="M-1", allow_age_limited_products=True,
                                 birthday=soon.replace(year=1990).isoformat()
                                 if not (soon.month == 2 and soon.day == 29) else "1990-03-01",
                                 license_expires_on=soon.isoformat()),
        "low": factory.customer(t, risk_level="low", country="US", shopper_level="silver",
                                membership_id="M-2",
                                birthday=(today + timedelta(days=100)).replace(
                                    year=1985).isoformat() if not (
                                    (today + timedelta(days=100)).month == 2
                                    and (today + timedelta(days=100)).day == 29)
                                else "1985-03-01",
                                license_expires_on=(today + timedelta(days=400)).isoformat()),
        "plain": factory.customer(t),
    }
    return t, {k: v["id"] for k, v in made.items()}, soon


def test_each_new_filter_finds_its_customers(client, crowd):
    t, ids, soon = crowd
    assert _ids(client, t, risk_level="high,medium") == [ids["high"]]
    assert _ids(client, t, shopper_level="GOLD") == [ids["high"]]
    assert _ids(client, t, country="ca") == [ids["high"]]
    assert _ids(client, t, membership_id="M-2") == [ids["low"]]
    assert _ids(client, t, age_limited="true") == [ids["high"]]
    assert ids["high"] not in _ids(client, t, age_limited="false")
    later = date.today() + timedelta(days=100)
    same_month = later.month == soon.month  # the other's birthday falls in it too
    assert _ids(client, t, birthday_month=soon.month) == sorted(
        [ids["high"], *([ids["low"]] if same_month else [])])
    assert _ids(client, t, birthday_month=later.month) == sorted(
        [ids["low"], *([ids["high"]] if same_month else [])])
    assert _ids(client, t, birthday_within=30) == [ids["high"]]
    assert _ids(client, t, license_expires_within=30) == [ids["high"]]
    assert _ids(client, t, license_expires_from=soon.isoformat(),
                license_expires_to=soon.isoformat()) == [ids["high"]]
    assert _ids(client, t, id=f"{ids['low']},{ids['plain']}") == [ids["low"], ids["plain"]]


def test_spent_bounds_keep_their_old_names(client, factory):
    t = factory.tenant()
    factory.customer(t)
    assert _ids(client, t, total_spent_min="1") == []
    assert _ids(client, t, spent_min="1") == []
    assert len(_ids(client, t, spent_max="1")) == 1


@pytest.mark.parametrize(("params", "pointer"), [
    ({"risk_level": "extreme"}, "/risk_level/0"), ({"country": "USA"}, "/country/0"),
    ({"birthday_month": "13"}, "/birthday_month"),
    ({"license_expires_within": "-1"}, "/license_expires_within")])
def test_bad_values_are_named(client, factory, params, pointer):
    t = factory.tenant()
    response = client.get("/api/v1/customers", headers=t.headers, params=params)
    assert response.status_code == 422
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
