"""Keeps the sales report's rollups (reports.models) equal to the orders and samples.

One entry point for every write that moves them: ``refresh(conn, tenant, customer_ids)``
recomputes those customers' rows of ``rep_customer_days`` from their orders and samples,
and adds the difference to ``rep_days`` and ``rep_activity`` — in the caller's
transaction, set-based, so two writers adding to one rep's day never lose each other's
figures. Events call it for the customers a batch touched, deleting customers calls it
before they go, and ``rebuild`` runs it over a whole workspace (the migration, the demo
seed, ``patronage reports rebuild``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from patronage.customers.models import Customer
from patronage.db import (
    among,
    bulk_execute,
    bulk_insert,
    fetch_plain,
    unnested,
    unnested_values,
)
from patronage.events.models import Order, Sample
from patronage.reports.models import (
    DAY_MONTH,
    MONTH_DAY,
    MONTH_MONTH,
    UNASSIGNED,
    RepActivity,
    RepCustomerDay,
    RepDay,
)

EPOCH = date(1970, 1, 1).toordinal()
CHUNK = 2_000  # customers a statement names at once


def day_number(value: date) -> int:
    return value.toordinal() - EPOCH


def day_date(day: int) -> date:
    return date.fromordinal(day + EPOCH)


@lru_cache(maxsize=8192)
def month_of(day: int) -> int:
    d = day_date(day)
    return d.year * 12 + d.month - 1


def month_start(month: int) -> int:
    return day_number(date(month // 12, month % 12 + 1, 1))


@lru_cache(maxsize=8192)
def _day_of_text(text: str) -> int:
    return date.fromisoformat(text).toordinal() - EPOCH


def day_of(value: str | datetime) -> int:
    """The UTC day of a stored time (SQLite's text, or a datetime)."""
    if isinstance(value, str):
        return _day_of_text(value[:10])
    return value.astimezone(UTC).date().toordinal() - EPOCH


# An entry: (customer, rep, day) -> [orders, revenue_cents, samples, first_order, prev_day]
Key = tuple[int, int, int]


def compute(orders: Iterable[Sequence[Any]], samples: Iterable[Sequence[Any]]
            ) -> dict[Key, list[Any]]:
    """Entries from orders ``(customer, rep, placed_at, total_cents, cancelled, id)`` and
    samples ``(customer, rep, requested_at)``. Cancelled orders count nowhere; a customer's
    first order is its earliest (then lowest id); ``prev_day`` links each ordering day to
    the customer's previous one under the same rep."""
    entries: dict[Key, list[Any]] = {}
    first: dict[int, tuple[Any, int, Key]] = {}
    for customer, rep, placed_at, total, cancelled, order_id in orders:
        if cancelled:
            continue
        key = (customer, rep or UNASSIGNED, day_of(placed_at))
        entry = entries.get(key)
        if entry is None:
            entries[key] = [1, total, 0, False, None]
        else:
            entry[0] += 1
            entry[1] += total
        known = first.get(customer)  # times of one engine: all text, or all datetimes
        if known is None or (placed_at, order_id) < known[:2]:
            first[customer] = (placed_at, order_id, key)
    for _at, _id, key in first.values():
        entries[key][3] = True
    for customer, rep, requested_at in samples:
        key = (customer, rep or UNASSIGNED, day_of(requested_at))
        entry = entries.get(key)
        if entry is None:
            entries[key] = [0, 0, 1, False, None]
        else:
            entry[2] += 1
    _chain(entries)
    return entries


def _chain(entries: dict[Key, list[Any]]) -> None:
    """Link each ordering day to the customer's previous one under the same rep."""
    chains: dict[tuple[int, int], list[int]] = {}
    for (customer, rep, day), entry in entries.items():
        entry[4] = None
        if entry[0]:
            chains.setdefault((customer, rep), []).append(day)
    for (customer, rep), days in chains.items():
        days.sort()
        for prev, day in zip(days, days[1:], strict=False):
            entries[(customer, rep, day)][4] = prev


# What a batch added for a customer: orders (rep, placed_at, total_cents, cancelled, id),
# and samples (rep, requested_at).
Added = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]


def _with_added(customer: int, old: dict[Key, list[Any]], added: Added
                ) -> dict[Key, list[Any]] | None:
    """A customer's entries after new orders and samples, from its stored entries alone
    (no order read again); None when the first order cannot be told apart by the day (a
    new order on the stored first order's day under another rep: the orders decide).
    Entries it changes are copies: ``old`` stays as it was."""
    entries = dict(old)
    orders, samples = added
    counted = [o for o in orders if not o[3]]
    owned: set[Key] = set()

    def own(key: Key) -> list[Any]:
        if key not in owned:
            entries[key] = list(entries.get(key) or (0, 0, 0, False, None))
            owned.add(key)
        return entries[key]

    if counted:
        first_key = next((k for k, v in entries.items() if v[3]), None)
        rep, placed_at, _total, _c, _id = min(counted, key=lambda o: (o[1], o[4]))
        candidate = (customer, rep or UNASSIGNED, day_of(placed_at))
        if first_key is not None and candidate[2] == first_key[2] and candidate != first_key:
            return None  # the same day under another rep: which came first?
        if first_key is None or candidate[2] < first_key[2]:
            if first_key is not None:
                own(first_key)[3] = False
            own(candidate)[3] = True
    chains = set()
    for rep, placed_at, total, _c, _id in counted:
        entry = own((customer, rep or UNASSIGNED, day_of(placed_at)))
        entry[0] += 1
        entry[1] += total
        chains.add(rep or UNASSIGNED)
    for rep, requested_at in samples:
        own((customer, rep or UNASSIGNED, day_of(requested_at)))[2] += 1
    days: dict[int, list[int]] = {}
    for (_c, rep, day), entry in entries.items():
        if rep in chains and entry[0]:
            days.setdefault(rep, []).append(day)
    for rep, listed in days.items():  # relink these reps' ordering days, copying what moves
        listed.sort()
        for prev, day in zip([None, *listed], listed, strict=False):
            if entries[(customer, rep, day)][4] != prev:
                own((customer, rep, day))[4] = prev
    return entries


def contributions(entries: dict[Key, list[Any]], sign: int, days: Counter, grains: Counter
                  ) -> None:
    """Add (sign 1) or take away (-1) entries' share of rep_days and rep_activity."""
    for (_customer, rep, day), (orders, revenue, samples, first, prev) in entries.items():
        figures = days.get((day, rep))
        if figures is None:
            figures = days[(day, rep)] = [0, 0, 0, 0]
        figures[0] += sign * orders
        figures[1] += sign * revenue
        figures[2] += sign * first
        figures[3] += sign * samples
        if orders:
            month = month_of(day)
            prev_month = month_of(prev) if prev is not None else -1
            grains[(MONTH_MONTH, month, prev_month, rep)] += sign
            grains[(MONTH_DAY, day, prev_month, rep)] += sign
            if prev is not None:
                grains[(DAY_MONTH, month, prev, rep)] += sign


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start:start + CHUNK])


def _stored(conn: Connection, tenant_id: int, ids: list[int]) -> dict[Key, list[Any]]:
    e = RepCustomerDay.__table__.c
    rows = fetch_plain(conn, select(e.customer_id, e.rep, e.day, e.orders, e.revenue_cents,
                                    e.samples, e.first_order, e.prev_day)
                       .where(e.tenant_id == tenant_id, among(conn, e.customer_id, ids)))
    return {(c, r, d): [o, rev, s, bool(f), p] for c, r, d, o, rev, s, f, p in rows}


def _recorded(conn: Connection, tenant_id: int, ids: list[int]) -> dict[Key, list[Any]]:
    o, s = Order.__table__.c, Sample.__table__.c
    orders = fetch_plain(conn, select(o.customer_id, o.sales_rep_id, o.placed_at,
                                      o.total_cents, o.cancelled, o.id)
                         .where(o.tenant_id == tenant_id, o.customer_id.in_(ids)))
    samples = fetch_plain(conn, select(s.customer_id, s.sales_rep_id, s.requested_at)
                          .where(s.tenant_id == tenant_id, s.customer_id.in_(ids)))
    return compute(orders, samples)


def _upsert(conn: Connection, table: Any, keys: tuple[str, ...], figures: tuple[str, ...]
            ) -> Any:
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[k] for k in ("tenant_id", *keys)],
        set_={f: table.c[f] + statement.excluded[f] for f in figures})


def _renewed(conn: Connection, tenant_id: int, chunk: list[int], old: dict[Key, list[Any]],
             added: dict[int, Added]) -> dict[Key, list[Any]]:
    """The chunk's entries now: customers the caller says only gained orders or samples
    from their stored entries and those; the others from their orders."""
    mine: dict[int, dict[Key, list[Any]]] = {}
    for key, value in old.items():
        mine.setdefault(key[0], {})[key] = value
    new: dict[Key, list[Any]] = {}
    read = []
    for customer in chunk:
        renewed = (_with_added(customer, mine.get(customer, {}), added[customer])
                   if customer in added else None)
        if renewed is None:
            read.append(customer)
        else:
            new.update(renewed)
    if read:
        new.update(_recorded(conn, tenant_id, read))
    return new


def refresh(conn: Connection, tenant_id: int, customer_ids: Iterable[int], *,
            gone: bool = False, added: dict[int, Added] | None = None) -> None:
    """Bring these customers' share of the rollups up to date with their orders and
    samples (``gone``: they are about to be deleted, so their share leaves). ``added``:
    for customers whose only change is new orders and samples (an events batch), what
    they gained — their entries are then renewed without reading their orders again."""
    ids = sorted(set(customer_ids))
    days: Counter = Counter()
    grains: Counter = Counter()
    for chunk in _chunks(ids):
        old = _stored(conn, tenant_id, chunk)
        new = {} if gone else _renewed(conn, tenant_id, chunk, old, added or {})
        if old == new:
            continue
        # Only the entries that changed move the sums.
        changed_keys = {k for k in old.keys() & new.keys() if old[k] != new[k]}
        contributions({k: old[k] for k in old.keys() - new.keys() | changed_keys}, -1, days,
                      grains)
        contributions({k: new[k] for k in new.keys() - old.keys() | changed_keys}, 1, days,
                      grains)
        _renew_entries(conn, tenant_id, [k for k in old if k not in new],
                       [_entry_row(tenant_id, k, v) for k, v in new.items() if k not in old],
                       [_entry_row(tenant_id, k, v) for k, v in new.items()
                        if k in old and old[k] != v])
    _add(conn, tenant_id, days, grains)


_KEY = ("customer_id", "rep", "day")
_FIGURES = ("orders", "revenue_cents", "samples", "first_order", "prev_day")
_ENTRY_TYPES = {name: RepCustomerDay.__table__.c[name].type for name in (*_KEY, *_FIGURES)}


def _renew_entries(conn: Connection, tenant_id: int, gone: list[Key],
                   added: list[dict[str, Any]], changed: list[dict[str, Any]]) -> None:
    """Customers' entries of ``rep_customer_days``: ``gone`` deleted, ``added`` inserted,
    ``changed`` updated. On PostgreSQL each is one statement for all its rows (an events
    batch changes ~1,000 entries: as 1,000 UPDATEs they cost ~70 ms)."""
    e = RepCustomerDay.__table__
    bulk_insert(conn, e, added)
    if conn.dialect.name == "postgresql":
        if gone:
            batch = unnested("gone", {k: _ENTRY_TYPES[k] for k in _KEY})
            conn.execute(delete(e).where(e.c.tenant_id == tenant_id,
                                         *(e.c[k] == batch.c[k] for k in _KEY)),
                         unnested_values("gone", _KEY, [dict(zip(_KEY, k, strict=True))
                                                        for k in gone]))
        if changed:
            batch = unnested("changed", _ENTRY_TYPES)
            conn.execute(update(e).where(e.c.tenant_id == tenant_id,
                                         *(e.c[k] == batch.c[k] for k in _KEY))
                         .values({k: batch.c[k] for k in _FIGURES}),
                         unnested_values("changed", _ENTRY_TYPES, changed))
        return
    bulk_execute(conn, delete(e).where(
        e.c.tenant_id == bindparam("b_tenant"), e.c.customer_id == bindparam("b_c"),
        e.c.rep == bindparam("b_rep"), e.c.day == bindparam("b_day")),
        [{"b_tenant": tenant_id, "b_c": c, "b_rep": r, "b_day": d} for c, r, d in gone])
    if changed:
        bulk_execute(conn, update(e).where(
            e.c.tenant_id == bindparam("b_tenant"), e.c.customer_id == bindparam("b_c"),
            e.c.rep == bindparam("b_rep"), e.c.day == bindparam("b_day")).values(
            {k: bindparam(k) for k in _FIGURES}),
            [{"b_tenant": r["tenant_id"], "b_c": r["customer_id"], "b_rep": r["rep"],
              "b_day": r["day"], **{k: r[k] for k in _FIGURES}} for r in changed])


def _entry_row(tenant_id: int, key: Key, value: list[Any]) -> dict[str, Any]:
    return {"tenant_id": tenant_id, "customer_id": key[0], "rep": key[1], "day": key[2],
            "orders": value[0], "revenue_cents": value[1], "samples": value[2],
            "first_order": value[3], "prev_day": value[4]}


def _add(conn: Connection, tenant_id: int, days: Counter, grains: Counter) -> None:
    """Add the differences to the summed rollups, in key order (writers on PostgreSQL lock
    rows in one order, so they wait for each other instead of deadlocking)."""
    day_rows = [{"tenant_id": tenant_id, "day": day, "rep": rep, "orders": f[0],
                 "revenue_cents": f[1], "new_customers": f[2], "samples": f[3]}
                for (day, rep), f in sorted(days.items()) if any(f)]
    grain_rows = [{"tenant_id": tenant_id, "grain": g, "day_key": d, "prev_key": p,
                   "rep": r, "customers": n} for (g, d, p, r), n in sorted(grains.items()) if n]
    if day_rows:
        bulk_execute(conn, _upsert(conn, RepDay.__table__, ("day", "rep"), (
            "orders", "revenue_cents", "new_customers", "samples")), day_rows)
    if grain_rows:
        bulk_execute(conn, _upsert(conn, RepActivity.__table__, (
            "grain", "day_key", "prev_key", "rep"), ("customers",)), grain_rows)


def rebuild(conn: Connection, tenant_id: int,
            progress: Callable[[int, int], None] | None = None) -> None:
    """Every rollup of a workspace from its orders and samples (the slow, sure way): the
    same computation as ``refresh``, summed in memory and written once."""
    for table in (RepCustomerDay, RepDay, RepActivity):
        conn.execute(delete(table).where(table.tenant_id == tenant_id))
    c = Customer.__table__.c
    ids = [i for (i,) in conn.execute(select(c.id).where(c.tenant_id == tenant_id)
                                      .order_by(c.id))]
    days: Counter = Counter()
    grains: Counter = Counter()
    e = RepCustomerDay.__table__
    for start in range(0, len(ids), CHUNK * 10):
        part = ids[start:start + CHUNK * 10]
        new: dict[Key, list[Any]] = {}
        for chunk in _chunks(part):
            new.update(_recorded(conn, tenant_id, chunk))
        contributions(new, 1, days, grains)
        bulk_insert(conn, e, [_entry_row(tenant_id, k, v) for k, v in new.items()])
        if progress is not None:
            progress(start + len(part), len(ids))
    _add(conn, tenant_id, days, grains)
