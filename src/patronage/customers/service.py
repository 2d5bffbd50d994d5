"""Customer use cases: each owns its transaction and writes its audit trail in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from patronage.customers import queries, records, rules
from patronage.customers.filters import CustomerFilters
from patronage.customers.models import AuditEntry, Customer, CustomerTag
from patronage.customers.records import to_out
from patronage.customers.schemas import (
    EDITABLE_FIELDS,
    AuditEntryOut,
    AuditPage,
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerUpdate,
)
from patronage.db import utcnow
from patronage.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    ValidationFailed,
)
from patronage.pagination import decode_id_cursor, encode_cursor
from patronage.tenancy.schemas import Principal


@dataclass(frozen=True)
class Actor:
    """Who makes a change and through which channel (recorded in the audit trail)."""

    principal: Principal
    source: str = "api"  # api | admin | cli | import | event

    @property
    def tenant_id(self) -> int:
        return self.principal.tenant_id


def jsonable(value: Any) -> Any:
    """An audit value as JSON stores it (dates as ISO text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def audit_values(actor: Actor, customer_id: int, action: str, field: str | None = None,
                 old: Any = None, new: Any = None, at: datetime | None = None
                 ) -> dict[str, Any]:
    """One audit entry's columns: the one shape every writer (edit, bulk, event, import)
    records a change in."""
    return {"tenant_id": actor.tenant_id, "customer_id": customer_id, "at": at or utcnow(),
            "user_id": actor.principal.user_id, "actor": actor.principal.email,
            "source": actor.source, "action": action, "field": field,
            "old_value": jsonable(old), "new_value": jsonable(new)}


def _snapshot(c: Customer) -> dict[str, Any]:
    return {f: jsonable(_current(c, f)) for f in EDITABLE_FIELDS if _current(c, f) not in
            (None, [], False)}


def _current(c: Customer, field: str) -> Any:
    if field == "tags":
        return [t.tag for t in c.tag_rows]
    return getattr(c, field)


def _audit(session: Session, actor: Actor, customer_id: int, action: str,
           field: str | None = None, old: Any = None, new: Any = None) -> None:
    session.add(AuditEntry(**audit_values(actor, customer_id, action, field, old, new)))


def _load(session: Session, tenant_id: int, customer_id: int) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.tenant_id == tenant_id,
                                                     Customer.id == customer_id))
    if customer is None:
        raise NotFound(f"No customer with id {customer_id}.")
    return customer


def _apply(customer: Customer, values: dict[str, Any]) -> None:
    for field, value in values.items():
        if field == "tags":
            customer.tag_rows = [CustomerTag(tenant_id=customer.tenant_id, tag=t)
                                 for t in value]
        else:
            setattr(customer, field, value)
    customer.sort_name = rules.sort_name(customer.company_name, customer.first_name,
                                         customer.last_name, customer.email, customer.phone)
    if values.get("subscription") and not customer.subscribed_at:
        customer.subscribed_at = utcnow()
    elif values.get("subscription") is False:
        customer.subscribed_at = None


def _flush(session: Session) -> None:
    """The database is the last guard: its refusals become field errors, not 500s."""
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        message = str(exc.orig)
        if "license" in message:
            raise Conflict("Another business of this tenant has that license number.",
                           extra={"constraint": "license_key"}) from exc
        if "external_id" in message:
            raise Conflict("Another customer of this tenant has that external id.") from exc
        raise ValidationFailed(detail="The record breaks a database rule: "
                               f"{message.splitlines()[0]}") from exc


def create_customer(session: Session, *, actor: Actor, data: CustomerCreate,
                    by_hand: bool = True) -> CustomerOut:
    values = data.model_dump()
    errors = rules.normalise(values, actor.principal.tenant_region)
    errors += rules.check_references(session, actor.tenant_id, values)
    if by_hand:
        errors += rules.check_required(values, values["type"])
    if errors:
        raise ValidationFailed.of(errors)
    rules.check_unique(session, actor.tenant_id, values)
    now = utcnow()
    customer = Customer(tenant_id=actor.tenant_id, created_at=now, updated_at=now)
    if values["type"] == "registered" and not values.get("registered_at"):
        values["registered_at"] = now
    _apply(customer, values)
    session.add(customer)
    _flush(session)
    _audit(session, actor, customer.id, "created", new=_snapshot(customer))
    session.commit()
    return to_out(customer)


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
                    data: CustomerUpdate, expected_version: int | None) -> CustomerOut:
    customer = _load(session, actor.tenant_id, customer_id)
    _check_version(customer, expected_version)
    values = data.model_dump(exclude_unset=True)
    for flag in ("type", "tax_exempt", "subscription", "allow_age_limited_products"):
        if flag in values and values[flag] is None:
            values.pop(flag)
    if "tags" in values and values["tags"] is None:
        values["tags"] = []
    errors = rules.normalise(values, actor.principal.tenant_region)
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
    rules.check_unique(session, actor.tenant_id, merged, exclude_id=customer.id)
    changes = [(f, _current(customer, f), v) for f, v in values.items()
               if f in EDITABLE_FIELDS and _current(customer, f) != v]
    if not changes:
        return to_out(customer)
    _apply(customer, values)
    customer.updated_at = utcnow()
    try:
        _flush(session)
    except StaleDataError as exc:  # a concurrent writer got there between read and write
        session.rollback()
        raise PreconditionFailed("This customer was changed by someone else just now. "
                                 "Reload and apply your change again.") from exc
    for field, old, new in changes:
        _audit(session, actor, customer.id, "updated", field, old, new)
    session.commit()
    return to_out(customer)


def delete_customer(session: Session, *, actor: Actor, customer_id: int,
                    expected_version: int | None = None) -> None:
    customer = _load(session, actor.tenant_id, customer_id)
    _check_version(customer, expected_version)
    _audit(session, actor, customer.id, "deleted", old=_snapshot(customer))
    session.delete(customer)
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
    return CustomerPage(items=records.read_many(session, tenant_id, page.ids),
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
