"""Field rules that need the tenant: phone region, references, required sets, uniqueness."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from patronage.customers import fields
from patronage.customers.codes import CustomerCode
from patronage.errors import FieldError
from patronage.settings_lists.models import LicenseType, PaymentTerm, Status, Store
from patronage.tenancy.models import User
from patronage.types import license_key, normalise_tag, normalize_phone

_LISTS: dict[str, tuple[Any, str]] = {
    "statuses": (Status, "status"),
    "payment_terms": (PaymentTerm, "payment term"),
    "license_types": (LicenseType, "license type"),
    "stores": (Store, "store"),
    "users": (User, "team member"),
}
# Each reference field (customers.fields): the model it points into, and its name in words.
REFERENCES: dict[str, tuple[Any, str]] = {
    name: _LISTS[target] for name, target in fields.REFERENCES.items()}

# What staff must fill in when they add a customer by hand (SPEC.md "Customers").
REQUIRED_BY_HAND = {
    "business": ("company_name",),
    "registered": ("first_name", "last_name", "email", "phone", "address1", "city", "state",
                   "zip"),
    "guest": ("first_name", "last_name", "email", "phone", "address1", "city", "state", "zip"),
}


def _name(company: str | None, first: str | None, last: str | None, email: str | None,
          phone: str | None) -> str:
    """Company, else the person's name, else email, else phone ('' when none)."""
    if company:
        return company
    if first and last:
        return f"{first} {last}"
    return first or last or email or phone or ""


def display_name(company: str | None, first: str | None, last: str | None,
                 email: str | None = None, phone: str | None = None) -> str:
    return _name(company, first, last, email, phone) or "Unnamed customer"


def sort_name(company: str | None, first: str | None, last: str | None,
              email: str | None = None, phone: str | None = None) -> str:
    """The name sort key; the same rule as migration 0002's backfill."""
    return _name(company, first, last, email, phone).lower()


def sort_name_of(values: Mapping[str, Any]) -> str:
    """sort_name from a record's fields (missing ones count as empty)."""
    return sort_name(values.get("company_name"), values.get("first_name"),
                     values.get("last_name"), values.get("email"), values.get("phone"))


def average_order(total_cents: int, count: int) -> int:
    """Average order value in cents, rounded half up (the same rule in SQL, derived.py)."""
    return (2 * total_cents + count) // (2 * count) if count else 0


# A figure a file may state (imports), and the part of it kept as imported.
IMPORTED_TOTALS = {"order_count": "imported_order_count",
                   "total_spent_cents": "imported_spent_cents"}


def import_totals(current: Mapping[str, Any] | None, changes: dict[str, Any],
                  now: Any) -> None:
    """Totals a file states for a customer (``order_count``, ``total_spent_cents`` in
    ``changes``) are what another system counted: they become the imported part, and the
    orders recorded here stay on top of it. A figure equal to the stored imported part
    (the same file again) or to the whole stored figure (our own export) is no change."""
    stated = False
    for figure, part in IMPORTED_TOTALS.items():
        if figure not in changes:
            continue
        value = changes.pop(figure)
        if current is not None and value in (current[part], current[figure]):
            continue
        recorded = current[figure] - current[part] if current is not None else 0
        changes[figure], changes[part] = value + recorded, value
        stated = True
    if stated:
        changes["totals_imported_at"] = now


def normalise(values: dict[str, Any], region: str, *, addresses: bool = True,
              stored_country: str | None = None) -> list[FieldError]:
    """Normalise phone, license and (``addresses``) a US address's state and ZIP in place;
    return the errors found."""
    from pydantic_core import PydanticCustomError

    from patronage.addresses import us_problems

    errors: list[FieldError] = []
    if addresses:
        errors += [FieldError(f"/{field}", message, code)
                   for field, message, code in us_problems(values, region, stored_country)]
    if values.get("phone"):
        try:
            values["phone"] = normalize_phone(values["phone"], region)
        except PydanticCustomError as exc:
            errors.append(FieldError("/phone", exc.message(), exc.type))
    if "license_number" in values:
        number = values["license_number"]
        values["license_key"] = license_key(number) if number else None
    if "tags" in values and values["tags"] is not None:
        values["tags"] = sorted({normalise_tag(t) for t in values["tags"]} - {""})
    return errors


def check_references(session: Session, tenant_id: int, values: dict[str, Any]) -> list[FieldError]:
    errors = []
    for field, (model, label) in REFERENCES.items():
        ref = values.get(field)
        if ref is None:
            continue
        found = session.scalar(select(model.id).where(model.tenant_id == tenant_id,
                                                      model.id == ref))
        if found is None:
            errors.append(FieldError(f"/{field}", f"No {label} with id {ref} in this tenant.",
                                     CustomerCode.UNKNOWN_REFERENCE))
    return errors


def check_required(values: dict[str, Any], customer_type: str,
                   fields: tuple[str, ...] | None = None) -> list[FieldError]:
    """Missing required fields; ``fields`` limits the check to those being changed."""
    required = REQUIRED_BY_HAND.get(customer_type, ())
    return [FieldError(f"/{name}", f"Required for a {customer_type} customer.",
                       CustomerCode.REQUIRED)
            for name in required
            if (fields is None or name in fields) and not values.get(name)]


def draft_errors(values: Mapping[str, Any], region: str, *, adding: bool) -> list[FieldError]:
    """The rules a schema cannot check (the phone in the workspace's region, a US address's
    state and ZIP, the required fields of a customer added by hand), run over input that
    failed the schema, so that one answer names every bad field. ``values`` is raw input:
    anything may be of any type."""
    errors: list[FieldError] = []
    phone = values.get("phone")
    if isinstance(phone, str) and phone.strip():
        errors += normalise({"phone": phone}, region)
    address = {k: values[k] for k in ("state", "zip", "country")
               if isinstance(values.get(k), str)}
    if adding or "country" in address:  # an edit's stored country is not known here
        from patronage.addresses import us_problems

        errors += [FieldError(f"/{field}", message, code)
                   for field, message, code in us_problems(address, region)]
    kind = values.get("type")
    if adding and isinstance(kind, str) and kind in REQUIRED_BY_HAND:
        errors += check_required(dict(values), kind)
    return errors


def held_by(field: str, value: str, customer_id: int, name: str) -> str:
    """How every door says that another customer holds a unique key."""
    return f"Customer #{customer_id} ({name}) already has {field.replace('_', ' ')} {value}."
