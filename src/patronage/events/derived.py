"""Derived customer state: the metrics every event keeps current, and the recount from the
stored history that proves them (``patronage recompute``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from patronage.customers.models import Customer, CustomerStore
from patronage.db import UTCDateTime, as_utc, bulk_execute, unnested, unnested_values
from patronage.events.models import Activity, Order, Sample

# Bounds of money, in cents: an order (what one order may total, as the API's Money type
# allows), and a customer's total spent (exact as a float too: under 2**53).
MAX_ORDER_CENTS = 9_999_999_999
MAX_SPENT_CENTS = 10**15
METRICS = ("order_count", "total_spent_cents", "average_order_value_cents", "first_order_at",
           "last_order_at", "sample_count", "last_activity_at", "last_login_at")


def empty() -> dict[str, Any]:
    """The figures a customer with no history starts from. The average is not among them:
    it is derived from count and total where a row is written (``writes.new_row`` for new
    customers, the SQL of ``merge`` and ``recount_orders`` for stored ones)."""
    return {"order_count": 0, "total_spent_cents": 0, "first_order_at": None,
            "last_order_at": None, "sample_count": 0, "last_activity_at": None,
            "last_login_at": None}


def average(count: Any, total: Any) -> Any:
    """``rules.average_order`` in SQL: whole cents rounded half up, 0 without orders."""
    return case((count > 0, (2 * total + count) // (2 * count)), else_=0)


def later(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or as_utc(candidate) > as_utc(current) else current


def earlier(current: datetime | None, candidate: datetime) -> datetime:
    return candidate if current is None or as_utc(candidate) < as_utc(current) else current


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def add_order(values: dict[str, Any], total_cents: int, placed_at: datetime) -> None:
    """An order that counts (not cancelled) joins the spend metrics of ``values`` (figures
    that start from ``empty()``)."""
    values["order_count"] += 1
    values["total_spent_cents"] += total_cents
    values["first_order_at"] = earlier(values["first_order_at"], placed_at)
    values["last_order_at"] = later(values["last_order_at"], placed_at)


# What a batch adds to a customer it did not create: counts and sums to add, times that
# replace the stored ones when earlier (first order) or later (the rest).
DELTAS = ("order_count", "total_spent_cents", "first_order_at", "last_order_at",
          "sample_count", "last_activity_at", "last_login_at")


_TIMES = ("first_order_at", "last_order_at", "last_activity_at", "last_login_at")
_ADDED = ("order_count", "total_spent_cents", "sample_count")
# A batch's rows for _MERGE_ALL (db.unnested): the customer, and its figures by bind name.
_MERGED = {"the_id": BigInteger(), **{f"add_{n}": BigInteger() for n in _ADDED},
           **{f"new_{n}": postgresql.TIMESTAMP(timezone=True) for n in _TIMES}}


def _merge_statement(set_based: bool = False) -> Any:
    """The UPDATE adding a batch's figures to its customers': one statement per customer
    (its values as parameters), or on PostgreSQL one for the whole batch, its values as
    arrays unnested beside the customers (1,000 statements each planned anew cost ~0.4 s
    a batch)."""
    t = Customer.__table__
    if set_based:
        batch = unnested("batch", _MERGED)
        value = batch.c.__getitem__
        the_id: Any = batch.c.the_id
    else:
        # Bind names differ from column names (an UPDATE reserves those).
        def value(name: str) -> Any:
            kind = BigInteger if name.startswith("add_") else UTCDateTime
            return bindparam(name, type_=kind)
        the_id = bindparam("the_id")
    dc, ds, dsm = (value(f"add_{n}") for n in _ADDED)

    def pick(column: Any, name: str, earliest: bool) -> Any:
        new = value(f"new_{name}")
        better = new < column if earliest else new > column
        return case((and_(new.is_not(None), or_(column.is_(None), better)), new),
                    else_=column)

    count, total = t.c.order_count + dc, t.c.total_spent_cents + ds
    return update(t).where(t.c.tenant_id == bindparam("in_tenant"),
                           t.c.id == the_id).values(
        order_count=count, total_spent_cents=total,
        average_order_value_cents=average(count, total),
        first_order_at=pick(t.c.first_order_at, "first_order_at", earliest=True),
        last_order_at=pick(t.c.last_order_at, "last_order_at", earliest=False),
        sample_count=t.c.sample_count + dsm,
        last_activity_at=pick(t.c.last_activity_at, "last_activity_at", earliest=False),
        last_login_at=pick(t.c.last_login_at, "last_login_at", earliest=False))


_MERGE = _merge_statement()
_MERGE_ALL = _merge_statement(set_based=True)


def _stored(name: str, value: Any) -> Any:
    """A value for the arrays of _MERGE_ALL: times in UTC, as UTCDateTime stores them."""
    return as_utc(value) if name in _TIMES and value is not None else value


def merge(conn: Connection, tenant_id: int, rows: list[dict[str, Any]]) -> None:
    """Add what a batch changed (``_id`` plus DELTAS) to the stored figures, in SQL: two
    writers adding to one customer never lose each other's orders."""
    names = {m: f"add_{m}" if m.endswith(("count", "cents")) else f"new_{m}" for m in DELTAS}
    if conn.dialect.name == "postgresql":
        if rows:
            batch = [{"the_id": row["_id"], **{names[m]: _stored(m, row[m]) for m in DELTAS}}
                     for row in rows]
            conn.execute(_MERGE_ALL, {"in_tenant": tenant_id,
                                      **unnested_values("batch", _MERGED, batch)})
        return
    bulk_execute(conn, _MERGE, [{"in_tenant": tenant_id, "the_id": row["_id"],
                                 **{names[m]: row[m] for m in DELTAS}} for row in rows])


def add_stores(conn: Connection, tenant_id: int, pairs: Iterable[tuple[int, int]]) -> None:
    """Stores a customer ordered from (the derived ``stores`` field); known pairs are kept."""
    rows = [{"customer_id": c, "store_id": s} for c, s in pairs]
    if not rows:
        return
    table = CustomerStore.__table__
    if conn.dialect.name == "postgresql":  # one statement, not one a row (~25 ms a batch)
        batch = unnested("pairs", {"customer_id": Integer(), "store_id": Integer()})
        conn.execute(postgresql.insert(table).from_select(
            ["tenant_id", "customer_id", "store_id"],
            select(literal(tenant_id, Integer), batch.c.customer_id, batch.c.store_id))
            .on_conflict_do_nothing(),
            unnested_values("pairs", ("customer_id", "store_id"), rows))
        return
    conn.execute(sqlite.insert(table).on_conflict_do_nothing(),
                 [{"tenant_id": tenant_id, **row} for row in rows])


def _order_metrics(customer: Any, stored_dates: bool = False) -> dict[str, Any]:
    """The totals a customer was imported with plus correlated aggregates over the orders
    recorded here that count. ``stored_dates``: a customer with imported totals keeps its
    stored first and last order dates joined with the orders' (a merge, which cannot tell
    imported dates from recorded ones; elsewhere the orders decide)."""
    counted = and_(Order.tenant_id == customer.c.tenant_id,
                   Order.customer_id == customer.c.id, Order.cancelled.is_(False))
    count = customer.c.imported_order_count + select(func.count()).where(
        counted).scalar_subquery()
    total = customer.c.imported_spent_cents + select(
        cast(func.coalesce(func.sum(Order.total_cents), 0), BigInteger)
    ).where(counted).scalar_subquery()
    first = select(func.min(Order.placed_at)).where(counted).scalar_subquery()
    last = select(func.max(Order.placed_at)).where(counted).scalar_subquery()
    if stored_dates:
        imported = customer.c.imported_order_count > 0
        first = case((imported, _either(first, customer.c.first_order_at, min)), else_=first)
        last = case((imported, _either(last, customer.c.last_order_at, max)), else_=last)
    return {
        "order_count": count,
        "total_spent_cents": total,
        "average_order_value_cents": average(count, total),
        "first_order_at": first,
        "last_order_at": last,
    }


def _either(a: Any, b: Any, pick: Any) -> Any:
    """The earlier (``pick=min``) or later of two times in SQL, either of which may be
    null."""
    better = a < b if pick is min else a > b
    return case((a.is_(None), b), (b.is_(None), a), (better, a), else_=b)


def recount_orders(conn: Connection, tenant_id: int, customer_ids: list[int]) -> None:
    """Order metrics from the stored orders (and the imported totals), for customers whose
    orders changed state."""
    table = Customer.__table__
    conn.execute(update(table).where(table.c.tenant_id == tenant_id,
                                     table.c.id.in_(customer_ids))
                 .values(**_order_metrics(table)))


def forget(conn: Connection, tenant_id: int, customer_ids: list[int]) -> None:
    """Customers' figures back to those of no history at all, imported totals included."""
    table = Customer.__table__
    conn.execute(update(table).where(table.c.tenant_id == tenant_id,
                                     table.c.id.in_(customer_ids))
                 .values(**empty(), average_order_value_cents=0, imported_order_count=0,
                         imported_spent_cents=0, totals_imported_at=None))


def _history(table: Any) -> tuple[Any, dict[str, Any]]:
    """Whether a customer has event history (a condition), and every derived column from
    it (correlated aggregates)."""
    theirs = and_(Activity.tenant_id == table.c.tenant_id, Activity.customer_id == table.c.id,
                  Activity.matched_by.is_not(None))  # events, not what staff logged
    return exists().where(theirs), _order_metrics(table) | {
        "sample_count": select(func.count()).where(
            Sample.tenant_id == table.c.tenant_id, Sample.customer_id == table.c.id
        ).scalar_subquery(),
        "last_activity_at": select(func.max(Activity.occurred_at)).where(theirs)
        .scalar_subquery(),
        "last_login_at": select(func.max(Activity.occurred_at)).where(
            theirs, Activity.kind == "login").scalar_subquery(),
    }


def recount(conn: Connection, tenant_id: int, customer_ids: list[int]) -> None:
    """``recompute`` for some customers, whose history moved (a merge, its undo): order
    figures from the orders and imported totals (imported first and last order dates
    kept); the rest from their events, if any."""
    table = Customer.__table__
    conn.execute(update(table).where(table.c.tenant_id == tenant_id,
                                     table.c.id.in_(customer_ids))
                 .values(**_order_metrics(table, stored_dates=True)))
    has_history, values = _history(table)
    conn.execute(update(table).where(table.c.tenant_id == tenant_id,
                                     table.c.id.in_(customer_ids), has_history)
                 .values(**{k: values[k] for k in ("sample_count", "last_activity_at",
                                                   "last_login_at")}))


def recompute(session: Session, tenant_id: int) -> int:
    """Rebuild every derived column from the stored history (added to the totals a
    customer was imported with), for each customer that has any (customers with none keep
    the figures they were imported with). Returns how many."""
    conn = session.connection()
    table = Customer.__table__
    has_history, values = _history(table)
    scope = and_(table.c.tenant_id == tenant_id, has_history)
    changed = conn.execute(update(table).where(scope).values(**values)).rowcount
    # The stores each customer ordered from, again from the orders.
    store = CustomerStore.__table__
    conn.execute(store.delete().where(store.c.tenant_id == tenant_id, exists().where(
        Activity.tenant_id == tenant_id, Activity.customer_id == store.c.customer_id,
        Activity.matched_by.is_not(None))))
    conn.execute(insert(store).from_select(
        ["tenant_id", "customer_id", "store_id"],
        select(Order.tenant_id, Order.customer_id, Order.store_id).distinct().where(
            Order.tenant_id == tenant_id, Order.store_id.is_not(None))))
    session.commit()
    return changed
