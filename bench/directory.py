"""Directory benchmark: list, filter, sort, search and deep pages at scale, through HTTP and
in-process, next to the bare SQL the service runs, on the same SQLite file.

Usage: .venv/bin/python bench/directory.py [--customers 1000000] [--other 100000]
                                             [--requests 200] [--db PATH | --database-url URL]

Seeds (or reuses) a database with CUSTOMERS in tenant `demo` and OTHER in tenant `neighbour`,
starts `patronage serve` on a free loopback port, and prints p50/p95 per query shape.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

import httpx
from measure import Server, p50_p95


def _prepare(url: str, customers: int, other: int) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    cli = [sys.executable, "-m", "patronage.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    from patronage.db import session_scope
    from patronage.demo.seed import seed

    with session_scope() as session:
        for slug, n in (("demo", customers), ("neighbour", other)):
            started = time.perf_counter()
            result = seed(session, customers=n, slug=slug)
            if result.created:
                print(f"seeded {result.created:,} customers into {slug} "
                      f"in {time.perf_counter() - started:.1f}s", flush=True)
    # No ANALYZE here: the seed keeps the planner's statistics itself, as a user gets it.


def _shapes() -> dict[str, list[dict]]:
    """Query strings per shape, drawn from the data so searches find real rows."""
    from sqlalchemy import text

    from patronage.db import get_engine, tenant_setting

    with get_engine().connect() as con:
        tenant = con.scalar(text("SELECT id FROM tenants WHERE slug = 'demo'"))
        if con.dialect.name == "postgresql":  # row-level security: the tenant's rows only
            con.execute(text(tenant_setting(tenant)))
        status = list(con.scalars(text("SELECT id FROM statuses WHERE tenant_id = :t "
                                       "ORDER BY position"), {"t": tenant}))
        reps = list(con.scalars(text("SELECT id FROM users WHERE tenant_id = :t "
                                     "AND role = 'sales_rep'"), {"t": tenant}))
        sample = con.execute(text("SELECT last_name, license_number, phone FROM customers "
                                  "WHERE tenant_id = :t AND license_number IS NOT NULL "
                                  "ORDER BY id LIMIT 2000"), {"t": tenant}).all()
        members = list(con.scalars(text(
            "SELECT membership_id FROM customers WHERE tenant_id = :t AND membership_id IS "
            "NOT NULL ORDER BY id LIMIT 20"), {"t": tenant}))
    rng = random.Random(7)
    common = ["smi", "son", "ann", "mar", "lee", "gold", "green", "john", "mill", "wood"]
    return {
        "default page": [{}],
        "state + spent, by last order": [
            {"state": s, "spent_min": lo, "spent_max": lo * 10, "sort": "-last_order_at"}
            for s in ("CA", "OR", "WA", "CO") for lo in (100, 500, 1000)],
        "status, by name": [{"status": s, "sort": "name"} for s in status],
        "business + sales rep": [{"type": "business", "sales_rep": r} for r in reps],
        "tag + subscribed, by spent": [{"tag": t, "subscription": "true", "sort": "-total_spent"}
                                       for t in ("vip", "loyalty", "events")],
        "search, common 3-5 letters": [{"q": q} for q in common],
        "name or email filter": [{"name": w} for w in common[:5]]
        + [{"email": w, "sort": "-last_order_at"} for w in common[5:]],
        "search, rare": [{"q": lic.split("-")[1][2:]} for _, lic, _ in
                         rng.sample(sample, 20)],
        "phone fragment": [{"q": f"{ph[2:5]}-{ph[5:8]}"} for _, _, ph in rng.sample(sample, 20)],
        # issue 16: every field can be found
        "risk / shopper level / country / age-limited": [
            {"risk_level": "high"}, {"risk_level": "medium,high", "sort": "-total_spent"},
            {"shopper_level": "Platinum"}, {"country": "US", "age_limited": "true"}],
        "membership ID": [{"membership_id": m} for m in members],
        "birthdays this month / next 30 days": [{"birthday_month": m} for m in (1, 6, 12)]
        + [{"birthday_within": 30}],
        "born between two dates": [
            {"birthday_from": "1980-01-01", "birthday_to": "1989-12-31"},
            {"birthday_from": "1990-06-01", "birthday_to": "1990-06-30"},
            {"birthday_from": "2000-01-01", "sort": "-last_order_at"}],
        "license expiring within 30 days / a range": [
            {"license_expires_within": 30},
            {"license_expires_from": "2026-01-01", "license_expires_to": "2026-03-31"}],
        "sorted by license expiry / first order": [
            {"sort": "license_expires_on"}, {"sort": "-license_expires_on"},
            {"license_expires_within": 90, "sort": "license_expires_on"},
            {"type": "business", "license_expires_from": "2026-12-01",
             "sort": "license_expires_on"},
            {"sort": "first_order_at"}, {"sort": "-first_order_at"},
            {"state": "CA", "sort": "-first_order_at"}],
    }


class SqlTimer:
    """Records the statements the service runs, to time them bare in sqlite3 afterwards."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple]] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT"):
            self.statements.append((statement, parameters))


def run(args: argparse.Namespace) -> None:
    url = args.database_url or f"sqlite:///{Path(args.db)}"
    _prepare(url, args.customers, args.other)
    shapes = _shapes()

    from sqlalchemy import event

    from patronage.customers.filters import ListParams
    from patronage.customers.service import list_customers
    from patronage.db import TENANT_SETTING, get_engine, new_session
    from patronage.tenancy import service as tenancy

    session = new_session()
    tenant = tenancy.get_tenant(session, "demo")
    token = tenancy.create_token(session, tenant_id=tenant.id, email="admin@demo.example",
                                 label="bench")
    server = Server()  # DATABASE_URL of this process
    client = httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"},
                          timeout=30)

    raw = get_engine().raw_connection()  # the bare driver: sqlite3 or psycopg
    if not url.startswith("sqlite"):  # as the application's role, held to the tenant
        raw.cursor().execute(f"SET {TENANT_SETTING} = '{tenant.id}'")

    def bare(sql: str, params: object) -> list:
        cur = raw.cursor()
        cur.execute(sql, params)
        rows = cur.fetchall()
        cur.close()
        return rows

    def in_process(params: dict) -> Callable[[], object]:
        p = ListParams.model_validate(params)
        return lambda: list_customers(session, tenant_id=tenant.id, filters=p.filters(),
                                      sort=p.sort, limit=p.limit, cursor=p.cursor)

    # A page deep in the cursor chain: follow next_cursor 200 pages (10,000 rows) down.
    cursor = None
    for _ in range(min(200, args.customers // 50 - 1)):
        cursor = client.get("/api/v1/customers", params={"limit": 50,
                                                         **({"cursor": cursor} if cursor
                                                            else {})}).json()["next_cursor"]
    shapes["page 201 (row 10,000) by cursor"] = [{"cursor": cursor}]

    print(f"\n{args.customers:,} customers in the tenant, {args.other:,} next door; "
          f"{args.requests} requests per shape (p50 / p95 ms)\n")
    header = f"{'shape':34} {'HTTP':>15} {'in-process':>15} {'bare SQL':>15} {'ratio':>6}  total"
    print(header)
    print("-" * len(header))
    for name, variants in shapes.items():
        http_t, proc_t, sql_t = [], [], []
        total = None
        for i in range(args.requests):
            params = variants[i % len(variants)]
            started = time.perf_counter()
            response = client.get(f"/api/v1/customers?{urlencode(params)}")
            http_t.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.text
            body = response.json()
            total = (f"{body['total']:,}" + ("" if body["total_exact"] else "+"))
            timer = SqlTimer()
            event.listen(get_engine(), "before_cursor_execute", timer)
            started = time.perf_counter()
            in_process(params)()
            proc_t.append((time.perf_counter() - started) * 1000)
            event.remove(get_engine(), "before_cursor_execute", timer)
            started = time.perf_counter()
            for sql, sql_params in timer.statements:
                bare(sql, sql_params)
            sql_t.append((time.perf_counter() - started) * 1000)
        h, p, s = p50_p95(http_t), p50_p95(proc_t), p50_p95(sql_t)
        print(f"{name:34} {h[0]:6.1f} / {h[1]:6.1f} {p[0]:6.1f} / {p[1]:6.1f} "
              f"{s[0]:6.1f} / {s[1]:6.1f} {h[1] / max(s[1], 0.01):5.1f}x  {total}")

    # Export: every page of a large view as CSV, streamed, with the default columns.
    for params in ({"type": "business"}, {"type": "business", "columns":
                                          "id,name,email,phone,state,status,total_spent"}):
        started = time.perf_counter()
        rows = 0
        with client.stream("GET", "/api/v1/customers/export", params=params) as response:
            for _line in response.iter_lines():
                rows += 1
        seconds = time.perf_counter() - started
        print(f"export {urlencode(params)}: {rows - 1:,} rows in {seconds:.2f}s "
              f"= {(rows - 1) / seconds:,.0f} rows/s")
    started = time.perf_counter()
    placeholder = "?" if url.startswith("sqlite") else "%s"
    found = bare("SELECT id, company_name, first_name, last_name, email, phone, state, "
                 "status_id, total_spent_cents FROM customers WHERE tenant_id = "
                 f"{placeholder} AND type = 'business' ORDER BY id DESC", (tenant.id,))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(found)
    seconds = time.perf_counter() - started
    print(f"bare driver + csv of the same rows: {len(found):,} rows in {seconds:.2f}s "
          f"= {len(found) / seconds:,.0f} rows/s")
    server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--other", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) /
                                              "patronage-directory-bench.db"))
    parser.add_argument("--database-url", help="Run against this database instead "
                                               "(e.g. PostgreSQL); --db is then ignored.")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
