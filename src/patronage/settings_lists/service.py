"""Rules for the tenant-defined lists: unique names, no deleting what customers use."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patronage.errors import Conflict, FieldError, NotFound, ValidationFailed
from patronage.settings_lists.kinds import ListKind


def list_items(session: Session, kind: ListKind, *, tenant_id: int) -> list[Any]:
    model: Any = kind.model
    rows = session.scalars(select(model).where(model.tenant_id == tenant_id)
                           .order_by(model.position, model.name))
    return [kind.out.model_validate(r) for r in rows]


def _get(session: Session, kind: ListKind, tenant_id: int, item_id: int) -> Any:
    model: Any = kind.model
    row = session.scalar(select(model).where(model.tenant_id == tenant_id, model.id == item_id))
    if row is None:
        raise NotFound(f"No {kind.singular} with id {item_id}.")
    return row


def get_item(session: Session, kind: ListKind, *, tenant_id: int, item_id: int) -> Any:
    return kind.out.model_validate(_get(session, kind, tenant_id, item_id))


def _check_unique(session: Session, kind: ListKind, tenant_id: int, values: dict[str, Any],
                  exclude_id: int | None = None) -> None:
    model: Any = kind.model
    for column in ("name", "code"):
        if values.get(column) is None or not hasattr(model, column):
            continue  # not sent, or null (which an edit leaves as it was)
        query = select(model.id).where(model.tenant_id == tenant_id,
                                       func.lower(getattr(model, column)) ==
                                       values[column].lower())
        if exclude_id is not None:
            query = query.where(model.id != exclude_id)
        if session.scalar(query) is not None:
            raise Conflict(f"A {kind.singular} with {column} '{values[column]}' already exists.",
                           errors=[FieldError(f"/{column}", "Already in use.", "duplicate")])


def _flush(session: Session, kind: ListKind) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"That {kind.singular} clashes with an existing one.") from exc


def create_item(session: Session, kind: ListKind, *, tenant_id: int, data: BaseModel) -> Any:
    values = data.model_dump()
    _check_unique(session, kind, tenant_id, values)
    if values.get("position") is None:  # a new item goes last, after an order set by hand
        last = session.scalar(select(func.max(kind.model.position)).where(
            kind.model.tenant_id == tenant_id))
        values["position"] = 0 if last is None else last + 1
    row = kind.model(tenant_id=tenant_id, **values)
    session.add(row)
    _flush(session, kind)
    session.commit()
    return kind.out.model_validate(row)


def update_item(session: Session, kind: ListKind, *, tenant_id: int, item_id: int,
                data: BaseModel) -> Any:
    row = _get(session, kind, tenant_id, item_id)
    values = data.model_dump(exclude_unset=True)
    _check_unique(session, kind, tenant_id, values, exclude_id=item_id)
    for key, value in values.items():
        if value is None and key != "days":
            continue
        setattr(row, key, value)
    _flush(session, kind)
    session.commit()
    return kind.out.model_validate(row)


def reorder(session: Session, kind: ListKind, *, tenant_id: int, ids: list[int]) -> None:
    """Put a list in the order of ``ids`` (every item of it, each once)."""
    rows = {row.id: row for row in session.scalars(select(kind.model).where(
        kind.model.tenant_id == tenant_id))}
    if sorted(ids) != sorted(rows) or len(set(ids)) != len(ids):
        raise ValidationFailed.field("ids", f"Name every {kind.singular} of the list once, in "
                                     "the order wanted (the list changed meanwhile? reload).",
                                     "invalid_order")
    for position, item_id in enumerate(ids):
        rows[item_id].position = position
    session.commit()


def delete_item(session: Session, kind: ListKind, *, tenant_id: int, item_id: int) -> None:
    from patronage.customers.models import Customer

    row = _get(session, kind, tenant_id, item_id)
    column = getattr(Customer, kind.customer_column)
    in_use = session.scalar(select(func.count()).select_from(Customer)
                            .where(Customer.tenant_id == tenant_id, column == item_id))
    if in_use:
        raise Conflict(f"The {kind.singular} '{row.name}' is used by {in_use} customer(s); "
                       "move them to another one first.", extra={"in_use": in_use})
    if kind.slug == "stores":  # orders keep the store they were placed in
        from patronage.events.models import Order

        orders = session.scalar(select(func.count()).select_from(Order).where(
            Order.tenant_id == tenant_id, Order.store_id == item_id))
        if orders:
            raise Conflict(f"The store '{row.name}' is used by {orders:,} recorded "
                           "order(s), which keep the store they were placed in; rename it "
                           "instead of deleting it.",
                           extra={"in_use": orders})
    session.delete(row)
    session.commit()


def names_by_id(session: Session, kind: ListKind, *, tenant_id: int) -> dict[int, str]:
    model: Any = kind.model
    rows = session.execute(select(model.id, model.name).where(model.tenant_id == tenant_id))
    return {r.id: r.name for r in rows}
