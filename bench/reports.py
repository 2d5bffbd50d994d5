"""Sales report benchmark: the report per rep for ranges from a day to three years, through
HTTP and in-process, next to the same figures recomputed from the orders; and the checkout
policy a storefront asks on every page view.

Usage: .venv/bin/python bench/reports.py [--customers 1000000] [--reps 20]
                                         [--orders 5000000] [--samples 500000]
                                         [--requests 100] [--db PATH | --database-url URL]

Seeds (or reuses) the demo workspace with CUSTOMERS, brings its sales reps to REPS, records
ORDERS orders and SAMPLES samples over the last three years (written in bulk, then the
rollups built by the product's own `rollups.rebuild`, as `patronage recompute` does),
starts `patronage serve` on a free loopback port, and prints p50/p95 per range shape.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from measure import Server, p50_p95

SHAPES = {"a day": 0, "a week": 6, "a month": 30, "a quarter": 91, "a year": 364,
          "three years": 3 * 365 - 1}


def _prepare(url: str, customers: int, reps: int, orders: int, samples: int) -> int:
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([sys.executable, "-m", "patronage.cli", "migrate"], env=env, check=True,
                   capture_output=True)
    os.environ["DATABASE_URL"] = url
    from sqlalchemy import func, select

    from patronage.customers.models import Customer
    from patronage.db import begin_writing, bulk_insert, reserve_ids, session_scope
    from patronage.demo.seed import seed
    from patronage.events.models import Order, Sample
    from patronage.reports import rollups
    from patronage.tenancy import service as tenancy
    from patronage.tenancy.models import User

    with session_scope() as session:
        started = time.perf_counter()
        result = seed(session, customers=customers, slug="demo")
        if result.created:
            print(f"seeded {result.created:,} customers in "
                  f"{time.perf_counter() - started:.1f}s", flush=True)
        tenant = result.tenant_id
        have = list(session.scalars(select(User.id).where(User.tenant_id == tenant,
                                                          User.role == "sales_rep")))
        for n in range(len(have), reps):
            tenancy.create_user(session, tenant_id=tenant, role="sales_rep",
                                email=f"rep{n}@demo.example", name=f"Rep {n:02d}",
                                password=tenancy.generate_password())
        rep_ids = list(session.scalars(select(User.id).where(User.tenant_id == tenant,
                                                             User.role == "sales_rep")))
        stored = session.scalar(select(func.count()).select_from(Order)
                                .where(Order.tenant_id == tenant)) or 0
        if stored >= orders:
            return tenant
        ids = list(session.scalars(select(Customer.id).where(Customer.tenant_id == tenant)))
        rng = random.Random(5)
        now = datetime.now(UTC).replace(microsecond=0)
        span = 3 * 365 * 86400
        begin_writing(session)
        conn = session.connection()
        started = time.perf_counter()
        step = 100_000
        for first in range(stored, orders, step):
            n = min(step, orders - first)
            rows = []
            for order_id, k in zip(reserve_ids(conn, Order.__table__, n), range(n),
                                   strict=True):
                rows.append({"id": order_id, "tenant_id": tenant, "customer_id": rng.choice(ids),
                             "number": f"B{first + k}", "store_id": None,
                             "status": "cancelled" if rng.random() < .04 else "delivered",
                             "cancelled": False, "placed_at": now - timedelta(
                                 seconds=rng.randrange(span)),
                             "total_cents": rng.randrange(500, 250_000), "item_count": 1,
                             "sales_rep_id": rng.choice(rep_ids) if rng.random() < .9
                             else None})
                rows[-1]["cancelled"] = rows[-1]["status"] == "cancelled"
            bulk_insert(conn, Order.__table__, rows)
            print(f"  orders {first + n:,}", end="\r", flush=True)
        rows = [{"id": sample_id, "tenant_id": tenant, "customer_id": rng.choice(ids),
                 "requested_at": now - timedelta(seconds=rng.randrange(span)),
                 "products": ["Sampler"], "sales_rep_id": rng.choice(rep_ids)}
                for sample_id in reserve_ids(conn, Sample.__table__, samples)]
        bulk_insert(conn, Sample.__table__, rows)
        print(f"recorded {orders - stored:,} orders and {samples:,} samples in "
              f"{time.perf_counter() - started:.1f}s", flush=True)
        started = time.perf_counter()
        rollups.rebuild(conn, tenant, progress=lambda done, total: print(
            f"  rollups {done:,} / {total:,} customers", end="\r", flush=True))
        session.commit()
        print(f"built the rollups (rollups.rebuild) in {time.perf_counter() - started:.1f}s",
              flush=True)
        return tenant


def run(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite:///{Path(args.db)}"
    tenant_id = _prepare(url, args.customers, args.reps, args.orders, args.samples)

    from fastapi.testclient import TestClient

    from patronage.app import create_app
    from patronage.db import bind_tenant, new_session
    from patronage.reports import queries, service
    from patronage.tenancy import service as tenancy

    session = new_session()
    bind_tenant(session, tenant_id)  # row-level security on PostgreSQL: the tenant's rows
    token = tenancy.create_token(session, tenant_id=tenant_id, email="admin@demo.example",
                                 label="bench")
    server = Server()  # DATABASE_URL of this process
    client = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"},
                          timeout=60)
    today = datetime.now(UTC).date()
    oldest = today - timedelta(days=3 * 365)
    rng = random.Random(11)

    def ranges(length: int) -> list[tuple[date, date]]:
        room = (today - oldest).days - length
        return [(s, s + timedelta(days=length)) for s in
                (oldest + timedelta(days=rng.randrange(max(room, 1))) for _ in range(20))]

    print(f"\n{args.customers:,} customers, {args.reps} reps, {args.orders:,} orders over "
          f"three years; {args.requests} requests per shape (p50 / p95 ms)\n")
    header = (f"{'range':12} {'HTTP':>15} {'in-process':>15} {'recomputed':>15} {'ratio':>6}"
              f"  same figures")
    print(header)
    print("-" * len(header))
    for name, length in SHAPES.items():
        variants = ranges(length)
        http_t, proc_t = [], []
        for i in range(args.requests):
            start, end = variants[i % len(variants)]
            began = time.perf_counter()
            response = client.get("/api/v1/reports/sales-reps",
                                  params={"from": start.isoformat(), "to": end.isoformat()})
            http_t.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, response.text
            began = time.perf_counter()
            service.sales_reps(session, tenant_id, start, end)
            proc_t.append((time.perf_counter() - began) * 1000)
        brute_t, same = [], True
        for start, end in variants[:args.checks]:
            conn = session.connection()
            kept = {r.rep: r.as_tuple() for r in queries.sales_reps(conn, tenant_id, start,
                                                                    end)}
            began = time.perf_counter()
            sure = {r.rep: r.as_tuple() for r in queries.recompute(conn, tenant_id, start,
                                                                   end)}
            brute_t.append((time.perf_counter() - began) * 1000)
            session.commit()
            same = same and kept == sure
        h, p, b = p50_p95(http_t), p50_p95(proc_t), p50_p95(brute_t)
        print(f"{name:12} {h[0]:6.1f} / {h[1]:6.1f} {p[0]:6.1f} / {p[1]:6.1f} "
              f"{b[0]:6.0f} / {b[1]:6.0f} {b[0] / max(h[0], 0.01):5.0f}x  "
              f"{'yes' if same else 'NO'} ({args.checks} ranges)")

    # The checkout policy, as a storefront asks on every page view.
    policy_http = []
    for i in range(1000):
        began = time.perf_counter()
        response = client.get("/api/v1/checkout-policy",
                              params={"device": ("web", "ios", "android")[i % 3]})
        policy_http.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text
    local = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
    policy_local = []
    for i in range(1000):
        began = time.perf_counter()
        local.get("/api/v1/checkout-policy", params={"device": ("web", "ios", "android")[i % 3]})
        policy_local.append((time.perf_counter() - began) * 1000)
    from patronage.storefront import service as storefront

    policy_call = []
    for i in range(1000):
        began = time.perf_counter()
        storefront.policy(storefront.rules(session, tenant_id), ("web", "ios", "android")[i % 3])
        policy_call.append((time.perf_counter() - began) * 1000)
    h, p, c = p50_p95(policy_http), p50_p95(policy_local), p50_p95(policy_call)
    print(f"\ncheckout policy (p50 / p95 ms, 1,000 requests): HTTP {h[0]:.2f} / {h[1]:.2f}; "
          f"in-process through the app (TestClient, token checked) {p[0]:.2f} / {p[1]:.2f}; "
          f"the service call (cached rules) {c[0]:.3f} / {c[1]:.3f}")
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--orders", type=int, default=5_000_000)
    parser.add_argument("--samples", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--checks", type=int, default=3,
                        help="Ranges per shape also recomputed from the orders")
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) /
                                              "patronage-reports-bench.db"))
    parser.add_argument("--database-url", help="Run against this database instead "
                                               "(e.g. PostgreSQL); --db is then ignored.")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
