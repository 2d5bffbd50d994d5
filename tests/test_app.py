def test_health_needs_no_token(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document_lists_the_core_routes(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/customers", "/api/v1/customers/{customer_id}",
                 "/api/v1/customers/{customer_id}/history", "/api/v1/settings/statuses",
                 "/api/v1/settings/payment-terms", "/api/v1/settings/license-types",
                 "/api/v1/settings/stores"):
        assert path in doc["paths"], path


def test_interactive_docs_are_served_without_a_cdn(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "/static/vendor/swagger-ui-bundle.js" in response.text
    assert "cdn" not in response.text.lower()
    assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200


def test_unknown_api_path_is_a_problem_document(client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_an_unconfigured_secret_is_made_once_and_kept_private(tmp_path):
    """Issue 12: a default install signed cookies with a public placeholder; now the first
    run makes a random secret (mode 0600) and every later run reads the same one."""
    import stat

    import pytest

    from patronage.settings import DEV_SECRET, Settings

    kept = tmp_path / "var" / "secret_key"
    first = Settings(environment="development", secret_key_file=str(kept))
    again = Settings(environment="development", secret_key_file=str(kept))
    assert first.secret_key == again.secret_key != DEV_SECRET
    assert len(first.secret_key) >= 48
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    for secret in (None, DEV_SECRET):
        with pytest.raises(ValueError, match="SECRET_KEY must be set"):
            Settings(environment="production", secret_key=secret,
                     secret_key_file=str(tmp_path / "other"))
    assert Settings(environment="production", secret_key="s" * 40).secret_key == "s" * 40


def test_a_fault_of_ours_answers_a_styled_page_and_a_problem(app, factory, monkeypatch):
    """Issue 16, 5: a 500 is the usual page with a way back (admin) or problem details
    (API), never Starlette's plain text."""
    from starlette.testclient import TestClient

    from patronage.customers import service
    from tests.test_admin import _login

    def broken(*_args, **_kwargs):
        raise RuntimeError("a fault")

    with TestClient(app, raise_server_exceptions=False) as client:
        t = factory.tenant()
        made = client.post("/api/v1/customers", headers=t.headers,
                           json={"type": "business", "company_name": "Fault Lines"}).json()
        monkeypatch.setattr(service, "get_customer", broken)
        api = client.get(f"/api/v1/customers/{made['id']}", headers=t.headers)
        assert api.status_code == 500
        assert api.headers["content-type"] == "application/problem+json"
        assert api.json()["code"] == "internal_error" and "a fault" not in api.text
        assert _login(client, t).status_code == 303
        page = client.get(f"/customers/{made['id']}")
        assert page.status_code == 500 and "text/html" in page.headers["content-type"]
        assert "Something went wrong" in page.text and 'href="/customers"' in page.text
        for answer in (api, page):  # the headers every answer carries
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
