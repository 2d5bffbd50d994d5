"""Merging in the admin: the side-by-side page with the values kept by default, picking
others, the survivor's page after it (with the note on the merged one's address), undo from
the timeline; viewers, stale pages and bad addresses."""

from __future__ import annotations

import html
import re

from tests.factories import csrf_of
from tests.test_admin import _login


def _pair(factory, t):
    a = factory.customer(t, company_name="Green Leaf Dispensary LLC",
                         license_number="C10-0000123-LIC", phone="(510) 555-0101")
    b = factory.customer(t, company_name="The Green Leaf Dispensary",
                         license_number="C10-0000213-LIC", email="buyer@greenleaf.example",
                         tags=["wholesale"])
    return a, b


def _form(page: str) -> dict[str, str]:
    """The merge form's values as the browser would send them (checked radios only)."""
    text = html.unescape(page)
    values = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text))
    for name, value in re.findall(r'<input type="radio" name="([^"]+)" value="([^"]+)" '
                                  r'checked', text):
        values[name] = value
    return values


def test_the_page_shows_both_and_merging_keeps_the_picked_values(client, factory):
    t = factory.tenant()
    a, b = _pair(factory, t)
    assert _login(client, t).status_code == 303
    page = client.get(f"/customers/merge?ids={a['id']},{b['id']}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Green Leaf Dispensary LLC" in text and "The Green Leaf Dispensary" in text
    assert "Keep this one instead" in text and "wholesale" in text
    form = _form(page.text)
    assert form["keep_license_number"] == str(a["id"])  # the survivor's key by default
    assert form["keep_email"] == str(b["id"])  # the survivor has none
    form["keep_company_name"] = str(a["id"])
    done = client.post("/customers/merge", data=form, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/customers/{a['id']}"
    survivor = client.get(f"/api/v1/customers/{a['id']}", headers=t.headers).json()
    assert survivor["company_name"] == "Green Leaf Dispensary LLC"
    assert survivor["email"] == "buyer@greenleaf.example" and survivor["tags"] == ["wholesale"]
    shown = html.unescape(client.get(done.headers["location"]).text)
    assert "Merged customer #" in shown and "Undo merge" in shown
    assert f"Merged #{b['id']} The Green Leaf Dispensary into this customer" in shown

    moved = client.get(f"/customers/{b['id']}")
    assert "was merged into this customer" in html.unescape(moved.text)
    assert str(moved.url).endswith(f"/customers/{a['id']}?merged_from={b['id']}")


def test_keep_this_one_instead_swaps_the_survivor(client, factory):
    t = factory.tenant()
    a, b = _pair(factory, t)
    _login(client, t)
    page = client.get(f"/customers/merge?ids={a['id']},{b['id']}&survivor={b['id']}")
    form = _form(page.text)
    assert form["survivor"] == str(b["id"]) and form["keep_license_number"] == str(b["id"])
    client.post("/customers/merge", data=form)
    assert client.get(f"/api/v1/customers/{b['id']}", headers=t.headers).json()[
        "license_number"] == "C10-0000213-LIC"
    assert client.get(f"/api/v1/customers/{a['id']}", headers=t.headers,
                      follow_redirects=False).status_code == 308


def test_undo_from_the_timeline_puts_both_back(client, factory):
    t = factory.tenant()
    a, b = _pair(factory, t)
    _login(client, t)
    client.post("/customers/merge", data=_form(client.get(
        f"/customers/merge?ids={a['id']},{b['id']}").text))
    page = client.get(f"/customers/{a['id']}").text
    action = re.search(r'action="(/customers/merges/\d+/undo)"', page).group(1)
    undone = client.post(action, data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert "Merge undone" in html.unescape(undone.text)
    assert "Undo merge" not in undone.text
    back = client.get(f"/api/v1/customers/{b['id']}", headers=t.headers).json()
    assert back["company_name"] == "The Green Leaf Dispensary" and back["tags"] == ["wholesale"]
    again = client.post(action, data={"csrf_token": csrf_of(page)}, follow_redirects=True)
    assert "was undone already" in html.unescape(again.text)


def test_a_stale_page_is_shown_again_with_the_reason(client, factory):
    t = factory.tenant()
    a, b = _pair(factory, t)
    _login(client, t)
    form = _form(client.get(f"/customers/merge?ids={a['id']},{b['id']}").text)
    changed = client.patch(f"/api/v1/customers/{b['id']}", json={"notes": "changed"},
                           headers={**t.headers, "If-Match": '"1"'})
    assert changed.status_code == 200
    refused = client.post("/customers/merge", data=form)
    assert refused.status_code == 412
    assert "was changed since you read it" in html.unescape(refused.text)
    assert client.get(f"/api/v1/customers/{b['id']}", headers=t.headers,
                      follow_redirects=False).status_code == 200


def test_viewers_see_no_merge_button_and_cannot_post(client, factory):
    t = factory.tenant()
    a, b = _pair(factory, t)
    _login(client, t)
    form = _form(client.get(f"/customers/merge?ids={a['id']},{b['id']}").text)
    client.post("/logout", data={"csrf_token": form["csrf_token"]})
    viewer = factory.member(t, "viewer")
    email = client.get("/api/v1/me", headers=viewer).json()["email"]
    page = client.get("/login")
    client.post("/login", data={"workspace": t.slug, "email": email,
                                "password": "correct horse battery",
                                "csrf_token": csrf_of(page.text)})
    shown = client.get(f"/customers/merge?ids={a['id']},{b['id']}")
    assert shown.status_code == 200 and "Merge into" not in shown.text
    assert "cannot merge them" in shown.text
    form["csrf_token"] = csrf_of(shown.text)
    assert client.post("/customers/merge", data=form).status_code == 403


def test_bad_addresses_go_back_to_duplicates_with_the_reason(client, factory):
    t = factory.tenant()
    a, _b = _pair(factory, t)
    _login(client, t)
    for ids in ("", "abc", f"{a['id']}", f"{a['id']},{a['id']}", "1,2,3,4,5",
                f"{a['id']},999999999"):
        response = client.get(f"/customers/merge?ids={ids}", follow_redirects=True)
        assert response.status_code == 200 and str(response.url).endswith("/duplicates")
        assert "flash-error" in response.text
