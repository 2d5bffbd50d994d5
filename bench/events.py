"""Events benchmark: batch ingestion, single events at scale, and the overview page of a
customer with thousands of orders, through a real `patronage serve` process.

Usage: .venv/bin/python bench/events.py [--events 100000] [--businesses 10000]
                                         [--big-db PATH] [--requests 200]

1. Batch ingestion: a fresh SQLite file, EVENTS `order.placed` events over BUSINESSES
   businesses (the first event of each creates it), posted to /api/v1/events:batch in
   batches of 1,000.
2. Single events: POST /api/v1/events one at a time against BIG-DB (the directory
   benchmark's file with 1,000,000 customers; migrated first), matching existing businesses.
3. Overview: a business of BIG-DB given 5,000 orders, then GET /customers/{id} signed in.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from measure import free_port, p50_p95

PRODUCTS = [("FL-1", "Flower 3.5g", "flower", "28.00"), ("ED-1", "Gummies", "edibles", "18.00"),
            ("AC-1", "Grinder", "accessories", "15.00")]


def _env(db: Path) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}


def _cli(db: Path, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "patronage.cli", *args], env=_env(db),
                          check=True, capture_output=True, text=True).stdout


def _workspace(db: Path, slug: str) -> tuple[str, str]:
    """A bench workspace with an admin; returns (token, password)."""
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    from patronage import db as database
    from patronage.db import session_scope
    from patronage.settings import get_settings

    for cached in (get_settings, database.get_engine, database._session_factory):
        cached.cache_clear()  # this process may have opened another file before
    from patronage.errors import PatronageError
    from patronage.settings_lists import service as lists
    from patronage.settings_lists.kinds import KINDS
    from patronage.tenancy import service as tenancy

    password = secrets.token_urlsafe(12)
    email = f"bench@{slug}.example"
    with session_scope() as session:
        try:
            tenant = tenancy.create_tenant(session, slug=slug)
            for kind, item in (("stores", {"name": "Main", "code": "main"}),):
                lists.create_item(session, KINDS[kind], tenant_id=tenant.id,
                                  data=KINDS[kind].create.model_validate(item))
        except PatronageError:
            tenant = tenancy.get_tenant(session, slug)
        try:
            tenancy.create_user(session, tenant_id=tenant.id, email=email, role="admin",
                                password=password, name="Bench")
        except PatronageError:
            tenancy.set_password(session, tenant_id=tenant.id, email=email, password=password)
        token = tenancy.create_token(session, tenant_id=tenant.id, email=email, label="bench")
    return token, password


class Server:
    def __init__(self, db: Path, workers: int = 1) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "patronage.app:create_app", "--factory",
             "--port", str(self.port), "--log-level", "warning", "--workers", str(workers)],
            env=_env(db))
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                httpx.get(f"{self.base}/api/v1/health")
                return
            except httpx.TransportError:
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def _order(rng: random.Random, license_number: str, number: str, at: str) -> dict:
    lines = []
    for sku, name, category, price in rng.sample(PRODUCTS, rng.randint(1, 3)):
        lines.append({"sku": sku, "name": name, "category": category,
                      "quantity": rng.randint(1, 20), "unit_price": price})
    return {"type": "order.placed", "occurred_at": at,
            "customer": {"license_number": license_number,
                         "company_name": f"Business {license_number}"},
            "data": {"number": number, "store": "main", "status": "delivered", "lines": lines}}


def batch_ingestion(events: int, businesses: int, workers: int) -> None:
    db = Path(tempfile.mkdtemp()) / "events-bench.db"
    _cli(db, "migrate")
    token, _ = _workspace(db, "bench")
    server = Server(db, workers)
    try:
        _batches(server, token, events, businesses, workers)
    finally:
        server.stop()


def _batches(server: Server, token: str, events: int, businesses: int, senders: int) -> None:
    rng = random.Random(5)
    stream = [{**_order(rng, f"BN-{i % businesses:06d}", f"N{i:07d}",
                        f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00Z"),
               "idempotency_key": f"e{i}"} for i in range(events)]
    # Bodies are encoded up front: the senders' JSON encoding is not the server's work.
    batches = [json.dumps({"events": stream[at:at + 1000]}).encode()
               for at in range(0, events, 1000)]
    totals = {"recorded": 0, "created": 0}
    lock = threading.Lock()

    def send(mine: list[bytes]) -> None:
        client = httpx.Client(base_url=server.base, timeout=120,
                              headers={"Authorization": f"Bearer {token}",
                                       "Content-Type": "application/json"})
        for batch in mine:
            response = client.post("/api/v1/events:batch", content=batch)
            assert response.status_code == 200, response.text
            body = response.json()
            with lock:
                totals["recorded"] += body["recorded"]
                totals["created"] += sum(1 for r in body["results"] if r["result"]
                                         and r["result"]["matched_by"] == "created")

    # Each sender posts every n-th batch, all at once: the channel's integrations in parallel.
    threads = [threading.Thread(target=send, args=(batches[i::senders],))
               for i in range(senders)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    recorded = totals["recorded"]
    print(f"batch ingestion (SQLite, HTTP, batches of 1,000, {senders} worker(s) and "
          f"{senders} sender(s)): {recorded:,} events ({totals['created']:,} customers "
          f"created) in {seconds:.1f}s = {recorded / seconds:,.0f} events/s")
    client = httpx.Client(base_url=server.base, timeout=120,
                          headers={"Authorization": f"Bearer {token}"})
    again = time.perf_counter()
    response = client.post("/api/v1/events:batch", json={"events": stream[:1000]})
    assert response.status_code == 200, response.text
    body = response.json()
    print(f"  a repeated batch of 1,000 (all idempotent repeats): {body['repeated']:,} "
          f"repeats in {(time.perf_counter() - again) * 1000:.0f} ms")


def _login(client: httpx.Client, slug: str, email: str, password: str) -> None:
    import re
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"workspace": slug, "email": email, "password": password,
                                "csrf_token": token, "next": "/customers"})


def at_scale(big_db: Path, requests: int) -> None:
    _cli(big_db, "migrate")
    token, password = _workspace(big_db, "demo")
    con = sqlite3.connect(big_db)
    tenant = con.execute("SELECT id FROM tenants WHERE slug = 'demo'").fetchone()[0]
    total = con.execute("SELECT customers FROM customer_counts WHERE tenant_id = ?",
                        (tenant,)).fetchone()[0]
    if con.execute("SELECT 1 FROM stores WHERE tenant_id = ? AND code = 'main'",
                   (tenant,)).fetchone() is None:
        con.execute("INSERT INTO stores (tenant_id, name, code, position) "
                    "VALUES (?, 'Main', 'main', 9)", (tenant,))
        con.commit()
    # Businesses without stored orders yet, so each run's big customer has exactly 5,000.
    licenses = [r[0] for r in con.execute(
        "SELECT license_number FROM customers c WHERE tenant_id = ? AND type = 'business' "
        "AND license_number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM orders o WHERE "
        "o.tenant_id = c.tenant_id AND o.customer_id = c.id) ORDER BY id LIMIT 2000",
        (tenant,))]
    con.close()
    server = Server(big_db)
    try:
        _single_and_overview(server, token, password, licenses, total, requests, big_db)
    finally:
        server.stop()


def _single_and_overview(server: Server, token: str, password: str, licenses: list[str],
                         total: int, requests: int, big_db: Path) -> None:
    client = httpx.Client(base_url=server.base, timeout=60,
                          headers={"Authorization": f"Bearer {token}"})
    rng = random.Random(9)
    run = secrets.token_hex(3)
    times = []
    for i in range(requests):
        event = _order(rng, rng.choice(licenses[1:]), f"S{run}-{i}", "2026-11-01T10:00:00Z")
        started = time.perf_counter()
        response = client.post("/api/v1/events", json=event,
                               headers={"Idempotency-Key": f"s{run}-{i}"})
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 201, response.text
    p50, p95 = p50_p95(times)
    print(f"single event at {total:,} customers (HTTP, matched by license): "
          f"p50 {p50:.1f} ms / p95 {p95:.1f} ms")

    # One business with 5,000 orders, then its overview page, signed in.
    big = licenses[0]
    base = rng.randint(0, 10**6)
    stream = [{**_order(rng, big, f"B{run}-{i}", f"{2024 + i // 2500}-"
                        f"{1 + (i // 209) % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z"),
               "idempotency_key": f"b{run}-{base}-{i}"} for i in range(5000)]
    for at in range(0, len(stream), 1000):
        client.post("/api/v1/events:batch", json={"events": stream[at:at + 1000]})
    cid = client.get("/api/v1/customers", params={"q": big}).json()["items"][0]["id"]
    browser = httpx.Client(base_url=server.base, timeout=60)
    _login(browser, "demo", "bench@demo.example", password)
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        response = browser.get(f"/customers/{cid}")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and "Spend by month" in response.text
    p50, p95 = p50_p95(times)
    with sqlite3.connect(big_db) as con:
        orders = con.execute("SELECT count(*) FROM orders WHERE customer_id = ?",
                             (cid,)).fetchone()[0]
    print(f"overview page of a customer with {orders:,} stored orders (HTTP, signed in): "
          f"p50 {p50:.1f} ms / p95 {p95:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--businesses", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--big-db", default=str(Path(tempfile.gettempdir()) /
                                                "patronage-directory-bench.db"))
    parser.add_argument("--skip-batch", action="store_true")
    parser.add_argument("--workers", default="1,2",
                        help="Server workers (= concurrent senders) per batch run.")
    args = parser.parse_args()
    if not args.skip_batch:
        for workers in (int(w) for w in args.workers.split(",")):
            batch_ingestion(args.events, args.businesses, workers)
    if Path(args.big_db).exists():
        at_scale(Path(args.big_db), args.requests)
    else:
        print(f"{args.big_db} not found: run bench/directory.py first for the 1M figures")


if __name__ == "__main__":
    main()
