"""Customers → Duplicates in the admin: the pairs with their reasons, dismissing one, a
scan with its progress; viewers see, writers act; an empty state."""

from __future__ import annotations

import re
from typing import Any

from patronage.duplicates import scans
from tests.duplicates.test_duplicates_api import twins
from tests.factories import PASSWORD, TenantCtx, csrf_of


def signed_in(client: Any, t: TenantCtx, email: str | None = None) -> str:
    page = client.get("/login")
    signed = client.post("/login", data={"workspace": t.slug, "email": email or t.email,
                                         "password": PASSWORD, "csrf_token": csrf_of(page.text),
                                         "next": "/customers"}, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    return csrf_of(client.get("/customers/duplicates").text)


def test_the_page_lists_pairs_and_dismisses_one(client, factory):
    t = factory.tenant()
    empty = signed_in(client, t)
    page = client.get("/customers/duplicates")
    assert "not been scanned yet" in page.text and "No likely duplicates" in page.text
    first, again = twins(factory, t)  # saved by hand: listed at once
    page = client.get("/customers/duplicates")
    assert page.status_code == 200
    assert "license numbers differ by two swapped characters" in page.text
    assert f'href="/customers/{first["id"]}"' in page.text
    assert f'href="/customers/{again["id"]}"' in page.text
    assert re.search(r"\d+% likely the same", page.text)
    done = client.post("/customers/duplicates/dismiss", data={
        "csrf_token": empty, "low": first["id"], "high": again["id"]}, follow_redirects=True)
    assert "no longer proposed" in done.text and "No likely duplicates" in done.text
    refused = client.post("/customers/duplicates/dismiss", data={
        "csrf_token": empty, "low": "x", "high": ""}, follow_redirects=True)
    assert "Name two customers" in refused.text
    forged = client.post("/customers/duplicates/dismiss", data={
        "low": first["id"], "high": again["id"]})
    assert forged.status_code == 403


def test_a_scan_runs_from_the_page_and_shows_what_it_found(client, factory):
    t = factory.tenant()
    token = signed_in(client, t)
    twins(factory, t)
    started = client.post("/customers/duplicates/scan", data={"csrf_token": token},
                          follow_redirects=False)
    assert started.status_code == 303
    scans.wait(client.get("/api/v1/duplicates/scan", headers=t.headers).json()["id"])
    shown = client.get("/customers/duplicates/scan")
    assert "Last scanned" in shown.text and "2 customers, 1 likely duplicate." in shown.text
    assert "hx-trigger" not in shown.text  # finished: no more polling


def test_viewers_see_the_list_but_cannot_act(client, factory):
    t = factory.tenant()
    twins(factory, t)
    factory.member(t, "viewer")
    email = next(iter(re.findall(r"viewer\d+@[\w.-]+", "".join(
        u["email"] for u in client.get("/api/v1/users", headers=t.headers).json()))), None)
    assert email
    token = signed_in(client, t, email)
    page = client.get("/customers/duplicates")
    assert "same phone" in page.text
    assert "Not a duplicate" not in page.text and "Scan for duplicates" not in page.text
    assert client.post("/customers/duplicates/scan", data={"csrf_token": token}
                       ).status_code == 403
