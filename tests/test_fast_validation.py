"""The quick paths of normalize_email and normalize_phone answer exactly what email-validator
and phonenumbers answer: the same normalised value, and a refusal wherever they refuse.
bench/validators.py runs the same comparison over millions of inputs."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import PydanticCustomError

from patronage import types
from patronage.types import normalize_email, normalize_phone


def library_email(raw: str) -> str | None:
    return ours(types.email_by_library, raw.strip())


def library_phone(raw: str, region: str) -> str | None:
    return ours(types.phone_by_library, raw.strip(), region)


def ours(normalise, *args) -> str | None:
    if hasattr(normalise, "cache_clear"):
        normalise.cache_clear()
    try:
        return normalise(*args)
    except PydanticCustomError:
        return None


# Addresses near the edges of the quick path: every character class the grammar knows,
# special-use and numeric top-level domains, Punycode, case, mailbox names, long parts.
LOCAL_CHARS = "abcXYZ019._%+-!#$&'*/=?^`{|}~\"(),:;<>@[\\] é"
LABELS = ["mail", "example", "com", "TEST", "test", "localhost", "arpa", "local", "onion",
          "invalid", "xn--bcher-kva", "xn--zz", "a-b", "-ab", "ab-", "ab--cd", "co", "c0m",
          "123", "x" * 63, "y" * 64, "Gmail", "ÉCOLE", ""]
locals_ = st.one_of(st.text(LOCAL_CHARS, min_size=0, max_size=70),
                    st.sampled_from(["info", "Info", "POSTMASTER", "sales", "a" * 64,
                                     "a" * 65, "a..b", ".a", "a.", "ana.silva"]))
domains = st.lists(st.sampled_from(LABELS), min_size=1, max_size=5).map(".".join)


@settings(max_examples=3_000, deadline=None)
@given(local=locals_, domain=domains, pad=st.sampled_from(["", " ", "\t"]))
def test_email_quick_path_answers_as_the_library(local: str, domain: str, pad: str) -> None:
    raw = f"{pad}{local}@{domain}{pad}"
    assert ours(normalize_email, raw) == library_email(raw)


@settings(max_examples=1_000, deadline=None)
@given(raw=st.text(min_size=0, max_size=80))
def test_email_of_any_text_answers_as_the_library(raw: str) -> None:
    assert ours(normalize_email, raw) == library_email(raw)


def test_long_addresses_at_the_limit() -> None:
    domain = ".".join(["d" * 63] * 3) + ".com"  # 195 characters
    for local_length in (1, 50, 58, 59, 60, 64, 65):
        raw = "a" * local_length + "@" + domain
        assert ours(normalize_email, raw) == library_email(raw), local_length


def test_the_quick_path_is_taken_for_plain_addresses() -> None:
    assert types._quick_email("Ana.Silva1@Mail3.Example") == "Ana.Silva1@mail3.example"
    assert types._quick_email("info@x.com") is None  # the library lower-cases it
    assert types._quick_email("a@x.test") is None  # refused: the library says why


digits = st.text("0123456789", min_size=0, max_size=12)
separators = st.sampled_from(["", " ", "-", ".", "  ", "/", "(", ")"])
phones = st.one_of(
    st.builds(lambda p, a, s1, e, s2, n, tail: f"{p}{a}{s1}{e}{s2}{n}{tail}",
              st.sampled_from(["", "+1 ", "1 ", "1-", "+1", "+", "+44 ", "(", "001 ", "011 "]),
              st.sampled_from(["(415)", "415", "(415", "415)", "(015)", "(115)", "(911)",
                               "212", "(800)", "555", "999", "(340)", "787", "416", "876"]),
              separators, st.text("0123456789", min_size=3, max_size=4), separators,
              st.text("0123456789", min_size=3, max_size=5),
              st.sampled_from(["", " ", " x12", " ext. 7", "#", "  "])),
    st.builds(lambda a, b: a + b, separators, digits),
    st.text("0123456789 +-().x", min_size=0, max_size=20))
regions = st.sampled_from(["US", "CA", "PR", "JM", "GB", "DE", "FR", "MX", "AU", "ZZ"])


@settings(max_examples=4_000, deadline=None)
@given(raw=phones, region=regions)
def test_phone_quick_path_answers_as_phonenumbers(raw: str, region: str) -> None:
    assert ours(normalize_phone, raw, region) == library_phone(raw, region)


@pytest.mark.parametrize("raw", ["(415) 555-0123", "415.555.0123", "+1 415 555 0123",
                                 "1-415-555-0123", "4155550123"])
def test_the_quick_path_is_taken_for_plain_numbers(raw: str) -> None:
    assert types._quick_phone(raw, "US") == "+14155550123"
    assert types._quick_phone(raw, "GB") is None


@pytest.mark.parametrize("region", phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])
def test_numbers_of_every_north_american_region_answer_as_phonenumbers(region: str) -> None:
    # The quick path asks the US first; a number of any other region of country 1 (and
    # one that is nobody's) must still get the library's whole answer.
    for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
                 phonenumbers.PhoneNumberType.TOLL_FREE):
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        national = str(example.national_number)
        for raw in (f"({national[:3]}) {national[3:6]}-{national[6:]}",
                    f"{national[:3]}.{national[3:6]}.{national[6:9]}0"):
            for typed_in in ("US", region):
                assert types._quick_phone(raw, typed_in) in (None, library_phone(raw, typed_in))
                assert ours(normalize_phone, raw, typed_in) == library_phone(raw, typed_in)


def test_the_library_still_finds_a_us_number_by_validating_it_first() -> None:
    # What the quick path's single validation rests on (types._quick_phone): the US is the
    # first region of country 1 and is matched by full validation, not leading digits.
    from phonenumbers.phonemetadata import PhoneMetadata

    assert phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1][0] == "US"
    assert PhoneMetadata.metadata_for_region("US").leading_digits is None
