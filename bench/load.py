"""Load benchmark: many concurrent clients on loopback against a real `patronage serve`
(uvicorn) process on the 1,000,000-customer file, mixed reads and writes; then checks that
nothing was lost or recorded twice.

Usage: .venv/bin/python bench/load.py --db PATH [--clients 200] [--seconds 60]
                                       [--workers 1,2] [--think 1.0] [--during-import 0]
                                       [--kinds event,batch]

PATH is the directory benchmark's file (tenant `demo`, 1,000,000 customers; migrated first).
Each client is one keep-alive connection that repeats: pick a request kind by weight, send
it, wait a random think time (exponential, mean THINK seconds; 0 = back to back). Kinds:
lists (filters and sorts), searches, reads, overview pages (signed in, admin HTML), creates,
patches (If-Match), single events and batches of 20 events. With --during-import ROWS, a
`patronage import` of ROWS new customers commits into the same workspace while the clients
run (the run lasts at least until it ends).

Prints per kind: count, answers by status, p50/p95/p99, throughput; 5xx and timeouts
separately (a 503 must carry Retry-After); waits for events kept in the inbox (202) to be
recorded; then checks every 201 customer is readable and every idempotency key answered
200/201/202 is recorded exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import random
import secrets
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from measure import Server, cli, db_env, db_url, process_tree, sign_in, workspace
from sqlalchemy import bindparam, text

READS = ("list", "search", "read", "overview")
WEIGHTS = {"list": 25, "search": 20, "read": 15, "overview": 8, "create": 8, "patch": 8,
           "event": 12, "batch": 4}
LIST_QUERIES = [{"type": "business"}, {"state": "CA"}, {"sort": "-total_spent"},
                {"type": "registered", "sort": "name"}, {"state": "WA", "type": "business"},
                {}, {"sort": "-created_at"}, {"tag": "vip"}]
TLS = ssl.create_default_context()
SEARCHES = ["smi", "john", "green", "mar", "lee", "supply", "oak", "par", "wil", "bro"]


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


class Run:
    """One load run's answers and what it must find afterwards."""

    def __init__(self, base: str, token: str, cookies: httpx.Cookies, ids: list[int],
                 emails: list[str], tag: str, kinds: list[str] | None = None) -> None:
        self.base, self.token, self.cookies = base, token, cookies
        self.weights = {k: w for k, w in WEIGHTS.items() if not kinds or k in kinds}
        self.ids, self.emails, self.tag = ids, emails, tag
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.bad_503 = 0  # a 503 without Retry-After
        self.reconnects = 0
        self.began = time.perf_counter()
        self.timeline: list[tuple[float, bool, float]] = []  # (sent at, read?, ms)
        self.created: list[int] = []
        self.keys: dict[str, int] = {}  # idempotency key -> status answered
        self.counter = 0

    def next_key(self) -> str:
        self.counter += 1
        return f"load-{self.tag}-{self.counter}"

    def _event(self, rng: random.Random) -> dict:
        email = rng.choice(self.emails)
        return {"type": "order.placed", "occurred_at": "2026-11-20T10:00:00Z",
                "customer": {"email": email},
                "data": {"number": f"L{self.tag}-{secrets.token_hex(6)}", "status": "placed",
                         "lines": [{"sku": "FL-1", "name": "Flower 3.5g", "category": "flower",
                                    "quantity": rng.randint(1, 5), "unit_price": "28.00"}]}}

    async def one(self, kind: str, api: httpx.AsyncClient, admin: httpx.AsyncClient,
                  rng: random.Random) -> httpx.Response:
        if kind == "list":
            return await api.get("/api/v1/customers",
                                 params={"limit": 50, **rng.choice(LIST_QUERIES)})
        if kind == "search":
            return await api.get("/api/v1/customers",
                                 params={"q": rng.choice(SEARCHES), "limit": 25})
        if kind == "read":
            return await api.get(f"/api/v1/customers/{rng.choice(self.ids)}")
        if kind == "overview":
            return await admin.get(f"/customers/{rng.choice(self.ids)}")
        if kind == "create":
            n = secrets.token_hex(5)
            response = await api.post("/api/v1/customers", json={
                "type": "registered", "first_name": "Load", "last_name": f"Client {n}",
                "email": f"load.{self.tag}.{n}@load.example", "phone": "+14155550123",
                "address1": "1 Market St", "city": "San Francisco", "state": "CA",
                "zip": "94105"})
            if response.status_code == 201:
                self.created.append(response.json()["id"])
            return response
        if kind == "patch":
            cid = rng.choice(self.ids)
            current = await api.get(f"/api/v1/customers/{cid}")
            if current.status_code != 200:
                return current
            return await api.patch(f"/api/v1/customers/{cid}",
                                   json={"notes": f"Called {self.tag} {rng.random():.6f}"},
                                   headers={"If-Match": current.headers["ETag"]})
        if kind == "event":
            key = self.next_key()
            response = await api.post("/api/v1/events", json=self._event(rng),
                                      headers={"Idempotency-Key": key})
            self.keys[key] = response.status_code
            return response
        keys = [self.next_key() for _ in range(20)]
        response = await api.post("/api/v1/events:batch", json={"events": [
            {**self._event(rng), "idempotency_key": k} for k in keys]})
        if response.status_code == 200:
            for k, result in zip(keys, response.json()["results"], strict=True):
                self.keys[k] = result["status"]
        else:
            for k in keys:
                self.keys[k] = response.status_code
        return response

    async def client(self, number: int, until: float, think: float,
                     still: asyncio.Event | None) -> None:
        rng = random.Random(number)
        kinds, weights = list(self.weights), list(self.weights.values())
        timeout = httpx.Timeout(60.0)
        # One TLS context for all (loopback HTTP needs none, but each client would load the
        # CA store: ~10 ms × 400 clients of the sender's CPU at the start, which showed up
        # as a first-10-seconds stall of the server that was the sender's own).
        async with httpx.AsyncClient(base_url=self.base, timeout=timeout, verify=TLS, headers={
                "Authorization": f"Bearer {self.token}"}) as api, \
                httpx.AsyncClient(base_url=self.base, timeout=timeout, verify=TLS,
                                  cookies=self.cookies) as admin:
            await asyncio.sleep(rng.random() * max(think, 0.5))  # not all at once
            while time.monotonic() < until or (still is not None and not still.is_set()):
                kind = rng.choices(kinds, weights)[0]
                started = time.perf_counter()
                try:
                    try:
                        response = await self.one(kind, api, admin, rng)
                    except (httpx.RemoteProtocolError, httpx.ReadError):
                        # A kept-alive connection the server closed as it was reused (idle
                        # longer than uvicorn's keep-alive): the request never arrived.
                        self.reconnects += 1
                        response = await self.one(kind, api, admin, rng)
                    status = response.status_code
                    if status == 503 and "retry-after" not in response.headers:
                        self.bad_503 += 1
                except httpx.TimeoutException:
                    status = 0  # no answer within 60 s
                self.times[kind].append((time.perf_counter() - started) * 1000)
                self.timeline.append((started - self.began, kind in READS,
                                      self.times[kind][-1]))
                self.statuses[kind][status] += 1
                if time.monotonic() >= until and (still is None or still.is_set()):
                    break  # the run is over: no last think time to wait out
                if think:  # not past the end of the run (which an import may extend)
                    left = (until - time.monotonic() if still is None or still.is_set()
                            else think * 10)
                    await asyncio.sleep(min(rng.expovariate(1 / think), max(0.0, left)))


def _signed_in(base: str, password: str) -> httpx.Cookies:
    """One admin session, which every client's overview pages use (sign-in is throttled
    per address: 200 sign-ins from one loopback address would be refused, rightly)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        sign_in(client, "demo", "bench@demo.example", password)
        assert client.get("/customers").status_code == 200, "the bench admin cannot sign in"
        return client.cookies


def _import_file(rows: int, tag: str) -> Path:
    path = Path(tempfile.mkdtemp()) / "load-import.csv"
    rng = random.Random(tag)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["First Name", "Last Name", "Email", "Phone", "City", "State", "Tags"])
        for i in range(rows):
            out.writerow([rng.choice(["Ana", "Ben", "Cai", "Dee"]), f"Import{i}",
                          f"imp.{tag}.{i}@import.example",
                          f"(415) {rng.randint(200, 999)}-{i % 10000:04d}", "Oakland", "CA",
                          rng.choice(["", "vip", "wholesale"])])
    return path


@contextlib.contextmanager
def _connect(db: Path | str) -> Iterator[Any]:
    """A connection to the database, through SQLAlchemy (SQLite or PostgreSQL)."""
    from sqlalchemy import create_engine

    engine = create_engine(db_url(db))
    try:
        with engine.connect() as con:
            yield con
    finally:
        engine.dispose()


def _among(sql: str) -> Any:
    """SQL whose ``IN :v`` takes a list (SQLAlchemy's expanding parameter)."""
    return text(sql).bindparams(bindparam("v", expanding=True))


def _sample(db: Path | str) -> tuple[int, list[int], list[str]]:
    with _connect(db) as con:
        tenant = con.execute(text("SELECT id FROM tenants WHERE slug = 'demo'")).scalar()
        top = con.execute(text("SELECT max(id) FROM customers WHERE tenant_id = :t"),
                          {"t": tenant}).scalar()
        rng = random.Random(1)
        wanted = sorted({rng.randint(1, top) for _ in range(5000)})
        rows = con.execute(_among("SELECT id, email FROM customers WHERE tenant_id = :t "
                                  "AND id IN :v"), {"t": tenant, "v": wanted}).all()
    return tenant, [r[0] for r in rows], [r[1] for r in rows if r[1]]


def _inbox_drained(db: Path | str) -> None:
    """Wait (bounded) until the server has recorded every event it kept in the inbox (a
    SQLite file's; PostgreSQL keeps none)."""
    inbox = Path(f"{db}-inbox")
    if not db_url(db).startswith("sqlite") or not inbox.exists():
        return
    started = time.monotonic()
    with sqlite3.connect(inbox) as con:
        while True:
            waiting = con.execute("SELECT count(*) FROM queued WHERE status = 'queued'"
                                  ).fetchone()[0]
            if not waiting or time.monotonic() - started > 300:
                break
            time.sleep(0.2)
        kept = con.execute("SELECT count(*) FROM queued").fetchone()[0]
    print(f"  events inbox: {kept:,} kept in all, {waiting:,} still waiting "
          f"{time.monotonic() - started:.1f} s after the clients stopped")


def _check(db: Path | str, run: Run, tenant: int) -> None:
    with _connect(db) as con:
        found = 0
        for at in range(0, len(run.created), 500):
            found += con.execute(_among("SELECT count(*) FROM customers WHERE tenant_id = :t "
                                        "AND id IN :v"),
                                 {"t": tenant, "v": run.created[at:at + 500]}).scalar()
        print(f"  every 201 customer findable: {found:,} of {len(run.created):,}")
        keys = list(run.keys)
        recorded: Counter = Counter()
        for at in range(0, len(keys), 500):
            for key, count in con.execute(_among(
                    "SELECT idempotency_key, count(*) FROM activities WHERE tenant_id = :t "
                    "AND idempotency_key IN :v GROUP BY 1"),
                    {"t": tenant, "v": keys[at:at + 500]}):
                recorded[key] = count
    answered = [k for k, s in run.keys.items() if s in (200, 201, 202)]
    kept = sum(1 for s in run.keys.values() if s == 202)
    missing = sum(1 for k in answered if recorded[k] != 1)
    twice = sum(1 for k in keys if recorded[k] > 1)
    refused = sum(1 for k, s in run.keys.items() if s not in (200, 201, 202) and recorded[k])
    print(f"  idempotency keys answered 200/201/202: {len(answered):,} ({kept:,} kept in the "
          f"inbox); not recorded exactly once: {missing}; recorded twice: {twice}; refused "
          f"yet recorded: {refused}")


async def _drive(run: Run, clients: int, seconds: float, think: float,
                 importer: subprocess.Popen | None) -> float:
    until = time.monotonic() + seconds
    done = asyncio.Event() if importer else None

    async def watch() -> None:
        assert importer is not None and done is not None
        while importer.poll() is None:
            await asyncio.sleep(0.5)
        done.set()

    started = run.began = time.perf_counter()
    tasks = [asyncio.create_task(run.client(i, until, think, done)) for i in range(clients)]
    if importer:
        tasks.append(asyncio.create_task(watch()))
    await asyncio.gather(*tasks)
    return time.perf_counter() - started


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children (the server's workers)."""
    ticks = 0
    for one in process_tree(pid):
        try:
            with open(f"/proc/{one}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def _report(run: Run, elapsed: float) -> None:
    total = sum(sum(c.values()) for c in run.statuses.values())
    busy = sum(c[503] for c in run.statuses.values()) - run.bad_503
    errors = sum(n for c in run.statuses.values() for s, n in c.items()
                 if s >= 500 or s == 0) - busy
    print(f"  {total:,} requests in {elapsed:.1f}s = {total / elapsed:,.0f}/s; "
          f"5xx (other than 503 + Retry-After) or no answer: {errors}; "
          f"503 with Retry-After: {busy}; 503 without Retry-After: {run.bad_503}; "
          f"sent again on a new connection (keep-alive closed as reused): {run.reconnects}")
    print(f"  {'kind':9} {'count':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  answers")
    for kind in run.weights:
        ordered = sorted(run.times[kind])
        answers = ", ".join(f"{s}×{n}" for s, n in sorted(run.statuses[kind].items()))
        print(f"  {kind:9} {len(ordered):>7,} {_percentile(ordered, .5):>8.1f} "
              f"{_percentile(ordered, .95):>8.1f} {_percentile(ordered, .99):>8.1f}  {answers}")
    reads = sorted(t for k in READS for t in run.times[k])
    print(f"  all reads: p50 {_percentile(reads, .5):.1f} / p95 {_percentile(reads, .95):.1f}"
          f" / p99 {_percentile(reads, .99):.1f} ms")
    windows: dict[int, list[float]] = defaultdict(list)
    for at, read, ms in run.timeline:
        if read:
            windows[int(at // 10)].append(ms)
    steady = sorted(ms for at, read, ms in run.timeline if read and at >= 10)
    print(f"  reads after the first 10 s (a cold server's caches): p50 "
          f"{_percentile(steady, .5):.1f} / p95 {_percentile(steady, .95):.1f} / p99 "
          f"{_percentile(steady, .99):.1f} ms")
    print("  reads p95 by 10 s window (sent at): " + ", ".join(
        f"{w * 10}s {_percentile(sorted(v), .95):.0f}" for w, v in sorted(windows.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True,
                        help="The SQLite file, or a database URL (postgresql+psycopg://...).")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--think", type=float, default=1.0,
                        help="Mean seconds a client waits between requests (0: none).")
    parser.add_argument("--during-import", type=int, default=0, metavar="ROWS")
    parser.add_argument("--kinds", default="", help="Only these kinds of request, comma-"
                        f"separated (of {', '.join(WEIGHTS)}); default: all, by weight.")
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    if unknown := set(kinds) - set(WEIGHTS):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")
    db = args.db  # a file or a URL (measure.db_url tells them apart)
    cli(db, "migrate")
    token, password = workspace(db, "demo")
    tenant, ids, emails = _sample(db)
    for workers in (int(w) for w in args.workers.split(",")):
        tag = secrets.token_hex(3)
        server = Server(db, workers)
        run = Run(server.base, token, _signed_in(server.base, password), ids, emails, tag,
                  kinds)
        importer = None
        try:
            if args.during_import:
                path = _import_file(args.during_import, tag)
                importer = subprocess.Popen(
                    [sys.executable, "-m", "patronage.cli", "import", str(path),
                     "--tenant", "demo", "--json"], env=db_env(db), stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT, text=True)
            cpu = _cpu_seconds(server.proc.pid)
            elapsed = asyncio.run(_drive(run, args.clients, args.seconds, args.think,
                                         importer))
            cpu = _cpu_seconds(server.proc.pid) - cpu
            _inbox_drained(db)
        finally:
            server.stop()
        during = f", during an import of {args.during_import:,} rows" if importer else ""
        print(f"{args.clients} clients, {workers} worker(s), think {args.think:g}s{during}:")
        if importer:
            out = importer.communicate()[0]
            print(f"  import exit {importer.returncode}: {out.strip()[-300:]}")
        _report(run, elapsed)
        served = sum(sum(c.values()) for c in run.statuses.values())
        print(f"  server CPU: {cpu:.1f} s over {elapsed:.0f} s ({cpu / elapsed:.2f} cores), "
              f"{cpu / max(served, 1) * 1000:.1f} ms a request")
        _check(db, run, tenant)


if __name__ == "__main__":
    main()
