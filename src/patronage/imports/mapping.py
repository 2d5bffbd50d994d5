"""Which column holds which customer field: proposed from the header (our own export's
headers, common synonyms, the e-commerce platforms' customer layouts), changeable by the
user, reusable as a saved mapping (a JSON object of header -> field, null to ignore)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from patronage.customers import fields as customer_fields
from patronage.customers.tables import COLUMNS
from patronage.errors import FieldError, ValidationFailed
from patronage.imports.codes import ImportCode


def _synonyms() -> dict[str, tuple[str, ...]]:
    """Importer field -> header spellings (compared lower-cased, letters and digits only):
    each field's label and synonyms (customers.fields), plus the SMS marketing consent the
    platforms export beside the email one (both fill ``subscription``)."""
    out: dict[str, tuple[str, ...]] = {}
    for f in customer_fields.FIELDS:
        if f.import_as is not None:
            out[f.column] = (f.label, *f.synonyms)
        if f.name == "subscription":
            out["sms_subscription"] = ("Accepts SMS Marketing",)
    return out


SYNONYMS = _synonyms()
FIELDS = tuple(SYNONYMS)
# Columns our export writes that are computed, not imported (customers.tables).
IGNORED_BY_DEFAULT = tuple(c.key for c in COLUMNS.values() if c.key not in SYNONYMS)
IGNORED_HEADERS = {COLUMNS[k].label for k in IGNORED_BY_DEFAULT}
IDENTIFYING = ("license_number", "external_id", "email", "phone")


def key(header: str) -> str:
    return re.sub(r"[^a-z0-9#]", "", header.lower()).replace("#", "number")


_BY_KEY = {key(h): field for field, names in SYNONYMS.items() for h in names}
# How good a header is for its field: its place in the synonyms ("Phone" beats "Default
# Address Phone" when a file has both).
_RANK = {key(h): i for names in SYNONYMS.values() for i, h in enumerate(names)}
_IGNORED_KEYS = {key(h) for h in IGNORED_HEADERS}


@dataclass
class Mapping:
    headers: list[str]
    fields: list[str | None]  # per column: the field it fills, or None (ignored)

    @property
    def unmapped(self) -> list[str]:
        return [h for h, f in zip(self.headers, self.fields, strict=True) if f is None]

    def as_dict(self) -> dict[str, str | None]:
        return dict(zip(self.headers, self.fields, strict=True))


def propose(headers: list[str], saved: dict[str, str | None] | None = None) -> Mapping:
    """A mapping for this header: a saved mapping's choices first, then the synonyms."""
    check_header(headers)
    fields: list[str | None] = []
    taken: dict[str, int] = {}  # field -> the column that fills it
    for column, header in enumerate(headers):
        chosen = saved is not None and header in saved
        if chosen:
            field = saved[header]
            if field is not None and field not in FIELDS:
                raise ValidationFailed.field(
                    "mapping", f"The saved mapping sends '{header}' to '{field}', which is "
                    f"not a customer field. Fields: {', '.join(FIELDS)}.", ImportCode.UNKNOWN_FIELD)
        else:
            field = None if key(header) in _IGNORED_KEYS else _BY_KEY.get(key(header))
        if field in taken:  # two columns for one field: the better-named one fills it
            other = taken[field]
            if chosen or _RANK.get(key(header), 99) < _RANK.get(key(headers[other]), 99):
                fields[other] = None
            else:
                field = None
        if field:
            taken[field] = column
        fields.append(field)
    mapping = Mapping(list(headers), fields)
    check_mapping(mapping)
    return mapping


# More columns than any customer file has (every field twice over, and room for a
# platform's extras): a header past it is refused before anything is done with it.
MAX_COLUMNS = 500


def check_header(headers: list[str]) -> None:
    if len(headers) > MAX_COLUMNS:
        raise ValidationFailed.field(
            "header", f"The header has {len(headers):,} columns; a customer file has at most "
            f"{MAX_COLUMNS}. Is this the right file?", ImportCode.TOO_MANY_COLUMNS)
    blank = [i + 1 for i, h in enumerate(headers) if not h.strip()]
    seen: dict[str, int] = {}
    duplicates = []
    for h in headers:
        if h.strip() and key(h) in seen:
            duplicates.append(h)
        seen.setdefault(key(h), 1)
    errors = []
    if duplicates:
        errors.append(FieldError("/header", "The header names a column twice: "
                                 + ", ".join(f"'{d}'" for d in duplicates)
                                 + ". Rename one so every column can be mapped.",
                                 ImportCode.DUPLICATE_HEADER))
    if blank and len(blank) == len(headers):
        errors.append(FieldError("/header", "The first line is empty; it must name the "
                                 "columns.", ImportCode.MISSING_HEADER))
    if errors:
        raise ValidationFailed.of(errors)


def check_mapping(mapping: Mapping) -> None:
    """Every row needs a way to be matched and to name someone."""
    mapped = {f for f in mapping.fields if f}
    if not mapped & {*IDENTIFYING, "company_name", "first_name", "last_name"}:
        wanted = ", ".join(SYNONYMS[f][0] for f in (*IDENTIFYING, "company_name"))
        close = sorted({c for h in mapping.headers for c in difflib.get_close_matches(
            key(h), list(_BY_KEY), n=1, cutoff=0.6)})
        hint = (" Closest headers found: " + ", ".join(
            f"'{h}'" for h in mapping.headers
            if difflib.get_close_matches(key(h), list(_BY_KEY), n=1, cutoff=0.6))
            + ".") if close else ""
        raise ValidationFailed.field(
            "header", f"No column identifies the customers. Expected one of: {wanted}."
            + hint, ImportCode.MISSING_REQUIRED_COLUMN)
