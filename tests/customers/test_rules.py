"""customers.rules on its own: the answers every door relies on, value by value."""

from __future__ import annotations

import pytest

from patronage.customers import rules
from patronage.errors import FieldError


@pytest.mark.parametrize(("total", "count", "average"), [
    (1001, 2, 501),  # 500.5 rounds half up
    (1000, 3, 333),  # 333.33 rounds down
    (2000, 3, 667),  # 666.67 rounds up
    (999, 1, 999),
    (0, 4, 0),
    (0, 0, 0),
    (5000, 0, 0),  # no orders, no average, whatever was imported
])
def test_average_order_rounds_half_up_in_whole_cents(total, count, average):
    result = rules.average_order(total, count)
    assert result == average and isinstance(result, int)


@pytest.mark.parametrize(("values", "sort"), [
    ({"company_name": "Acme", "first_name": "Ann", "last_name": "Lee"}, "acme"),
    ({"first_name": "Ann", "last_name": "Lee", "email": "x@example.com"}, "ann lee"),
    ({"first_name": "Ann", "email": "x@example.com"}, "ann"),
    ({"last_name": "Lee", "phone": "+1415"}, "lee"),
    ({"email": "X@example.com", "phone": "+1415"}, "x@example.com"),
    ({"phone": "+14155550134"}, "+14155550134"),
    ({}, ""),
])
def test_sort_name_of_a_record(values, sort):
    assert rules.sort_name_of(values) == sort


def test_display_name_of_nobody():
    assert rules.display_name(None, None, None) == "Unnamed customer"
    assert rules.display_name("", "", "", "", "") == "Unnamed customer"
    assert rules.display_name(None, "Ann", None) == "Ann"
    assert rules.display_name(None, None, "Lee") == "Lee"


def test_normalise_phone_license_and_tags_in_place():
    values = {"phone": "(415) 555-0134", "license_number": "ca-123 45",
              "tags": ["VIP", " vip ", "Gold  Star", "   "]}
    assert rules.normalise(values, "US") == []
    assert values == {"phone": "+14155550134", "license_number": "ca-123 45",
                      "license_key": "CA12345", "tags": ["gold star", "vip"]}


def test_normalise_uses_the_workspace_region():
    values = {"phone": "020 7946 0018"}
    assert rules.normalise(values, "GB") == []
    assert values["phone"] == "+442079460018"


def test_normalise_reports_a_bad_phone_against_its_field():
    values = {"phone": "12345"}
    assert rules.normalise(values, "US") == [FieldError(
        "/phone", "Not a valid phone number for region US: '12345'", "invalid_phone")]


def test_normalise_leaves_absent_and_empty_fields_alone():
    values: dict = {"company_name": "Acme", "tags": None, "phone": None}
    assert rules.normalise(values, "US") == []
    assert values == {"company_name": "Acme", "tags": None, "phone": None}


def test_a_cleared_license_clears_its_key():
    values = {"license_number": None}
    rules.normalise(values, "US")
    assert values == {"license_number": None, "license_key": None}


def test_check_required_lists_every_missing_field_in_order():
    errors = rules.check_required({"first_name": "Ann", "email": ""}, "guest")
    assert [e.pointer for e in errors] == [
        "/last_name", "/email", "/phone", "/address1", "/city", "/state", "/zip"]
    assert errors[0] == FieldError("/last_name", "Required for a guest customer.", "required")


def test_check_required_only_among_the_fields_named():
    values = {"first_name": "Ann"}
    assert [e.pointer for e in rules.check_required(values, "registered",
                                                    fields=("first_name", "email"))] == ["/email"]
    assert rules.check_required(values, "registered", fields=()) == []
    assert rules.check_required({"company_name": "Acme"}, "business") == []
    assert rules.check_required({}, "business", fields=("notes",)) == []


def test_check_references_skips_empty_ones_and_reports_every_bad_one(factory, session):
    t = factory.tenant()
    values = {"status_id": None, "payment_term_id": 2_000_000_000,
              "license_type_id": t.refs["license-types"][0], "master_store_id": 2_000_000_001}
    assert rules.check_references(session, t.id, values) == [
        FieldError("/payment_term_id", "No payment term with id 2000000000 in this tenant.",
                   "unknown_reference"),
        FieldError("/master_store_id", "No store with id 2000000001 in this tenant.",
                   "unknown_reference")]
    assert rules.check_references(session, t.id, {"status_id": t.refs["statuses"][1]}) == []
