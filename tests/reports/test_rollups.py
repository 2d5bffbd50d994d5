"""The sales report's rollups equal a recomputation from the orders, whatever happens:
orders in any order and on any day, cancellations and their reversal, samples, customers
moving between reps, customers deleted — for any range of days."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from patronage.reports import queries
from patronage.tenancy.models import User

START = date(2025, 11, 20)  # orders fall over ~5 months around three month ends
SPAN = 150

# Days where the month grains meet: the first two and the last of each month, mid-month.
EDGES = sorted({(date(2025 + (m + 10) // 12, (m + 10) % 12 + 1, d) - START).days
                for m in range(6) for d in (1, 2, 15, 28)} | {
               (date(2025 + (m + 11) // 12, (m + 11) % 12 + 1, 1) - START).days - 1
               for m in range(6)})
EDGES = [e for e in EDGES if 0 <= e <= SPAN]
a_day = st.one_of(st.sampled_from(EDGES), st.integers(0, SPAN))

op = st.one_of(
    st.tuples(st.just("order"), st.integers(0, 3), a_day, st.integers(0, 23),
              st.integers(0, 50_000), st.booleans()),
    st.tuples(st.just("status"), st.integers(0, 3), st.integers(0, 9),
              st.sampled_from(["cancelled", "shipped"])),
    st.tuples(st.just("sample"), st.integers(0, 3), a_day),
    st.tuples(st.just("assign"), st.integers(0, 3), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.integers(0, 3)),
)


def _rep_ids(session, ctx, factory) -> list[int | None]:
    factory.member(ctx, "sales_rep")
    factory.member(ctx, "sales_rep")
    ids = list(session.scalars(select(User.id).where(User.tenant_id == ctx.id,
                                                     User.role == "sales_rep")
                               .order_by(User.id)))
    session.rollback()
    return [None, *ids]


def _compare(session, tenant_id: int, start: date, end: date) -> None:
    conn = session.connection()
    kept = {r.rep: r.as_tuple() for r in queries.sales_reps(conn, tenant_id, start, end)}
    sure = {r.rep: r.as_tuple() for r in queries.recompute(conn, tenant_id, start, end)}
    session.rollback()
    assert kept == sure, (start, end)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(op, min_size=1, max_size=40), data=st.data())
def test_rollups_equal_the_orders_for_every_range(client, factory, session, ops, data):
    ctx = factory.tenant()
    reps = _rep_ids(session, ctx, factory)
    people = [factory.customer(ctx, sales_rep_id=reps[i % 3])["id"] for i in range(4)]
    licenses = {}
    for cid in people:
        licenses[cid] = client.get(f"/api/v1/customers/{cid}",
                                   headers=ctx.headers).json()["license_number"]
    alive = set(people)
    numbers: dict[int, int] = dict.fromkeys(people, 0)
    events: list[dict] = []

    def flush() -> None:
        if events:
            r = client.post("/api/v1/events:batch", json={"events": events}, headers=ctx.headers)
            assert r.status_code == 200, r.text
            events.clear()

    for spec in ops:
        kind, person = spec[0], people[spec[1]]
        if person not in alive:
            continue
        who = {"license_number": licenses[person]}
        if kind == "order":
            _, _, day, hour, cents, cancelled = spec
            numbers[person] += 1
            at = f"{START + timedelta(days=day)}T{hour:02d}:30:00Z"
            events.append({"type": "order.placed", "occurred_at": at, "customer": who,
                           "data": {"number": f"{person}-{numbers[person]}",
                                    "total": f"{cents / 100:.2f}",
                                    "status": "cancelled" if cancelled else "placed"}})
        elif kind == "status" and numbers[person]:
            n = spec[2] % numbers[person] + 1
            events.append({"type": "order.status_changed", "occurred_at": "2026-05-01T00:00:00Z",
                           "customer": who, "data": {"number": f"{person}-{n}",
                                                     "status": spec[3]}})
        elif kind == "sample":
            events.append({"type": "sample.requested",
                           "occurred_at": f"{START + timedelta(days=spec[2])}T23:59:59Z",
                           "customer": who, "data": {"products": ["Gummies"]}})
        elif kind == "assign":
            flush()
            r = client.patch(f"/api/v1/customers/{person}", json={"sales_rep_id": reps[spec[2]]},
                             headers={**ctx.headers, "If-Match": "*"})
            assert r.status_code == 200, r.text
        elif kind == "delete":
            flush()
            r = client.delete(f"/api/v1/customers/{person}", headers={**ctx.headers,
                                                                      "If-Match": "*"})
            assert r.status_code == 204, r.text
            alive.discard(person)
        if len(events) >= data.draw(st.integers(1, 6)):
            flush()
    flush()
    for _ in range(6):
        first, last = sorted((data.draw(a_day), data.draw(a_day)))
        _compare(session, ctx.id, START + timedelta(days=first), START + timedelta(days=last))
    _compare(session, ctx.id, START - timedelta(days=400), START + timedelta(days=400))


def test_the_first_of_a_month_and_a_single_day(client, factory, session):
    ctx = factory.tenant()
    cid = factory.customer(ctx)["id"]
    lic = client.get(f"/api/v1/customers/{cid}", headers=ctx.headers).json()["license_number"]
    days = ["2026-01-31T23:00:00Z", "2026-02-01T00:00:00Z", "2026-02-01T10:00:00Z",
            "2026-03-15T12:00:00Z", "2026-01-10T12:00:00Z"]
    events = [{"type": "order.placed", "occurred_at": at, "customer": {"license_number": lic},
               "data": {"number": f"N{i}", "total": "10.00"}} for i, at in enumerate(days)]
    assert client.post("/api/v1/events:batch", json={"events": events},
                       headers=ctx.headers).json()["recorded"] == 5
    conn = session.connection()
    rows = {r.rep: r for r in queries.sales_reps(conn, ctx.id, date(2026, 2, 1),
                                                  date(2026, 2, 1))}
    assert (rows[0].orders, rows[0].active_customers, rows[0].revenue_cents) == (2, 1, 2000)
    rows = {r.rep: r for r in queries.sales_reps(conn, ctx.id, date(2026, 1, 1),
                                                  date(2026, 3, 31))}
    assert (rows[0].orders, rows[0].active_customers, rows[0].new_customers) == (5, 1, 1)
    session.rollback()
    for start, end in [(date(2026, 1, 31), date(2026, 2, 1)), (date(2026, 2, 2),
                       date(2026, 3, 15)), (date(2026, 1, 11), date(2026, 3, 14))]:
        _compare(session, ctx.id, start, end)


def test_every_range_between_month_edges_on_dense_history(client, factory, session):
    """A few hundred orders over six months (seeded), then every range whose ends are a
    month's edge or middle: each answered from the rollups as the orders say."""
    import random

    rng = random.Random(13)
    ctx = factory.tenant()
    reps = _rep_ids(session, ctx, factory)
    people = []
    for i in range(8):
        c = factory.customer(ctx, sales_rep_id=reps[i % 3])
        people.append((c["id"], c["license_number"]))
    events = []
    for n in range(300):
        cid, lic = rng.choice(people)
        day = START + timedelta(days=rng.choice(EDGES) if rng.random() < .5
                                else rng.randint(0, SPAN))
        events.append({"type": "order.placed", "occurred_at": f"{day}T12:00:00Z",
                       "customer": {"license_number": lic},
                       "data": {"number": f"D{n}", "total": "5.00",
                                "status": "cancelled" if rng.random() < .1 else "placed"}})
        if n % 100 == 99:  # a rep change midway: later orders go to the new rep
            cid, _ = people[n % 8]
            client.patch(f"/api/v1/customers/{cid}", json={"sales_rep_id": reps[(n // 100) % 3]},
                         headers={**ctx.headers, "If-Match": "*"})
            assert client.post("/api/v1/events:batch", json={"events": events},
                               headers=ctx.headers).json()["failed"] == 0
            events = []
    assert not events
    for i, first in enumerate(EDGES):
        for last in EDGES[i:]:
            _compare(session, ctx.id, START + timedelta(days=first),
                     START + timedelta(days=last))


def test_check_reports_finds_a_drift_and_recompute_mends_it(client, factory, session):
    from sqlalchemy import update
    from typer.testing import CliRunner

    from patronage.cli.main import app
    from patronage.reports.models import RepDay

    ctx = factory.tenant()
    c = factory.customer(ctx)
    events = [{"type": "order.placed", "occurred_at": f"2026-0{m}-0{m}T10:00:00Z",
               "customer": {"license_number": c["license_number"]},
               "data": {"number": f"C{m}", "total": "9.00"}} for m in (1, 2, 3)]
    client.post("/api/v1/events:batch", json={"events": events}, headers=ctx.headers)
    args = ["check-reports", "--tenant", ctx.slug, "--from", "2026-01-01", "--to", "2026-03-31"]
    runner = CliRunner()
    assert runner.invoke(app, args).exit_code == 0
    session.execute(update(RepDay).where(RepDay.tenant_id == ctx.id).values(orders=7))
    session.commit()
    drifted = runner.invoke(app, args)
    assert drifted.exit_code == 1 and "differ" in drifted.output
    assert runner.invoke(app, ["recompute", "--tenant", ctx.slug]).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0
    _compare(session, ctx.id, date(2026, 1, 2), date(2026, 3, 2))
