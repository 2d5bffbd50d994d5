"""Customer records as the API and admin show them: one from its ORM object, a page of them
read set-based with Core (three queries, no identity map), which is most of a page's cost."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from patronage.customers import rules
from patronage.customers.models import Customer, CustomerStore, CustomerTag
from patronage.customers.schemas import CustomerOut

# CustomerOut fields read straight off the row (the rest are computed in _record).
_DIRECT = tuple(f for f in CustomerOut.model_fields if hasattr(Customer, f) and f != "tags")
_COLUMNS = tuple(dict.fromkeys(
    (*_DIRECT, "total_spent_cents", "average_order_value_cents", "imported_spent_cents")))


def _cents(value: int) -> Decimal:
    return (Decimal(value) / 100).quantize(Decimal("0.01"))


def _record(values: dict[str, Any], tags: list[str], store_ids: list[int]) -> CustomerOut:
    data = {col: values[col] for col in _DIRECT}
    data.update(
        display_name=rules.display_name(values["company_name"], values["first_name"],
                                        values["last_name"], values["email"], values["phone"]),
        tags=tags,
        store_ids=store_ids,
        total_spent=_cents(values["total_spent_cents"]),
        average_order_value=_cents(values["average_order_value_cents"]),
        imported_total_spent=_cents(values["imported_spent_cents"]),
    )
    return CustomerOut.model_validate(data)


def to_out(c: Customer) -> CustomerOut:
    return _record({col: getattr(c, col) for col in _COLUMNS}, [t.tag for t in c.tag_rows],
                   [s.store_id for s in c.store_rows])


def _grouped(rows: Iterable[Sequence[Any]]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for customer_id, value in rows:
        grouped[customer_id].append(value)
    return grouped


def read_many(session: Session, tenant_id: int, ids: list[int]) -> list[CustomerOut]:
    """The records of ``ids`` in that order (ids that vanished meanwhile are left out)."""
    if not ids:
        return []
    table = Customer.__table__
    rows = {r["id"]: r for r in session.execute(
        select(*(table.c[Customer.__mapper__.attrs[col].columns[0].name]
                 .label(col) for col in _COLUMNS))
        .where(table.c.tenant_id == tenant_id, table.c.id.in_(ids))).mappings()}
    tags = _grouped(session.execute(
        select(CustomerTag.customer_id, CustomerTag.tag)
        .where(CustomerTag.tenant_id == tenant_id, CustomerTag.customer_id.in_(ids))
        .order_by(CustomerTag.customer_id, CustomerTag.tag)))
    stores = _grouped(session.execute(
        select(CustomerStore.customer_id, CustomerStore.store_id)
        .where(CustomerStore.tenant_id == tenant_id, CustomerStore.customer_id.in_(ids))
        .order_by(CustomerStore.customer_id, CustomerStore.store_id)))
    return [_record(rows[i], tags.get(i, []), stores.get(i, [])) for i in ids if i in rows]
