"""Issue 16, 6: every field can be found — risk and shopper level, country, membership ID,
age-limited, birthday (a month, or the next N days, any year; born between two dates),
license expiry (a range, or within N days), ids; `total_spent_min/_max` with
`spent_min/_max` still read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest


def _ids(client, t, **params):
    response = client.get("/api/v1/customers", headers=t.headers, params=params)
    assert response.status_code == 200, response.text
    return sorted(c["id"] for c in response.json()["items"])


@pytest.fixture
def crowd(factory):
    t = factory.tenant()
    today = datetime.now(UTC).date()  # the filters' "today"
    soon, later = today + timedelta(days=10), today + timedelta(days=100)
    # Born in leap years, so a birthday that falls on the 29th of February is kept as it is.
    made = {
        "high": factory.customer(t, risk_level="high", country="CA", shopper_level="Gold",
                                 membership_id="M-1", allow_age_limited_products=True,
                                 birthday=soon.replace(year=1992).isoformat(),
                                 license_expires_on=soon.isoformat()),
        "low": factory.customer(t, risk_level="low", country="US", shopper_level="silver",
                                membership_id="M-2", birthday=later.replace(year=1984).isoformat(),
                                license_expires_on=(today + timedelta(days=400)).isoformat()),
        "plain": factory.customer(t),
    }
    return t, {k: v["id"] for k, v in made.items()}, soon, later


def test_each_new_filter_finds_its_customers(client, crowd):
    t, ids, soon, later = crowd
    assert _ids(client, t, risk_level="high,medium") == [ids["high"]]
    assert _ids(client, t, shopper_level="GOLD") == [ids["high"]]
    assert _ids(client, t, country="ca") == [ids["high"]]
    assert _ids(client, t, membership_id="M-2") == [ids["low"]]
    assert _ids(client, t, age_limited="true") == [ids["high"]]
    assert ids["high"] not in _ids(client, t, age_limited="false")
    # 90 days apart: never in the same month.
    assert _ids(client, t, birthday_month=soon.month) == [ids["high"]]
    assert _ids(client, t, birthday_month=later.month) == [ids["low"]]
    assert _ids(client, t, birthday_within=30) == [ids["high"]]
    assert _ids(client, t, birthday_within=120) == [ids["high"], ids["low"]]
    # Born between two dates: both ends kept; the customer without a birthday never matches.
    assert _ids(client, t, birthday_from="1980-01-01", birthday_to="1989-12-31") == [ids["low"]]
    assert _ids(client, t, birthday_from="1980-01-01") == [ids["high"], ids["low"]]
    assert _ids(client, t, birthday_to="1984-12-31") == [ids["low"]]
    high_born = client.get(f"/api/v1/customers/{ids['high']}", headers=t.headers).json()[
        "birthday"]
    assert _ids(client, t, birthday_from=high_born, birthday_to=high_born) == [ids["high"]]
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


@pytest.mark.parametrize(("today", "days", "first", "last", "count"), [
    (date(2026, 12, 20), 30, "12-20", "01-19", 31),  # over New Year's Eve
    (date(2027, 2, 20), 10, "02-20", "03-02", 12),  # a common year: the 29th joins the 28th
    (date(2028, 2, 20), 10, "02-20", "03-01", 11),  # a leap year has it already
    (date(2027, 2, 20), 8, "02-20", "02-28", 9),  # stops on the 28th: the 29th waits
    (date(2026, 6, 1), 0, "06-01", "06-01", 1),  # today only
    (date(2026, 1, 1), 364, "01-01", "12-31", 366),  # every day of the year
    (date(2028, 3, 1), 364, "03-01", "02-28", 365),  # 2029 has no 29th, its March 1st is out
    (date(2027, 3, 1), 0, "02-29", "03-01", 2),  # a common year's March 1st is the 29th's
    (date(2028, 2, 29), 1, "02-29", "03-01", 2),  # today the 29th
    (date(2027, 2, 28), 0, "02-28", "02-28", 1),  # the 29th is tomorrow's, not today's
])
def test_a_birthday_window_names_each_day_whatever_the_year(today, days, first, last, count):
    from patronage.customers.filters import birthday_window

    window = birthday_window(today, days)
    assert (window[0], window[-1], len(window)) == (first, last, count)
    assert len(set(window)) == len(window)


@pytest.mark.parametrize(("params", "pointer"), [
    ({"risk_level": "extreme"}, "/risk_level/0"), ({"country": "USA"}, "/country/0"),
    ({"birthday_month": "13"}, "/birthday_month"),
    ({"birthday_from": "1985-02-30"}, "/birthday_from"),
    ({"license_expires_within": "-1"}, "/license_expires_within")])
def test_bad_values_are_named(client, factory, params, pointer):
    t = factory.tenant()
    response = client.get("/api/v1/customers", headers=t.headers, params=params)
    assert response.status_code == 422
    assert pointer in [e["pointer"] for e in response.json()["errors"]]
