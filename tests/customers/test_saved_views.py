"""Column preferences and saved views: per member, shared with the team when asked."""

from tests.factories import csrf_of, problems


def test_columns_default_then_remembered_per_member(client, factory):
    t = factory.tenant()
    assert client.get("/api/v1/me/columns", headers=t.headers).json()["columns"][0] == "name"
    saved = client.put("/api/v1/me/columns", headers=t.headers,
                       json={"columns": ["total_spent", "email", "total_spent"]})
    assert saved.status_code == 200
    assert saved.json()["columns"] == ["name", "total_spent", "email"]
    assert client.get("/api/v1/me/columns", headers=t.headers).json()["columns"] == [
        "name", "total_spent", "email"]
    colleague = factory.member(t, "sales_rep")
    assert client.get("/api/v1/me/columns", headers=colleague).json()["columns"] != [
        "name", "total_spent", "email"]


def test_unknown_column_is_422(client, factory):
    t = factory.tenant()
    response = client.put("/api/v1/me/columns", headers=t.headers,
                          json={"columns": ["email", "shoe_size"]})
    assert problems(response) == [("/columns", "unknown_column")]
    assert "shoe_size" in response.json()["detail"]


def test_saved_views_private_or_shared(client, factory):
    t = factory.tenant()
    rep = factory.member(t, "sales_rep")
    private = client.post("/api/v1/views", headers=t.headers,
                          json={"name": "CA", "query": "state=CA&sort=-total_spent"})
    assert private.status_code == 201
    assert private.json()["query"] == "state=CA&sort=-total_spent"
    shared = client.post("/api/v1/views", headers=t.headers,
                         json={"name": "Leads", "query": "status=1", "shared": True}).json()
    assert [v["name"] for v in client.get("/api/v1/views", headers=t.headers).json()] == [
        "CA", "Leads"]
    theirs = client.get("/api/v1/views", headers=rep).json()
    assert [(v["name"], v["mine"]) for v in theirs] == [("Leads", False)]
    assert client.get(f"/api/v1/views/{private.json()['id']}", headers=rep).status_code == 404
    assert client.delete(f"/api/v1/views/{shared['id']}", headers=rep).status_code == 403


def test_view_with_a_bad_filter_or_duplicate_name_is_refused(client, factory):
    t = factory.tenant()
    bad = client.post("/api/v1/views", headers=t.headers,
                      json={"name": "Bad", "query": "spent_min=lots"})
    assert bad.status_code == 422
    client.post("/api/v1/views", headers=t.headers, json={"name": "Mine", "query": ""})
    again = client.post("/api/v1/views", headers=t.headers, json={"name": "Mine"})
    assert again.status_code == 409


def test_views_of_another_tenant_are_invisible(client, factory):
    a, b = factory.tenant(), factory.tenant()
    view = client.post("/api/v1/views", headers=a.headers,
                       json={"name": "Shared", "shared": True}).json()
    assert client.get("/api/v1/views", headers=b.headers).json() == []
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(method, f"/api/v1/views/{view['id']}", headers=b.headers,
                                  json={"name": "x"} if method == "PATCH" else None)
        assert response.status_code == 404


def test_admin_saves_columns_and_a_view_from_the_list(client, factory):
    from tests.factories import PASSWORD

    t = factory.tenant()
    factory.customer(t, company_name="Blacksmith Goods", state="CA")
    login = client.get("/login")
    client.post("/login", data={"workspace": t.slug, "email": t.email, "password": PASSWORD,
                                "csrf_token": csrf_of(login.text)})
    page = client.get("/customers?state=CA")
    token = csrf_of(page.text)
    client.post("/customers/columns", data={"csrf_token": token, "next": "/customers?state=CA",
                                            "columns": ["name", "state", "email"]})
    listing = client.get("/customers?state=CA").text
    headers = listing[listing.index("<thead>"):listing.index("</thead>")]
    assert headers.index("Name") < headers.index("State") < headers.index("Email")
    assert "Phone" not in headers
    made = client.post("/customers/views", data={"csrf_token": token, "name": "California",
                                                 "query": "state=CA", "shared": "1"},
                       follow_redirects=False)
    assert made.status_code == 303 and "state=CA" in made.headers["location"]
    page = client.get(made.headers["location"]).text
    assert "<h1>California</h1>" in page and "shared with the team" in page
    assert 'class="view-link active"' in page  # listed and highlighted in the sidebar


def test_a_viewer_saves_private_views_only(client, factory):
    """Issue 12 (policy): sharing a view with the team needs a writer."""
    t = factory.tenant()
    viewer = factory.member(t, "viewer")
    mine = client.post("/api/v1/views", headers=viewer, json={"name": "Mine", "query": ""})
    assert mine.status_code == 201
    shared = client.post("/api/v1/views", headers=viewer,
                         json={"name": "Team", "query": "", "shared": True})
    assert shared.status_code == 403
    later = client.patch(f"/api/v1/views/{mine.json()['id']}", headers=viewer,
                         json={"shared": True})
    assert later.status_code == 403
