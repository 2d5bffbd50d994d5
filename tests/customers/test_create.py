"""Adding customers through the API: normalisation and every bad-input rule."""

from sqlalchemy import func, select

from patronage.customers.models import AuditEntry, Customer
from tests.factories import problems

PROBLEM = "application/problem+json"


def _count(session, tenant_id):
    return session.scalar(select(func.count()).select_from(Customer)
                          .where(Customer.tenant_id == tenant_id))


def _pointers(response):
    return {e["pointer"]: e for e in response.json()["errors"]}


def test_business_is_created_with_etag_and_location(client, factory):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "Green Leaf Market", "license_number": "ca-123 45",
        "status_id": t.refs["statuses"][0], "tags": ["VIP", "vip", " wholesale "]})
    assert response.status_code == 201
    body = response.json()
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"/api/v1/customers/{body['id']}"
    assert body["license_number"] == "ca-123 45"
    assert body["tags"] == ["vip", "wholesale"]
    assert body["total_spent"] == "0.00"


def test_shopper_contact_is_normalised(factory):
    t = factory.tenant()
    body = factory.shopper(t, email="Ana.Smith@Example.COM", phone="(415) 555-0134")
    assert body["email"] == "Ana.Smith@example.com"
    assert body["phone"] == "+14155550134"
    assert body["registered_at"] is not None


def test_phone_uses_the_tenants_default_region(factory):
    t = factory.tenant(region="GB")
    body = factory.shopper(t, phone="020 7946 0018")
    assert body["phone"] == "+442079460018"


def test_malformed_json_is_400_problem(client, factory, session):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers={**t.headers,
                           "Content-Type": "application/json"}, content=b'{"type": "busi')
    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "malformed_request"
    assert _count(session, t.id) == 0


def test_unknown_field_is_named(client, factory):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "X", "favourite_colour": "teal"})
    assert response.status_code == 422
    assert _pointers(response)["/favourite_colour"]["code"] == "unknown_field"


def test_wrong_type_is_named(client, factory):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "X", "point_balance": "lots"})
    assert problems(response) == [("/point_balance", "int_parsing")]


def test_invalid_email_is_refused(client, factory, session):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "X", "email": "not-an-email"})
    assert response.status_code == 422
    assert _pointers(response)["/email"]["code"] == "invalid_email"
    assert _count(session, t.id) == 0


def test_invalid_phone_is_refused(client, factory, session):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "X", "phone": "12345"})
    assert response.status_code == 422
    assert _pointers(response)["/phone"]["code"] == "invalid_phone"
    assert _count(session, t.id) == 0


def test_missing_type_is_required(client, factory):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={"company_name": "X"})
    assert response.status_code == 422
    assert _pointers(response)["/type"]["code"] == "required"


def test_shopper_added_by_hand_needs_name_contact_and_address(client, factory, session):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "registered", "first_name": "Ana"})
    assert response.status_code == 422
    missing = set(_pointers(response))
    assert {"/last_name", "/email", "/phone", "/address1", "/city", "/state", "/zip"} <= missing
    assert "/first_name" not in missing
    assert _count(session, t.id) == 0


def test_business_added_by_hand_needs_company_name(client, factory):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "license_number": "CA-1"})
    assert problems(response) == [("/company_name", "required")]


def test_duplicate_license_in_any_spelling_is_409_naming_the_other(client, factory, session):
    t = factory.tenant()
    first = factory.customer(t, company_name="Blacksmith Goods", license_number="C10-0000123-LIC")
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "Copycat", "license_number": "c10 0000123 lic"})
    assert problems(response, 409) == [("/license_number", "duplicate_license_number")]
    problem = response.json()
    assert problem["code"] == "conflict"
    assert problem["conflicting_customer_id"] == first["id"]
    assert problem["detail"] == (f"Customer #{first['id']} (Blacksmith Goods) already has "
                                 "license number C10-0000123-LIC.")
    assert problem["errors"][0]["detail"] == (
        f"Already used by customer #{first['id']} (Blacksmith Goods).")
    assert _count(session, t.id) == 1


def test_same_license_in_another_tenant_is_fine(factory):
    a, b = factory.tenant(), factory.tenant()
    factory.customer(a, license_number="CA-777")
    assert factory.customer(b, license_number="CA-777")["license_number"] == "CA-777"


def test_reference_to_unknown_status_is_refused(client, factory):
    t = factory.tenant()
    other = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "X", "status_id": other.refs["statuses"][0]})
    assert response.status_code == 422
    assert _pointers(response)["/status_id"]["code"] == "unknown_reference"


def test_creation_is_audited_in_the_same_transaction(factory, session):
    t = factory.tenant()
    body = factory.customer(t, company_name="Audited Co")
    entries = session.scalars(select(AuditEntry).where(AuditEntry.customer_id == body["id"]))
    (entry,) = list(entries)
    assert entry.action == "created"
    assert entry.new_value["company_name"] == "Audited Co"
    assert entry.actor == t.email


def test_control_characters_are_refused_not_stored(client, factory, session):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "Nul\x00Co", "license_number": "CA\x00-1"})
    assert response.status_code == 422
    codes = {e["pointer"]: e["code"] for e in response.json()["errors"]}
    assert codes == {"/company_name": "invalid_characters",
                     "/license_number": "invalid_characters"}
    assert _count(session, t.id) == 0


def test_license_with_no_letter_or_digit_is_refused(client, factory, session):
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "X", "license_number": "-- //"})
    assert problems(response) == [("/license_number", "invalid_license_number")]
    assert _count(session, t.id) == 0


def test_ids_beyond_the_integer_range_are_422_not_500(client, factory):
    t = factory.tenant()
    assert problems(client.get("/api/v1/customers/99999999999", headers=t.headers)) == [
        ("/customer_id", "less_than_equal")]
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "business", "company_name": "X", "status_id": 99999999999})
    assert problems(response) == [("/status_id", "less_than_equal")]
    assert client.get("/api/v1/customers", headers={
        "Authorization": "Bearer pat_99999999999999_abc"}).status_code == 401


def test_every_bad_field_is_named_at_once(client, factory, session):
    """Issue 11 defect 6: an invalid email and an invalid phone (which needs the tenant's
    region to check) are both reported, with the missing required fields beside them."""
    t = factory.tenant()
    response = client.post("/api/v1/customers", headers=t.headers, json={
        "type": "registered", "first_name": "Ana", "email": "not-an-email", "phone": "12"})
    assert response.status_code == 422
    found = dict(problems(response))
    assert found["/email"] == "invalid_email"
    assert found["/phone"] == "invalid_phone"
    assert found["/last_name"] == "required"
    assert _count(session, t.id) == 0


def test_every_bad_field_of_an_edit_is_named_at_once(client, factory):
    t = factory.tenant()
    body = factory.shopper(t)
    response = client.patch(f"/api/v1/customers/{body['id']}",
                            headers={**t.headers, "If-Match": '"1"'},
                            json={"email": "nope", "phone": "12", "point_balance": -1})
    assert response.status_code == 422
    assert {p for p, _ in problems(response)} == {"/email", "/phone", "/point_balance"}
