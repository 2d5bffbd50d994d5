"""Each signal of the duplicate score, the hard negatives it must not confuse, and the
blocking that decides which customers are compared at all."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from patronage.duplicates import finding
from patronage.duplicates.likeness import MAX_BLOCK, THRESHOLD, likeness, profile
from patronage.types import license_key


def person(id_: int, **values: Any):
    base = {"id": id_, "type": "registered", "first_name": "Robert", "last_name": "Okafor",
            "email": f"robert{id_}@mail.example", "phone": f"+1415555{id_:04d}",
            "address1": f"{id_} Elm Street", "city": "Oakland", "zip": f"946{id_ % 100:02d}"}
    return profile({**base, **values})


def shop(id_: int, **values: Any):
    base = {"id": id_, "type": "business", "company_name": "Green Leaf Dispensary",
            "license_key": license_key(f"C10-{id_:07d}"), "email": f"info@shop{id_}.example",
            "phone": f"+1510555{id_:04d}", "address1": f"{id_} Market St",
            "city": "Oakland", "zip": "94607"}
    return profile({**base, **values})


def alike(a, b) -> tuple[bool, tuple[str, ...]]:
    found = likeness(a, b)
    return found.score >= THRESHOLD, found.reasons


def test_the_same_license_typed_two_ways_is_one_business():
    a = shop(1, license_key=license_key("C10-0000123-LIC"))
    b = shop(2, license_key=license_key("c10 0000123 lic"), company_name="Green Leaf Disp LLC",
             email=None, phone=None, address1=None, zip=None)
    assert alike(a, b) == (True, ("same license number",))


def test_a_license_with_two_digits_swapped_still_matches_by_name_and_address():
    a = shop(1, license_key="C100000123")
    b = shop(2, license_key="C100000213", address1="1 Market Street", email=None, phone=None)
    same, reasons = alike(a, b)
    assert same and reasons[0] == "license numbers differ by two swapped characters"
    assert "same street address" in reasons


def test_a_chains_locations_with_their_own_licenses_are_two_customers():
    head = shop(1, phone="+15105550000")
    branch = shop(2, phone="+15105550000", address1="77 Broadway", zip="94612")
    assert alike(head, branch)[0] is False


def test_llc_inc_and_the_do_not_tell_companies_apart():
    a = shop(1, company_name="The Green Leaf Dispensary, L.L.C.", license_key=None)
    b = shop(2, company_name="Green Leaf Dispensary Inc.", license_key=None,
             address1="1 Market Street", email=None)
    same, reasons = alike(a, b)
    assert reasons[:1] == ("same company name",) and same


def test_the_same_email_and_name_with_nothing_else_is_one_person():
    a = person(1, email="ana@mail.example")
    b = person(2, email="ana@mail.example", phone=None, address1=None, zip=None, city=None)
    assert alike(a, b) == (True, ("same email", "same name"))


def test_a_shared_family_mailbox_is_not_enough_for_two_first_names():
    a = person(1, email="okafors@mail.example")
    b = person(2, email="okafors@mail.example", first_name="Mary", phone=None,
               address1=None, zip=None, city=None)
    assert alike(a, b) == (False, ("same email",))


def test_a_work_and_a_personal_address_of_one_mailbox():
    a = person(1, email="robert.okafor@gmail.com")
    b = person(2, email="robertokafor@okafor-law.com", address1="1 Elm St", phone=None)
    same, reasons = alike(a, b)
    assert same and "same email mailbox at another domain" in reasons


def test_a_role_mailbox_at_two_domains_means_nothing():
    a = shop(1, email="info@one.example", license_key=None, company_name="One Shop")
    b = shop(2, email="info@two.example", license_key=None, company_name="Other Place")
    assert "same email mailbox at another domain" not in likeness(a, b).reasons


def test_a_nickname_is_the_same_first_name():
    a = person(1)
    b = person(2, first_name="Bob", email=None, address1="1 Elm St", zip="94601",
               phone="+14155550001")
    same, reasons = alike(a, b)
    assert same and "Robert and Bob are one name" in reasons


def test_first_and_last_name_swapped():
    a = person(1)
    b = profile({"id": 2, "type": "guest", "first_name": "Okafor", "last_name": "Robert",
                 "phone": "+14155550001", "address1": "1 Elm Street", "zip": "94601"})
    assert alike(a, b)[0]


def test_a_typo_in_a_name():
    a = person(1, phone=None)
    b = person(2, last_name="Okafro", email=a.email, phone=None)
    assert alike(a, b)[0]


def test_family_members_sharing_an_address_and_a_phone_are_two_customers():
    a = person(1, first_name="Robert")
    b = person(2, first_name="Mary", phone=a.phone, address1="1 Elm Street", zip=a.zip5,
               email=None)
    assert likeness(a, b).reasons == ("same phone", "same street address")
    assert alike(a, b)[0] is False


def test_namesakes_in_other_cities_are_two_customers():
    a = person(1)
    b = person(2, city="Denver", zip="80203", address1="9 Oak Ave")
    assert alike(a, b)[0] is False


def test_the_same_external_id_is_one_customer():
    a = person(1, external_id="shop-77")
    b = person(2, external_id="shop-77", first_name="R", email=None, phone=None)
    assert alike(a, b) == (True, ("same external id", "names alike"))
    other = person(3, external_id="shop-78", first_name="Mary", email=None)
    assert alike(a, other)[0] is False


def test_street_and_st_are_one_street():
    a = person(1, address1="12 North Main Street")
    b = person(2, address1="12 N. Main St", zip=a.zip5, email=None, phone=a.phone)
    assert "same street address" in likeness(a, b).reasons


def test_only_customers_sharing_a_key_are_compared_each_pair_once():
    a, b = person(1, email="same@mail.example"), person(2, email="same@mail.example")
    stranger = profile({"id": 3, "type": "registered", "first_name": "Zed", "last_name": "Quux",
                        "zip": "10001"})
    compared: list[tuple[int, int]] = []
    found = list(finding.scan([a, b, stranger], threshold=0.0,
                              progress=lambda done, total: compared.append((done, total))))
    assert [(low, high) for low, high, _ in found] == [(1, 2)]  # shared email, name, sound
    assert compared[-1][0] == compared[-1][1] >= 1


def test_a_key_shared_by_too_many_brings_no_pairs():
    crowd = [profile({"id": i, "type": "business", "company_name": f"Shop {i:05d} Alpha",
                      "phone": "+15105550000"}) for i in range(1, MAX_BLOCK + 2)]
    assert list(finding.scan(crowd, threshold=0.0)) == []
    few = crowd[:MAX_BLOCK]
    assert len(list(finding.scan(few, threshold=0.0))) == MAX_BLOCK * (MAX_BLOCK - 1) // 2


text = st.one_of(st.none(), st.text(max_size=40))
customers = st.fixed_dictionaries({
    "id": st.integers(1, 2**31 - 1), "type": st.sampled_from(["business", "registered"]),
    "company_name": text, "first_name": text, "last_name": text, "email": text,
    "phone": text, "license_key": text, "external_id": text, "address1": text, "zip": text,
    "city": text})


@given(customers, customers)
def test_likeness_is_a_probability_the_same_both_ways(a, b):
    first, second = likeness(profile(a), profile(b)), likeness(profile(b), profile(a))
    assert 0 <= first.score <= 1
    assert first.score == second.score
