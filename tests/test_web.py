"""The admin's template filters, value by value, and the phone as a page shows it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from patronage.web import TEMPLATES
from tests.test_admin import _login


@pytest.mark.parametrize(("n", "shown"), [
    (0, "0 bytes"), (1023, "1,023 bytes"), (1024, "1 KB"), (1024**2 - 1, "1,024 KB"),
    (1024**2, "1.0 MB"), (5 * 1024**2 + 1024**2 // 2, "5.5 MB"), (1024**3, "1.0 GB"),
    (3 * 1024**4, "3,072.0 GB")])
def test_size_filter(n, shown):
    assert TEMPLATES.env.filters["size"](n) == shown


def test_datetime_filter():
    dt = TEMPLATES.env.filters["dt"]
    assert dt(datetime(2026, 3, 9, 7, 5, tzinfo=UTC)) == "Mar 09, 2026 07:05"
    assert dt(None) is None


def test_phone_filter_is_the_readable_international_form():
    assert TEMPLATES.env.filters["phone"]("+14155550134") == "+1 415-555-0134"
    assert TEMPLATES.env.filters["phone"](None) == ""


def test_pages_show_phones_readably(client, factory):
    t = factory.tenant()
    c = factory.shopper(t, first_name="Pia", last_name="Phone", phone="(415) 555-0134")
    assert _login(client, t).status_code == 303
    assert "+1 415-555-0134" in client.get(f"/customers/{c['id']}").text
    # The phone is not a default column (they fit a laptop): shown once chosen.
    assert client.put("/api/v1/me/columns", headers=t.headers,
                      json={"columns": ["name", "phone"]}).status_code == 200
    assert "+1 415-555-0134" in client.get("/customers").text
