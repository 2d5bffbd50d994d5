"""The sales report per rep for a range of UTC days, read from the rollups
(reports.rollups), and the same figures recomputed from the orders themselves (the check
the tests and the benchmark hold the rollups to).

Customers active in [f, t] are counted without reading their orders: each ordering day of
a customer under a rep carries the previous such day p, and a customer is counted once,
on its first ordering day d in the range — the one with p < f <= d <= t. The rollups count
those (p, d) pairs at month grains, so the sum splits by month: f's month (partly),
the whole months between, t's month (partly); and p before f's month (any month grain) or
within it (day grain, the few days before f):

    p before f's month:  MONTH_DAY rows for the partial months, MONTH_MONTH for the rest
    p in f's month:      DAY_MONTH rows for the whole months, ``rep_customer_days`` itself
                         (its prev_day index) for the partial months

Each is a range of an index, at most ~31 days by ~40 months by the reps.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection, and_, func, literal_column, select

from patronage.customers.models import Customer
from patronage.customers.rules import average_order
from patronage.events.models import Order, Sample
from patronage.reports.models import (
    DAY_MONTH,
    MONTH_DAY,
    MONTH_MONTH,
    UNASSIGNED,
    RepActivity,
    RepCustomerCount,
    RepCustomerDay,
    RepDay,
)
from patronage.reports.rollups import day_number, month_of, month_start
from patronage.tenancy.models import User

FIGURES = ("customers", "active_customers", "orders", "revenue_cents", "new_customers",
           "samples")


@dataclass
class RepFigures:
    rep: int  # a member's id, UNASSIGNED (0) for customers without a rep
    name: str
    customers: int = 0
    active_customers: int = 0
    orders: int = 0
    revenue_cents: int = 0
    new_customers: int = 0
    samples: int = 0
    active_member: bool = True

    @property
    def average_order_cents(self) -> int:
        return average_order(self.revenue_cents, self.orders)

    def as_tuple(self) -> tuple[int, ...]:
        return tuple(getattr(self, f) for f in FIGURES)


def _grouped(conn: Connection, query: object) -> Counter:
    return Counter({rep: n or 0 for rep, n in conn.execute(query)})


def active_customers(conn: Connection, tenant_id: int, first: int, last: int) -> Counter:
    """Distinct customers with an order in days [first, last], per rep (see above)."""
    a, e = RepActivity.__table__.c, RepCustomerDay.__table__.c
    mf, mt = month_of(first), month_of(last)
    f_start = month_start(mf)
    if mf == mt:
        partial = [(first, last)]
    else:
        partial = [(first, month_start(mf + 1) - 1), (month_start(mt), last)]
    out: Counter = Counter()

    def add(query: object) -> None:
        out.update(_grouped(conn, query))

    base = a.tenant_id == tenant_id
    for lo, hi in partial:
        add(select(a.rep, func.sum(a.customers)).where(
            base, a.grain == MONTH_DAY, a.day_key.between(lo, hi), a.prev_key < mf)
            .group_by(a.rep))
    if mt - mf >= 2:
        add(select(a.rep, func.sum(a.customers)).where(
            base, a.grain == MONTH_MONTH, a.day_key.between(mf + 1, mt - 1), a.prev_key < mf)
            .group_by(a.rep))
    if first > f_start:  # ordering days earlier in f's month, by the day
        before = list(range(f_start, first))
        if mt - mf >= 2:
            add(select(a.rep, func.sum(a.customers)).where(
                base, a.grain == DAY_MONTH, a.prev_key.in_(before),
                a.day_key.between(mf + 1, mt - 1)).group_by(a.rep))
        for lo, hi in partial:
            add(select(e.rep, func.count()).where(
                e.tenant_id == tenant_id, e.prev_day.in_(before), e.day.between(lo, hi))
                .group_by(e.rep))
    return out


def _members(conn: Connection, tenant_id: int) -> dict[int, tuple[str, str, bool]]:
    u = User.__table__.c
    return {uid: (name or email, role, deactivated is None)
            for uid, name, email, role, deactivated in conn.execute(
                select(u.id, u.name, u.email, u.role, u.deactivated_at)
                .where(u.tenant_id == tenant_id))}


def _rows(conn: Connection, tenant_id: int, figures: dict[str, Counter]) -> list[RepFigures]:
    """One row per sales rep (the role), per other member with figures, and Unassigned."""
    members = _members(conn, tenant_id)
    reps = {uid for uid, (_n, role, active) in members.items()
            if role == "sales_rep" and active}
    reps |= {rep for counts in figures.values() for rep, n in counts.items() if n}
    reps.discard(UNASSIGNED)
    rows = []
    for rep in sorted(reps, key=lambda r: (members.get(r, (f"Member #{r}",))[0].lower(), r)):
        name, _role, active = members.get(rep, (f"Member #{rep}", "", False))
        rows.append(RepFigures(rep, name, active_member=active,
                               **{f: figures[f][rep] for f in FIGURES}))
    rows.append(RepFigures(UNASSIGNED, "Unassigned", **{f: figures[f][UNASSIGNED]
                                                         for f in FIGURES}))
    return rows


def total(rows: list[RepFigures]) -> RepFigures:
    out = RepFigures(-1, "Total")
    for row in rows:
        for f in FIGURES:
            setattr(out, f, getattr(out, f) + getattr(row, f))
    return out


def sales_reps(conn: Connection, tenant_id: int, start: date, end: date) -> list[RepFigures]:
    """The report's rows for the UTC days start..end (both included), from the rollups."""
    first, last = day_number(start), day_number(end)
    d, k = RepDay.__table__.c, RepCustomerCount.__table__.c
    days = conn.execute(select(d.rep, func.sum(d.orders), func.sum(d.revenue_cents),
                               func.sum(d.new_customers), func.sum(d.samples))
                        .where(d.tenant_id == tenant_id, d.day.between(first, last))
                        .group_by(d.rep)).all()
    figures = {
        "customers": _grouped(conn, select(k.rep, k.customers).where(k.tenant_id == tenant_id)),
        "active_customers": active_customers(conn, tenant_id, first, last),
        **{name: Counter({row[0]: int(row[i] or 0) for row in days})
           for i, name in enumerate(("orders", "revenue_cents", "new_customers", "samples"),
                                    start=1)}}
    return _rows(conn, tenant_id, figures)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def recompute(conn: Connection, tenant_id: int, start: date, end: date) -> list[RepFigures]:
    """The same report from the orders, samples and customers themselves (slow, sure)."""
    lo, hi = _instant(start), _instant(end + timedelta(days=1))
    o, s, c = Order.__table__.c, Sample.__table__.c, Customer.__table__.c
    # UNASSIGNED written into the SQL (not bound): PostgreSQL takes GROUP BY coalesce(…, $2)
    # for another expression than SELECT coalesce(…, $1).
    unassigned = literal_column(str(UNASSIGNED))
    rep = func.coalesce(o.sales_rep_id, unassigned)
    counted = and_(o.tenant_id == tenant_id, o.cancelled.is_(False))
    in_range = and_(counted, o.placed_at >= lo, o.placed_at < hi)
    sums = conn.execute(select(rep, func.count(), func.sum(o.total_cents),
                               func.count(o.customer_id.distinct()))
                        .where(in_range).group_by(rep)).all()
    ranked = select(rep.label("rep"), o.placed_at, func.row_number().over(
        partition_by=o.customer_id, order_by=(o.placed_at, o.id)).label("n")).where(
        counted).subquery()
    figures = {
        "customers": _grouped(conn, select(func.coalesce(c.sales_rep_id, unassigned),
                                           func.count()).where(c.tenant_id == tenant_id)
                              .group_by(func.coalesce(c.sales_rep_id, unassigned))),
        "orders": Counter({r: n for r, n, _s, _a in sums}),
        "revenue_cents": Counter({r: int(total or 0) for r, _n, total, _a in sums}),
        "active_customers": Counter({r: a for r, _n, _s, a in sums}),
        "new_customers": _grouped(conn, select(ranked.c.rep, func.count()).where(
            ranked.c.n == 1, ranked.c.placed_at >= lo, ranked.c.placed_at < hi)
            .group_by(ranked.c.rep)),
        "samples": _grouped(conn, select(func.coalesce(s.sales_rep_id, unassigned),
                                         func.count()).where(
            s.tenant_id == tenant_id, s.requested_at >= lo, s.requested_at < hi)
            .group_by(func.coalesce(s.sales_rep_id, unassigned))),
    }
    return _rows(conn, tenant_id, figures)
