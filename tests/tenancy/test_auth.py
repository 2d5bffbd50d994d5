"""Tokens and roles on the API."""

import pytest


def test_no_token_is_401(client):
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("token", ["nonsense", "pat_1_wrong", "pat_x_y", "pat__"])
def test_bad_token_is_401(client, factory, token):
    factory.tenant()
    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_token_of_one_tenant_cannot_pose_as_another(client, factory):
    a, b = factory.tenant(), factory.tenant()
    secret = a.token.split("_", 2)[2]
    forged = f"pat_{b.id}_{secret}"
    response = client.get("/api/v1/customers", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


def test_me_names_the_member_and_tenant(client, factory):
    t = factory.tenant()
    me = client.get("/api/v1/me", headers=t.headers).json()
    assert me["tenant_slug"] == t.slug and me["email"] == t.email and me["role"] == "admin"


def test_viewer_reads_but_cannot_write(client, factory):
    t = factory.tenant()
    c = factory.customer(t)
    viewer = factory.member(t, "viewer")
    assert client.get(f"/api/v1/customers/{c['id']}", headers=viewer).status_code == 200
    create = client.post("/api/v1/customers", headers=viewer,
                         json={"type": "business", "company_name": "Nope"})
    assert create.status_code == 403
    assert create.json()["code"] == "forbidden"
    patch = client.patch(f"/api/v1/customers/{c['id']}", headers={**viewer, "If-Match": '"1"'},
                         json={"notes": "x"})
    assert patch.status_code == 403


def test_sales_rep_edits_but_cannot_delete_or_change_settings(client, factory):
    t = factory.tenant()
    c = factory.customer(t)
    rep = factory.member(t, "sales_rep")
    patch = client.patch(f"/api/v1/customers/{c['id']}", headers={**rep, "If-Match": '"1"'},
                         json={"notes": "called"})
    assert patch.status_code == 200
    assert client.delete(f"/api/v1/customers/{c['id']}", headers=rep).status_code == 403
    assert client.post("/api/v1/settings/statuses", headers=rep,
                       json={"name": "VIP"}).status_code == 403


@pytest.mark.parametrize("password,code", [
    ("aaaaaaaaaa", "password_too_weak"),
    ("password1234", "password_too_weak"),
    ("qwertyuiop12", "password_too_weak"),
    ("short", "password_too_short"),
])
def test_weak_passwords_are_refused_with_a_reason(factory, session, password, code):
    """Issue 12: length was the only rule ('aaaaaaaaaa' was accepted)."""
    from patronage.errors import ValidationFailed
    from patronage.tenancy import service as tenancy

    t = factory.tenant()
    with pytest.raises(ValidationFailed) as refused:
        tenancy.set_password(session, tenant_id=t.id, email=t.email, password=password)
    assert refused.value.errors[0].code == code
    assert refused.value.errors[0].detail.endswith(".")


def test_a_password_built_from_the_email_or_workspace_is_refused(factory, session):
    from patronage.errors import ValidationFailed
    from patronage.tenancy import service as tenancy

    t = factory.tenant()
    local = t.email.split("@")[0]
    for password in (f"{local}2026!!x", f"My {t.slug} place 9"):
        with pytest.raises(ValidationFailed) as refused:
            tenancy.set_password(session, tenant_id=t.id, email=t.email, password=password)
        assert refused.value.errors[0].code == "password_personal"
    tenancy.set_password(session, tenant_id=t.id, email=t.email,
                         password="violet tractor lantern 41")


def test_generated_passwords_pass_the_policy():
    from patronage.tenancy import passwords
    from patronage.tenancy import service as tenancy

    for _ in range(20):
        passwords.check(tenancy.generate_password(), email="a@b.example", workspace="demo")
