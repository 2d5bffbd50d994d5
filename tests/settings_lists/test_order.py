"""Settings: a list put in order by hand (drag or arrows, then Save order) shows in that
order everywhere; a stale or foreign order is refused and changes nothing."""

from __future__ import annotations

from tests.factories import csrf_of
from tests.test_admin import _login


def _names(client, t, slug):
    return [i["name"] for i in client.get(f"/api/v1/settings/{slug}", headers=t.headers).json()]


def test_saving_an_order_puts_the_list_in_it(client, factory):
    t = factory.tenant()
    _login(client, t)
    page = client.get("/settings").text
    assert 'data-reorder="save-statuses"' in page
    ids = t.refs["statuses"]  # Customer, Lead
    done = client.post("/settings/statuses/order", data={
        "csrf_token": csrf_of(page), "ids": [str(i) for i in reversed(ids)]})
    assert "Saved the order of the statuses" in done.text
    assert _names(client, t, "statuses") == ["Lead", "Customer"]


def test_an_order_missing_an_item_or_naming_anothers_is_refused(client, factory):
    t, other = factory.tenant(), factory.tenant()
    _login(client, t)
    token = csrf_of(client.get("/settings").text)
    for ids in ([t.refs["statuses"][0]], [*t.refs["statuses"], other.refs["statuses"][0]],
                [t.refs["statuses"][0]] * 2, ["x"]):
        refused = client.post("/settings/statuses/order",
                              data={"csrf_token": token, "ids": [str(i) for i in ids]})
        assert "flash-error" in refused.text
    assert _names(client, t, "statuses") == ["Customer", "Lead"]
    assert _names(client, other, "statuses") == ["Customer", "Lead"]


def test_an_item_added_after_an_order_goes_last(client, factory):
    t = factory.tenant()
    _login(client, t)
    page = client.get("/settings").text
    client.post("/settings/statuses/order", data={
        "csrf_token": csrf_of(page), "ids": [str(i) for i in reversed(t.refs["statuses"])]})
    made = client.post("/api/v1/settings/statuses", headers=t.headers,
                       json={"name": "Archived", "colour": "#667085"})
    assert made.status_code == 201, made.text
    assert _names(client, t, "statuses") == ["Lead", "Customer", "Archived"]
