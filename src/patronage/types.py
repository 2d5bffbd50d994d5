"""Normalisers for the fields every entry point shares: email, phone, license number.

Each is written once here and used by the API schemas, the admin forms, the CLI and
(later) the importer and the events API.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DOT_ATOM_TEXT,
    EMAIL_MAX_LENGTH,
)
from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from patronage.customers.codes import CustomerCode

_NOT_KEY = re.compile(r"[^A-Z0-9]")


# The common shape of an address, `dot-atom@host.name` in ASCII, is checked by the library's
# own pattern for the part before the @ and by the library itself once per domain (domains
# repeat: a file has a few hundred); anything else, and any refusal, goes to the library
# whole. tests/customers/test_fast_validation.py and bench/validators.py compare the two
# on millions of generated addresses and numbers.
_HOSTNAME = re.compile(r"[A-Za-z0-9.-]{1,253}\Z")
_CASE_INSENSITIVE = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)


@lru_cache(maxsize=4_096)
def _email_domain(domain: str) -> str | None:
    """A domain's normalised form as email-validator gives it, or None if it refuses it."""
    try:
        return validate_email("a@" + domain, check_deliverability=False).domain
    except EmailNotValidError:
        return None


def _quick_email(raw: str) -> str | None:
    """The library's answer for a plain ASCII address, found without running it whole;
    None when the address is not that plain (the library then decides)."""
    local, at, domain = raw.rpartition("@")
    if not at or not _HOSTNAME.match(domain) or not DOT_ATOM_TEXT.match(local) \
            or local.lower() in _CASE_INSENSITIVE:
        return None
    normalised = _email_domain(domain)
    if normalised is None or normalised != domain.lower():
        return None
    address = f"{local}@{normalised}"
    return address if len(raw) <= EMAIL_MAX_LENGTH and len(address) <= EMAIL_MAX_LENGTH \
        else None


@lru_cache(maxsize=65_536)  # events and imports repeat the same addresses
def normalize_email(raw: str) -> str:
    """Validate syntax and return the normalised form (domain lower-cased)."""
    raw = raw.strip()
    quick = _quick_email(raw)
    return quick if quick is not None else email_by_library(raw)


def email_by_library(raw: str) -> str:
    """email-validator's answer, whole (normalize_email's reference and fallback)."""
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise PydanticCustomError(CustomerCode.INVALID_EMAIL, "Not a valid email address: {reason}",
                                  {"reason": str(exc)}) from exc


def email_key(email: str) -> str:
    """The case-insensitive matching key of an already normalised email."""
    return email.lower()


# A North American number as people type it: (415) 555-0123, 415.555.0123, +1 415 555 0123.
# Its parse is known without phonenumbers' parser (country 1, the ten digits); whether it
# exists is still phonenumbers' is_valid_number.
_NANP = re.compile(r"(?:\+?1[ .-]?)?(?:\(([2-9][0-9]{2})\)|([2-9][0-9]{2}))[ .-]?"
                   r"([0-9]{3})[ .-]?([0-9]{4})\Z")


def _quick_phone(raw: str, region: str) -> str | None:
    """E.164 of a plainly typed North American number in a region of country code 1;
    None when the number is not that plain or not valid (phonenumbers then decides)."""
    if (found := _NANP.match(raw)) is None or \
            phonenumbers.country_code_for_region(region) != 1:
        return None
    area, bare, exchange, line = found.groups()
    digits = f"{area or bare}{exchange}{line}"
    number = phonenumbers.PhoneNumber(country_code=1, national_number=int(digits))
    # is_valid_number finds the number's region first: the US, first of country 1's regions
    # and matched by full validation (no leading digits), whenever the number is valid
    # there, then validates it again for that region. A number valid for the US is
    # therefore valid, found with one of the two validations; any other is asked whole.
    if not (phonenumbers.is_valid_number_for_region(number, "US")
            or phonenumbers.is_valid_number(number)):
        return None
    return f"+1{digits}"


@lru_cache(maxsize=65_536)
def normalize_phone(raw: str, region: str = "US") -> str:
    """Parse a phone number as typed (national numbers in ``region``) and return E.164."""
    raw = raw.strip()
    quick = _quick_phone(raw, region)
    return quick if quick is not None else phone_by_library(raw, region)


def phone_by_library(raw: str, region: str) -> str:
    """phonenumbers' answer, whole (normalize_phone's reference and fallback)."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        raise PydanticCustomError(CustomerCode.INVALID_PHONE, "Not a phone number: '{raw}'",
                                  {"raw": raw}) from exc
    if not phonenumbers.is_valid_number(number):
        raise PydanticCustomError(CustomerCode.INVALID_PHONE,
                                  "Not a valid phone number for region {region}: '{raw}'",
                                  {"raw": raw, "region": region})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    """Human-friendly rendering of a stored E.164 number."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def license_key(raw: str) -> str:
    """Upper-case letters and digits only: ``ca-123 45`` and ``CA12345`` are one license."""
    key = _NOT_KEY.sub("", raw.upper())
    if not key:
        raise PydanticCustomError(CustomerCode.INVALID_LICENSE_NUMBER,
                                  "A license number needs at least one letter or digit.")
    return key


CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _no_control_chars(raw: str) -> str:
    """NUL and other C0 controls (except tab and newlines) never belong in a text field;
    PostgreSQL cannot even store NUL."""
    if CONTROL_CHARS.search(raw):
        raise PydanticCustomError(CustomerCode.INVALID_CHARACTERS,
                                  "Contains control characters that cannot be stored.")
    return raw


PlainText = AfterValidator(_no_control_chars)


def _check_license(raw: str) -> str:
    _no_control_chars(raw)
    license_key(raw)
    return raw


Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254),
                  AfterValidator(normalize_email)]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
                      PlainText]
LicenseNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=64), AfterValidator(_check_license)]

def within_utc(value: datetime) -> datetime:
    """An instant UTC can hold: one whose offset pushes it before year 1 or past 9999 is
    refused (the value itself is kept as sent; it is stored as UTC)."""
    if value.tzinfo is not None:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise PydanticCustomError(
                CustomerCode.DATETIME_OUT_OF_RANGE,
                "{value} falls outside the years 1 to 9999 once its offset is applied.",
                {"value": value.isoformat()}) from None
    return value


# Every date-time the product takes (customers, events, activities).
Instant = Annotated[datetime, AfterValidator(within_utc)]

# Ids and counts are 32-bit INTEGER columns on PostgreSQL; larger numbers cannot name a row.
MAX_INT = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
Count = Annotated[int, Field(ge=0, le=MAX_INT)]


def normalise_tag(tag: str) -> str:
    """Tags are case-insensitive labels: stored lower-case, single-spaced."""
    return " ".join(tag.split()).lower()
