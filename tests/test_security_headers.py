"""Security headers on every response (issue 12): nosniff and a same-origin referrer
everywhere; on admin pages a Content-Security-Policy without inline script that forbids
framing, and no caching of signed-in pages; HSTS in production."""

from __future__ import annotations

import re

from tests.test_admin import _login

ADMIN_PAGES = ["/customers", "/customers/new", "/settings", "/imports", "/login"]


def _common(response):
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def test_every_admin_page_has_a_strict_policy(client, factory):
    t = factory.tenant()
    c = factory.customer(t, company_name="Header Co")
    assert _login(client, t).status_code == 303
    for path in [*ADMIN_PAGES, f"/customers/{c['id']}", f"/customers/{c['id']}/edit"]:
        response = client.get(path)
        assert response.status_code == 200, path
        _common(response)
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path
        assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
        if path != "/login":
            assert response.headers["cache-control"] == "no-store", path
        # No inline script the policy would block: every script comes from a file.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text), path
        assert not re.search(r"\son(submit|click|change|load)=", response.text), path


def test_every_api_answer_has_the_common_headers(client, factory):
    t = factory.tenant()
    for path in ["/api/v1/customers", "/api/v1/health", "/api/v1/nothing-here",
                 "/api/v1/openapi.json"]:
        _common(client.get(path, headers=t.headers))
    _common(client.get("/api/v1/customers"))  # refused: 401


def test_hsts_in_production_only(client, monkeypatch):
    assert "strict-transport-security" not in client.get("/login").headers
    from patronage import security_headers

    monkeypatch.setattr(security_headers, "hsts", lambda: True)
    assert client.get("/login").headers["strict-transport-security"].startswith("max-age=")


def test_every_api_route_answers_with_the_headers(app, client, factory):
    """Every operation of the API document, called as a member (ids of nothing: 404s and
    422s carry the headers too)."""
    t = factory.tenant()
    for path, operations in app.openapi()["paths"].items():
        url = path.replace("{", "").replace("}", "").replace("customer_id", "999999")
        for name in ("item_id", "view_id", "import_id", "user_id", "token_id", "kind"):
            url = url.replace(name, "999999" if name != "kind" else "statuses")
        for method in operations:
            response = client.request(method.upper(), url, headers=t.headers)
            assert response.status_code < 500, (method, url)
            _common(response)
            assert response.headers["cache-control"] == "no-store", (method, url)
