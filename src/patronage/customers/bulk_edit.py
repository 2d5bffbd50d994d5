"""Bulk actions on a directory view (or on selected rows): set a field, add or remove
tags, delete. Set-based SQL in one transaction, with an audit entry for every change made
to a customer (one per tag added or removed), so 100,000 customers change in seconds."""

from __future__ import annotations

from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    select,
)
from sqlalchemy.orm import Session

from patronage.customers import access, rules, search, writes
from patronage.customers import filters as flt
from patronage.customers.models import Customer
from patronage.customers.schemas import BulkChange, BulkResult
from patronage.db import begin_writing
from patronage.errors import Conflict, ValidationFailed
from patronage.tenancy.schemas import Principal
from patronage.tenancy.service import require_admin, require_writer
from patronage.types import normalise_tag

SETTABLE = {"status": "status_id", "sales_rep": "sales_rep_id",
            "payment_terms": "payment_term_id", "license_type": "license_type_id"}
def _scope(session: Session, principal: Principal, filters: flt.CustomerFilters,
           ids: list[int] | None) -> Select[tuple[int]]:
    dialect = session.get_bind().dialect.name
    where = flt.conditions(filters, principal.tenant_id, dialect)
    if filters.q:
        terms = search.parse(filters.q)
        priority = search.priority_ids(session, where, terms, principal.tenant_region)
        matches: ColumnElement[bool] = Customer.id.in_(priority)
        if terms.searchable:
            matches = matches | search.match_ids(terms, dialect)
        where.append(matches)
    if ids is not None:
        where.append(Customer.id.in_(ids))
    if access.own_only(session, principal):  # a rep kept to their own customers
        where.append(Customer.sales_rep_id == principal.user_id)
    return select(Customer.id).where(*where)


def _count(session: Session, scope: Select[tuple[int]]) -> int:
    return session.scalar(select(func.count()).select_from(scope.subquery())) or 0


def count(session: Session, principal: Principal, filters: flt.CustomerFilters,
          ids: list[int] | None) -> int:
    """How many customers a bulk change would touch (exact: it is what the user confirms)."""
    return _count(session, _scope(session, principal, filters, ids))


def describe(change: BulkChange, value_name: str | None) -> str:
    """The change in words, for the confirmation."""
    what = change.action.removeprefix("set_").replace("_", " ")
    if change.action.startswith("set_"):
        return f"Set {what} to {value_name}" if change.value else f"Clear the {what}"
    if change.action == "delete":
        return "Delete"
    verb = "Add" if change.action == "add_tags" else "Remove"
    return f"{verb} tag{'s' if len(change.tags) > 1 else ''} {', '.join(change.tags)}"


def _json(dialect: str, value: ColumnElement) -> ColumnElement:
    return func.json_quote(value) if dialect == "sqlite" else func.to_json(value)


def apply(session: Session, principal: Principal, filters: flt.CustomerFilters,
          change: BulkChange, source: str = "api") -> BulkResult:
    if change.action == "delete":
        require_admin(principal)
    else:
        require_writer(principal)
    tenant = principal.tenant_id
    scope = _scope(session, principal, filters, change.ids)  # search ranks run once
    in_scope = scope.scalar_subquery()
    begin_writing(session)  # the count and the change in one write transaction
    matched = _count(session, scope)
    if change.expected is not None and change.expected != matched:
        raise Conflict(f"{matched} customers match now, not {change.expected}; the view "
                       "changed. Review it and try again.", extra={"matched": matched})
    writer = writes.Writer(session, writes.Actor(principal, source))
    if change.action.startswith("set_"):
        field = SETTABLE[change.action.removeprefix("set_")]
        if change.value is not None:
            errors = rules.check_references(session, tenant, {field: change.value})
            if errors:
                raise ValidationFailed.of(
                    [e.__class__(pointer="/value", detail=e.detail, code=e.code) for e in errors])
        changed = writer.set_in_bulk(in_scope, field, change.value)
    elif change.action.endswith("_tags"):
        tags = sorted({normalise_tag(t) for t in change.tags})
        changed = writer.tag_in_bulk(in_scope, tags, add=change.action == "add_tags")
    else:
        changed = writer.delete(list(session.scalars(scope)))
    session.commit()
    return BulkResult(matched=matched, changed=changed)
