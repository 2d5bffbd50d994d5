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
import random
import secrets
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import httpx
from measure import Server, cli, p50_p95, sign_in, workspace

PRODUCTS = [("FL-1", "Flower 3.5g", "flower", "28.00"), ("ED-1", "Gummies", "edibles", "18.00"),
            ("AC-1", "Grinder", "accessories", "15.00")]


def _order(rng: random.Random, license_number: str, number: str, at: str) -> dict:
    lines = []
    for sku, name, category, price in rng.sample(PRODUCTS, rng.randint(1, 3)):
        lines.append({"sku": sku, "name": name, "category": category,
                      "quantity": rng.randint(1, 20), "unit_price": price})
    return {"type": "order.placed", "occurred_at": at,
            "customer": {"license_number": license_number,
                         "company_name": f"Business {license_number}"},
            "data": {"number": number, "store": "main", "status": "delivered", "lines": lines}}


def batch_ingestion(events: int, businesses: int, workers: int,
                    url: str | None = None) -> None:
    """Into a fresh SQLite file, or into the empty database ``url`` names."""
    db: Path | str = url or Path(tempfile.mkdtemp()) / "events-bench.db"
    cli(db, "migrate")
    token, _ = workspace(db, "bench")
    server = Server(db, workers)
    try:
        _batches(server, token, events, businesses, workers,
                 "SQLite" if url is None else "PostgreSQL")
    finally:
        server.stop()


def _batches(server: Server, token: str, events: int, businesses: int, senders: int,
             engine: str = "SQLite") -> None:
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
    print(f"batch ingestion ({engine}, HTTP, batches of 1,000, {senders} worker(s) and "
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


def at_scale(big_db: Path, requests: int) -> None:
    cli(big_db, "migrate")
    token, password = workspace(big_db, "demo")
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
    sign_in(browser, "demo", "bench@demo.example", password)
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
    parser.add_argument("--batch-database-url", help="Batch ingestion into this empty "
                        "database (PostgreSQL, say) instead of a fresh SQLite file; one "
                        "--workers value per run, as the database is not emptied.")
    parser.add_argument("--workers", default="1,2",
                        help="Server workers (= concurrent senders) per batch run.")
    args = parser.parse_args()
    if not args.skip_batch:
        for workers in (int(w) for w in args.workers.split(",")):
            batch_ingestion(args.events, args.businesses, workers, args.batch_database_url)
    if Path(args.big_db).exists():
        at_scale(Path(args.big_db), args.requests)
    else:
        print(f"{args.big_db} not found: run bench/directory.py first for the 1M figures")


if __name__ == "__main__":
    main()
