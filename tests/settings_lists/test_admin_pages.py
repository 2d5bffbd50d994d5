"""Admins keep the lists from the Settings page."""

from tests.factories import PASSWORD, csrf_of


def _sign_in(client, t, email=None):
    page = client.get("/login")
    client.post("/login", data={"workspace": t.slug, "email": email or t.email,
                                "password": PASSWORD, "csrf_token": csrf_of(page.text)})
    return csrf_of(client.get("/settings").text)


def test_admin_adds_renames_and_deletes_a_status(client, factory):
    t = factory.tenant(with_lists=False)
    token = _sign_in(client, t)
    added = client.post("/settings/statuses", data={"csrf_token": token, "name": "VIP",
                                                    "colour": "#aa00aa"})
    assert added.status_code == 200 and "Added status" in added.text
    (status,) = client.get("/api/v1/settings/statuses", headers=t.headers).json()
    assert status["colour"] == "#aa00aa"
    client.post(f"/settings/statuses/{status['id']}", data={"csrf_token": token,
                                                            "name": "Key account",
                                                            "colour": "#aa00aa"})
    assert client.get(f"/api/v1/settings/statuses/{status['id']}",
                      headers=t.headers).json()["name"] == "Key account"
    client.post(f"/settings/statuses/{status['id']}/delete", data={"csrf_token": token})
    assert client.get("/api/v1/settings/statuses", headers=t.headers).json() == []


def test_license_type_categories_come_from_a_comma_list(client, factory):
    t = factory.tenant(with_lists=False)
    token = _sign_in(client, t)
    client.post("/settings/license-types", data={"csrf_token": token, "name": "Medical",
                                                 "product_categories": "tinctures, topicals,"})
    (lt,) = client.get("/api/v1/settings/license-types", headers=t.headers).json()
    assert lt["product_categories"] == ["tinctures", "topicals"]


def test_an_empty_add_shows_its_error_once_beside_the_field(client, factory):
    """Issue 16, 5: the message was shown twice, in a banner and beside the field."""
    t = factory.tenant(with_lists=False)
    token = _sign_in(client, t)
    response = client.post("/settings/statuses", data={"csrf_token": token, "name": "",
                                                       "colour": "#aa00aa"})
    assert response.status_code == 422
    section = response.text.split('id="statuses"', 1)[1].split("</section>", 1)[0]
    assert section.count("This field is required.") == 1
    assert '<small class="error">This field is required.' in section
    assert client.get("/api/v1/settings/statuses", headers=t.headers).json() == []


def test_duplicate_name_is_shown_next_to_the_field(client, factory):
    t = factory.tenant()
    token = _sign_in(client, t)
    response = client.post("/settings/payment-terms", data={"csrf_token": token,
                                                            "name": "net 30", "days": "30"})
    assert response.status_code == 409
    assert 'class="error">Already in use.' in response.text
    assert 'value="net 30"' in response.text


def test_deleting_a_status_in_use_explains_why_not(client, factory):
    t = factory.tenant()
    factory.customer(t, status_id=t.refs["statuses"][0])
    token = _sign_in(client, t)
    page = client.post(f"/settings/statuses/{t.refs['statuses'][0]}/delete",
                       data={"csrf_token": token})
    assert "is used by 1 customer(s)" in page.text
    assert len(client.get("/api/v1/settings/statuses", headers=t.headers).json()) == 2


def test_sales_rep_cannot_change_lists(client, factory):
    t = factory.tenant()
    from patronage.tenancy import service as tenancy

    email = f"rep@{t.slug}.example"
    tenancy.create_user(factory.session, tenant_id=t.id, email=email, role="sales_rep",
                        password=PASSWORD)
    token = _sign_in(client, t, email)
    assert "Only admins can change them." in client.get("/settings").text
    response = client.post("/settings/statuses", data={"csrf_token": token, "name": "X"})
    assert response.status_code == 403


def test_another_tenants_item_cannot_be_changed_from_the_page(client, factory):
    t, other = factory.tenant(), factory.tenant()
    token = _sign_in(client, t)
    theirs = other.refs["stores"][0]
    response = client.post(f"/settings/stores/{theirs}", data={"csrf_token": token,
                                                               "name": "Mine now"})
    assert response.status_code == 404
    assert client.post(f"/settings/stores/{theirs}/delete",
                       data={"csrf_token": token}).status_code == 404
