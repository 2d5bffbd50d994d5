"""Normalisers: properties that must hold for any input."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from patronage.types import (
    MAX_INT,
    Count,
    Email,
    Id,
    LicenseNumber,
    PhoneText,
    _no_control_chars,
    email_key,
    format_phone,
    license_key,
    normalise_tag,
    normalize_email,
    normalize_phone,
)


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


# --- each normaliser's exact answer, error code and message ------------------------------

def _refusal(call, *args):
    with pytest.raises(PydanticCustomError) as caught:
        call(*args)
    return caught.value.type, caught.value.message()


def test_email_refusal_names_the_reason():
    assert _refusal(normalize_email, "ann@") == (
        "invalid_email", "Not a valid email address: There must be something after the @-sign.")


def test_email_is_trimmed_and_never_looked_up():
    # No network here: a deliverability check would refuse every address.
    assert normalize_email("  ann@example.com  ") == "ann@example.com"


def test_phone_refusals_name_the_input_and_region():
    assert _refusal(normalize_phone, "call me", "US") == (
        "invalid_phone", "Not a phone number: 'call me'")
    assert _refusal(normalize_phone, "+1 999 555 0134", "GB") == (
        "invalid_phone", "Not a valid phone number for region GB: '+1 999 555 0134'")


def test_phone_region_defaults_to_us():
    assert normalize_phone("415 555 0134") == "+14155550134"
    assert normalize_phone("020 7946 0018", "GB") == "+442079460018"


@pytest.mark.parametrize(("stored", "shown"), [
    ("+14155550134", "+1 415-555-0134"),
    ("+442079460018", "+44 20 7946 0018"),
    (None, ""),
    ("", ""),
    ("not a number", "not a number"),  # legacy text is shown as it was stored
])
def test_format_phone(stored, shown):
    assert format_phone(stored) == shown


def test_license_refusal_code_and_message():
    assert _refusal(license_key, "-- //") == (
        "invalid_license_number", "A license number needs at least one letter or digit.")
    assert license_key("ca-123 45/lic") == "CA12345LIC"


@pytest.mark.parametrize("raw", ["Nul\x00", "bell\x07", "esc\x1b[0m", "\x0bvt", "\x1f"])
def test_control_characters_are_refused(raw):
    assert _refusal(_no_control_chars, raw) == (
        "invalid_characters", "Contains control characters that cannot be stored.")


@pytest.mark.parametrize("raw", ["tab\there", "two\nlines", "crlf\r\nend", "plain"])
def test_tabs_and_newlines_are_text(raw):
    assert _no_control_chars(raw) == raw


@pytest.mark.parametrize(("raw", "tag"), [
    ("VIP", "vip"), ("  Gold   Star ", "gold star"), ("a\tb", "a b"), ("   ", "")])
def test_tags_are_lower_case_and_single_spaced(raw, tag):
    assert normalise_tag(raw) == tag


# --- the shared field types, at and past each limit --------------------------------------

def _check(kind, value):
    return TypeAdapter(kind).validate_python(value)


def _code(kind, value):
    with pytest.raises(ValidationError) as caught:
        _check(kind, value)
    return caught.value.errors()[0]["type"]


def test_id_bounds_are_the_32_bit_column():
    assert MAX_INT == 2_147_483_647
    assert _check(Id, 1) == 1
    assert _check(Id, 2_147_483_647) == 2_147_483_647
    assert _code(Id, 0) == "greater_than_equal"
    assert _code(Id, 2_147_483_648) == "less_than_equal"


def test_count_bounds_start_at_zero():
    assert _check(Count, 0) == 0
    assert _check(Count, 2_147_483_647) == 2_147_483_647
    assert _code(Count, -1) == "greater_than_equal"
    assert _code(Count, 2_147_483_648) == "less_than_equal"


def test_email_length_is_counted_after_trimming():
    local = "a" * 64
    address = f"{local}@{'b' * 63}.{'c' * 63}.{'d' * 57}.com"  # 254 characters
    assert len(address) == 254
    assert _check(Email, f"  {address}  ") == address
    assert _code(Email, "e" + address) == "string_too_long"
    assert _code(Email, "ann@") == "invalid_email"


def test_phone_text_length_is_counted_after_trimming():
    spaced = "+1" + " " * 24 + "(415) 555-0134"  # 40 characters
    assert _check(PhoneText, f"   {spaced}   ") == spaced
    assert _check(PhoneText, "5") == "5"  # only the text is bounded here; rules parse it
    assert _code(PhoneText, spaced + "5") == "string_too_long"
    assert _code(PhoneText, "   ") == "string_too_short"
    assert _code(PhoneText, "415\x00") == "invalid_characters"


def test_license_number_is_trimmed_and_bounded():
    assert _check(LicenseNumber, "  CA-1  ") == "CA-1"
    assert _check(LicenseNumber, "A") == "A"
    assert _check(LicenseNumber, "L" * 64) == "L" * 64
    assert _code(LicenseNumber, "L" * 65) == "string_too_long"
    assert _code(LicenseNumber, "  ") == "string_too_short"
    assert _code(LicenseNumber, "-- //") == "invalid_license_number"
    assert _code(LicenseNumber, "CA\x00-1") == "invalid_characters"
