"""Customer use cases: each owns its transaction and writes its audit trail in it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from patronage.customers import access, queries, rules, writes
from patronage.customers.filters import CustomerFilters
from patronage.customers.models import AuditEntry, Customer
from patronage.customers.queries import to_out
from patronage.customers.schemas import (
    EDITABLE_FIELDS,
    AuditEntryOut,
    AuditPage,
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerSaved,
    CustomerUpdate,
)
from patronage.customers.writes import Actor
from patronage.db import begin_writing
from patronage.duplicates import kept
from patronage.errors import (
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from patronage.merges import redirects
from patronage.pagination import decode_id_cursor, encode_cursor


def _current(c: Customer, field: str) -> Any:
    if field == "tags":
        return [t.tag for t in c.tag_rows]
    return getattr(c, field)


def _load(session: Session, tenant_id: int, customer_id: int) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.tenant_id == tenant_id,
                                                     Customer.id == customer_id))
    if customer is None:
        raise redirects.no_customer(session.connection(), tenant_id, customer_id)
    return customer


def create_customer(session: Session, *, actor: Actor, data: CustomerCreate,
                    by_hand: bool = True) -> CustomerSaved:
    values = data.model_dump()
    errors = rules.normalise(values, actor.principal.tenant_region)
    errors += rules.check_references(session, actor.tenant_id, values)
    if by_hand:
        errors += rules.check_required(values, values["type"])
    if errors:
        raise ValidationFailed.of(errors)
    begin_writing(session)  # the uniqueness probe and the insert in one write transaction
    writes.check_unique(session, actor.tenant_id, values)
    writer = writes.Writer(session, actor)
    (customer_id,) = writes.answered(session, lambda: writer.create([values]))
    return commit_by_hand(session, actor.tenant_id, customer_id)


def commit_by_hand(session: Session, tenant_id: int, customer_id: int) -> CustomerSaved:
    """Commit a customer staff just wrote (added, changed, registered), with its likely
    duplicates found and kept in the same transaction."""
    found = kept.refresh(session.connection(), tenant_id, [customer_id])[customer_id]
    session.commit()
    customer = queries.read_many(session, tenant_id, [customer_id])[0]
    return CustomerSaved(**customer.model_dump(), possible_duplicates=kept.possible(found))


def likely_duplicates(session: Session, tenant_id: int, region: str, values: dict[str, Any],
                      exclude_id: int | None = None) -> list[kept.Candidate]:
    """The customers a customer about to be saved with ``values`` (its fields as entered)
    may duplicate, most likely first: normalised as a save would, nothing written."""
    values = dict(values)
    errors = rules.normalise(values, region)
    if errors:
        raise ValidationFailed.of(errors)
    return kept.check(session.connection(), tenant_id, values, exclude_id)


def parse_if_match(header: str | None) -> int | None:
    """The version an ``If-Match`` header names; ``*`` matches any version."""
    if header is None:
        raise PreconditionRequired("Send If-Match with the ETag you read, so a stale edit "
                                   "cannot overwrite someone else's change.")
    tag = header.strip()
    if tag == "*":
        return None
    tag = tag.removeprefix("W/").strip('"')
    if not (tag.isascii() and tag.isdigit()) or len(tag) > 10:
        raise PreconditionFailed(f"If-Match {header!r} is not an ETag this server issued.")
    return int(tag)


def etag(version: int) -> str:
    return f'"{version}"'


def _check_version(customer: Customer, expected: int | None) -> None:
    if expected is not None and expected != customer.version:
        raise PreconditionFailed(
            f"This customer was changed since you read it (you have version {expected}, "
            f"it is now at version {customer.version}). Reload and apply your change again.",
            extra={"current_version": customer.version})


def update_customer(session: Session, *, actor: Actor, customer_id: int,
                    data: CustomerUpdate, expected_version: int | None) -> CustomerSaved:
    customer = _load(session, actor.tenant_id, customer_id)
    access.require_editor(session, actor.principal, customer)
    _check_version(customer, expected_version)
    values = data.model_dump(exclude_unset=True)
    for flag in ("type", "tax_exempt", "subscription", "allow_age_limited_products"):
        if flag in values and values[flag] is None:
            values.pop(flag)
    if "tags" in values and values["tags"] is None:
        values["tags"] = []
    errors = rules.normalise(values, actor.principal.tenant_region,
                             stored_country=customer.country)
    errors += rules.check_references(session, actor.tenant_id, values)
    merged = {f: _current(customer, f) for f in EDITABLE_FIELDS} | values
    merged["license_key"] = values.get("license_key", customer.license_key)
    # Records made by events or imports may be partial: an edit may leave a gap as it was,
    # but may not clear a required field that has a value.
    cleared = tuple(f for f in values if _current(customer, f) and not values[f])
    retyped = "type" in values and values["type"] != customer.type
    errors += rules.check_required(merged, merged["type"], None if retyped else cleared)
    if errors:
        raise ValidationFailed.of(errors)
    writes.check_unique(session, actor.tenant_id, merged, exclude_id=customer.id)
    changes = {f: v for f, v in values.items()
               if f in EDITABLE_FIELDS and _current(customer, f) != v}
    if not changes:
        return CustomerSaved(**to_out(customer).model_dump(), possible_duplicates=kept.possible(
            kept.listed(session.connection(), actor.tenant_id, customer.id)))
    current = {f: _current(customer, f) for f in (*EDITABLE_FIELDS, "version", "id")}
    begin_writing(session)  # in turn; an import holding the database: said at once
    writer = writes.Writer(session, actor)
    try:
        writes.answered(session, lambda: writer.update([(current, changes)], check_version=True))
    except writes.Stale as exc:  # a concurrent writer got there between read and write
        session.rollback()
        raise PreconditionFailed("This customer was changed by someone else just now. "
                                 "Reload and apply your change again.") from exc
    return commit_by_hand(session, actor.tenant_id, customer.id)


def delete_customer(session: Session, *, actor: Actor, customer_id: int,
                    expected_version: int | None = None) -> None:
    customer = _load(session, actor.tenant_id, customer_id)
    _check_version(customer, expected_version)
    begin_writing(session)
    writes.Writer(session, actor).delete([customer.id])
    session.commit()


def get_customer(session: Session, *, tenant_id: int, customer_id: int) -> CustomerOut:
    return to_out(_load(session, tenant_id, customer_id))


def list_customers(session: Session, *, tenant_id: int, region: str = "US",
                   filters: CustomerFilters | None = None, sort: str | None = None,
                   limit: int = 50, cursor: str | None = None) -> CustomerPage:
    """The directory: filtered, searched, sorted and keyset-paged, with its total."""
    filters = filters or CustomerFilters()
    order = queries.parse_sort(sort, searching=bool(filters.q))
    page = queries.find(session, tenant_id=tenant_id, region=region, filters=filters,
                        sort=order, limit=limit, cursor=cursor)
    return CustomerPage(items=queries.read_many(session, tenant_id, page.ids),
                        total=page.total, total_exact=page.total_exact,
                        next_cursor=page.next_cursor)


def customer_history(session: Session, *, tenant_id: int, customer_id: int, limit: int,
                     cursor: str | None = None) -> AuditPage:
    _load(session, tenant_id, customer_id)
    query = select(AuditEntry).where(AuditEntry.tenant_id == tenant_id,
                                     AuditEntry.customer_id == customer_id)
    if cursor:
        query = query.where(AuditEntry.id < decode_id_cursor(cursor))
    rows = list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(items=[AuditEntryOut.model_validate(r) for r in rows],
                     next_cursor=encode_cursor([rows[-1].id]) if more else None)
