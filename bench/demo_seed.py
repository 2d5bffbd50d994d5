"""How long `patronage demo --customers N` takes on a fresh SQLite file, and how big it gets.

Usage: .venv/bin/python bench/demo_seed.py [N]   (default 1,000,000)

Also times what the directory does with it (the newest page of 50 and the tenant's total
through the service) next to the same queries in raw sqlite3, as a floor.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _timed(fn, repeat: int = 20) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main(n: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="patronage-bench-"))
    db = workdir / "bench.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    cli = [sys.executable, "-m", "patronage.cli"]
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([*cli, "demo", "--customers", str(n)], env=env, check=True,
                   capture_output=True)
    seconds = time.perf_counter() - started
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = sum(p.stat().st_size for p in workdir.iterdir())
    print(f"customers           {n:>12,}")
    print(f"demo seed           {seconds:>12.1f} s   ({n / seconds:,.0f} customers/s)")
    print(f"database size       {size / 1e6:>12.0f} MB  ({size / n:,.0f} bytes/customer)")

    tenant_id = con.execute("SELECT id FROM tenants WHERE slug = 'demo'").fetchone()[0]
    raw_page = _timed(lambda: con.execute(
        "SELECT * FROM customers WHERE tenant_id = ? ORDER BY id DESC LIMIT 51",
        (tenant_id,)).fetchall())
    raw_count = _timed(lambda: con.execute(
        "SELECT count(*) FROM customers WHERE tenant_id = ?", (tenant_id,)).fetchone(), 5)
    os.environ["DATABASE_URL"] = env["DATABASE_URL"]
    from patronage.customers.service import list_customers
    from patronage.db import new_session

    session = new_session()
    ours = _timed(lambda: list_customers(session, tenant_id=tenant_id, limit=50), 5)
    print(f"raw page of 50      {raw_page[0]:>12.2f} ms p50  {raw_page[1]:.2f} ms p95")
    print(f"raw count(*)        {raw_count[0]:>12.2f} ms p50  {raw_count[1]:.2f} ms p95")
    print(f"service list page   {ours[0]:>12.2f} ms p50  {ours[1]:.2f} ms p95 "
          "(page + exact total)")
    print(f"(files kept in {workdir})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
