"""Normalisers: properties that must hold for any input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from patronage.types import email_key, license_key, normalize_email, normalize_phone


@given(st.text(min_size=1).filter(lambda s: any(c.isascii() and c.isalnum() for c in s)))
def test_license_key_is_upper_alnum_and_idempotent(raw):
    key = license_key(raw)
    assert key == license_key(key)
    assert all(c.isascii() and (c.isdigit() or c.isupper()) for c in key)


@given(st.from_regex(r"[A-Za-z]{2}-?[0-9]{3,8}(-?[A-Za-z]{2,4})?", fullmatch=True),
       st.sampled_from(["-", " ", ".", "/", ""]))
def test_license_spellings_share_one_key(raw, separator):
    respelled = separator.join(raw.replace("-", " ").split()).lower()
    assert license_key(respelled) == license_key(raw)


def test_license_without_letters_or_digits_is_refused():
    with pytest.raises(PydanticCustomError):
        license_key("-- //")


@given(st.sampled_from(["4155550134", "(415) 555-0134", "415.555.0134", "+1 415 555 0134",
                        "1-415-555-0134", " 415 555 0134 "]))
def test_phone_spellings_normalise_to_one_e164(raw):
    assert normalize_phone(raw, "US") == "+14155550134"


@given(st.text(alphabet="0123456789", max_size=6))
def test_too_short_phone_is_refused(raw):
    with pytest.raises(PydanticCustomError):
        normalize_phone(raw or "x", "US")


@given(st.from_regex(r"[a-z][a-z0-9.]{0,10}[a-z0-9]", fullmatch=True),
       st.from_regex(r"[a-z]{2,10}\.(com|org|example)", fullmatch=True))
def test_email_domain_is_lower_cased_and_matching_ignores_case(local, domain):
    if ".." in local:
        return
    stored = normalize_email(f"{local}@{domain.upper()}")
    assert stored == f"{local}@{domain}"
    assert email_key(normalize_email(f"{local.upper()}@{domain}")) == email_key(stored)
