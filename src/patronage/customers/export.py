"""CSV export of a directory view: every page, the chosen columns, safe in a spreadsheet.

Streams in keyset batches (bounded memory); rows are read with Core and formatted directly,
without building API models, so a 100,000-row export takes a couple of seconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

from fastapi.responses import StreamingResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from patronage.customers import queries, rules, saved
from patronage.customers.codes import CustomerCode
from patronage.customers.filters import CustomerFilters, ListParams
from patronage.customers.models import Customer, CustomerStore, CustomerTag
from patronage.customers.tables import ALL_COLUMNS, COLUMNS
from patronage.db import as_utc, session_scope
from patronage.errors import ValidationFailed
from patronage.settings_lists.kinds import KINDS
from patronage.settings_lists.service import names_by_id
from patronage.spreadsheets import attachment, neutralise
from patronage.tenancy.schemas import Principal
from patronage.tenancy.service import list_users

BATCH = 5_000
# The customers columns each export column reads (the rest read the column of its name).
_NEEDS = {
    "name": ("company_name", "first_name", "last_name", "email", "phone"),
    "status": ("status_id",), "license_type": ("license_type_id",),
    "payment_terms": ("payment_term_id",), "master_store": ("master_store_id",),
    "sales_rep": ("sales_rep_id",), "tags": (), "stores": (),
    "total_spent": ("total_spent_cents",),
    "average_order_value": ("average_order_value_cents",),
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def stamp(value: datetime) -> str:
    """A time as an export writes it: ISO 8601 to the second, in UTC (``Z``), which
    spreadsheets parse and an import reads back."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")


Formatter = Callable[[Sequence[Any], list[str]], str]  # (row, its tags) -> cell text


def _plain_column(key: str, at: int) -> Formatter:
    """A formatter for a column exported as stored, chosen once by its type."""
    python_type = Customer.__table__.c[key].type.python_type
    if python_type is int:
        return lambda r, _t: "" if (v := r[at]) is None else str(v)
    if python_type is bool:
        return lambda r, _t: "yes" if r[at] else "no"
    if python_type is datetime:
        return lambda r, _t: "" if (v := r[at]) is None else stamp(v)
    if python_type is str:
        return lambda r, _t: neutralise(v) if (v := r[at]) else ""
    return lambda r, _t: _text(r[at])


def _formatters(session: Session, tenant_id: int, at: dict[str, int]) -> dict[str, Formatter]:
    names = {slug: names_by_id(session, kind, tenant_id=tenant_id)
             for slug, kind in KINDS.items()}
    reps = {u.id: u.name for u in list_users(session, tenant_id=tenant_id)}

    def cents(field: str) -> Formatter:
        i = at.get(field, 0)
        return lambda r, _t: f"{r[i] / 100:.2f}"

    def named(lookup: dict[int, str], field: str) -> Formatter:
        safe = {key: neutralise(name) for key, name in lookup.items()}
        i = at.get(field, 0)
        return lambda r, _t: safe.get(r[i], "")

    name_at = [at.get(c, 0) for c in _NEEDS["name"]]

    def name(r: Sequence[Any], _t: list[str]) -> str:
        return neutralise(rules.display_name(*(r[i] for i in name_at)))

    return {
        "name": name,
        "status": named(names["statuses"], "status_id"),
        "license_type": named(names["license-types"], "license_type_id"),
        "payment_terms": named(names["payment-terms"], "payment_term_id"),
        "master_store": named(names["stores"], "master_store_id"),
        "sales_rep": named(reps, "sales_rep_id"),
        "tags": lambda _r, tags: neutralise(", ".join(tags)),
        "total_spent": cents("total_spent_cents"),
        "average_order_value": cents("average_order_value_cents"),
    }


def rows(session: Session, *, tenant_id: int, region: str, filters: CustomerFilters,
         sort: str | None, columns: list[str]) -> Iterator[str]:
    """CSV text, a batch at a time: the header, then every customer of the view."""
    order = queries.parse_sort(sort, searching=bool(filters.q))
    table = Customer.__table__
    needed = ["id", *sorted({c for key in columns for c in _NEEDS.get(key, (key,))} - {"id"})]
    at = {name: i for i, name in enumerate(needed)}
    special = _formatters(session, tenant_id, at)
    store_names = names_by_id(session, KINDS["stores"], tenant_id=tenant_id)
    page_stores: dict[int, str] = {}  # this batch's customers -> their stores, as written
    special["stores"] = lambda r, _t: page_stores.get(r[0], "")
    plan = [special.get(key) or _plain_column(key, at[key]) for key in columns]
    selected = [table.c[name] for name in needed]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([COLUMNS[key].label for key in columns])
    yield out.getvalue()
    cursor, known = None, None
    while True:
        page = queries.find(session, tenant_id=tenant_id, region=region, filters=filters,
                            sort=order, limit=BATCH, cursor=cursor, known_total=known)
        known = (page.total, page.total_exact)
        if not page.ids:
            break
        conn = session.connection()  # Core tuples: no ORM result processing on the hot path
        by_id = {r[0]: r for r in conn.execute(
            select(*selected).where(Customer.tenant_id == tenant_id,
                                    Customer.id.in_(page.ids))).all()}
        tags: dict[int, list[str]] = {}
        if "tags" in columns:
            for cid, tag in conn.execute(
                    select(CustomerTag.customer_id, CustomerTag.tag).where(
                        CustomerTag.tenant_id == tenant_id,
                        CustomerTag.customer_id.in_(page.ids)).order_by(CustomerTag.tag)):
                tags.setdefault(cid, []).append(tag)
        if "stores" in columns:
            ordered_from: dict[int, list[str]] = {}
            for cid, store in conn.execute(
                    select(CustomerStore.customer_id, CustomerStore.store_id).where(
                        CustomerStore.tenant_id == tenant_id,
                        CustomerStore.customer_id.in_(page.ids))):
                ordered_from.setdefault(cid, []).append(store_names.get(store, f"#{store}"))
            page_stores.clear()
            page_stores.update({cid: neutralise(", ".join(sorted(names)))
                                for cid, names in ordered_from.items()})
        out.seek(0)
        out.truncate()
        no_tags: list[str] = []
        writer.writerows([f(row, tags.get(cid, no_tags)) for f in plan]
                         for cid in page.ids if (row := by_id.get(cid)) is not None)
        yield out.getvalue()
        if not page.next_cursor:
            break
        cursor = page.next_cursor


def response(session: Session, principal: Principal, params: ListParams,
             columns: list[str] | None) -> StreamingResponse:
    """A streamed CSV download. The stream has its own session (it outlives the request's),
    so the request's ``session`` ends its transaction first: a request holds one connection
    at a time (capacity), and on PostgreSQL the request's transaction would otherwise last
    until the download is done (db.between_threads)."""
    chosen = columns or saved.get_columns(session, principal)
    session.commit()
    if chosen == ["all"]:
        chosen = list(ALL_COLUMNS)
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown:
        raise ValidationFailed.field("columns", f"Unknown column(s): {', '.join(unknown)}.",
                                     CustomerCode.UNKNOWN_COLUMN)
    filters, sort = params.filters(principal.user_id), params.sort

    def stream() -> Iterator[str]:
        with session_scope(principal.tenant_id) as session:
            yield from rows(session, tenant_id=principal.tenant_id,
                            region=principal.tenant_region, filters=filters, sort=sort,
                            columns=chosen)

    # Validate sort and cursor-free filters before the first byte is sent.
    queries.parse_sort(sort, searching=bool(filters.q))
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return StreamingResponse(stream(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": attachment(f"customers-{stamp}.csv")})
