"""Import benchmark: a customer CSV in, fresh and again, next to the floors on the same file.

Usage: .venv/bin/python bench/imports.py [--rows 1000000] [--db PATH]

Builds a CSV of ROWS realistic customers (businesses with licenses, shoppers with emails and
phones, some tags), then on a copy of DB (default: a fresh file with the demo workspace):
  - the raw floor: sqlite3 executemany of the same rows into a bare table;
  - the validation floor: email-validator + phonenumbers over the rows, both cores;
  - with --db, the schema floor: the same number of customers written by SQLite alone;
  - the peer `sqlite-utils insert --csv` (make bench-deps);
  - `patronage import` (fresh), then the same file again (re-import);
printing rows/s, the ratios, and the importer's peak memory (alone and with its workers).
With --db, the import matches against that database's customers (a copy of the 1,000,000-
customer file of bench/directory.py, say).
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import Measured, run_measured

FIRST = ["Ana", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jo", "Kai", "Lea"]
LAST = ["Silva", "Okafor", "Nguyen", "Berg", "Costa", "Haddad", "Ito", "Kowal", "Mora"]
CITIES = [("Oakland", "CA", "94607"), ("Portland", "OR", "97205"), ("Denver", "CO", "80202"),
          ("Seattle", "WA", "98101"), ("Austin", "TX", "78701")]
HEADER = ["Company", "License #", "First Name", "Last Name", "Email", "Phone", "Address",
          "City", "State", "Zip Code", "Tags"]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(3)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(rows):
            city, state, zip_code = rng.choice(CITIES)
            first, last = rng.choice(FIRST), rng.choice(LAST)
            business = i % 3 == 0
            out.writerow([
                f"{last} Supply {i}" if business else "",
                f"{state}-B{i:08d}" if business else "",
                first, last, f"{first.lower()}.{last.lower()}{i}@mail{i % 50}.example",
                f"({rng.choice([415, 503, 303, 206, 512])}) {rng.randint(200, 999)}-"
                f"{i % 10000:04d}", f"{rng.randint(1, 999)} Main St", city, state, zip_code,
                rng.choice(["", "vip", "wholesale", "vip, events"])])


def raw_floor(path: Path) -> float:
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE TABLE t ({', '.join(f'c{i}' for i in range(len(HEADER)))})")
    started = time.perf_counter()
    with path.open(newline="") as f:
        reader = csv.reader(f)
        next(reader)
        con.executemany(f"INSERT INTO t VALUES ({', '.join('?' * len(HEADER))})", reader)
    con.commit()
    n = con.execute("SELECT count(*) FROM t").fetchone()[0]
    return n / (time.perf_counter() - started)


def schema_floor(base: Path, work: Path, rows: int) -> float:
    """What this schema costs in SQLite alone: ROWS customers copied within the file by one
    INSERT ... SELECT (new ids, keys made unique), each with its audit entry, then the
    search index filled in one statement, as an import does; no Python per row. Against a
    copy of the same database the import ran on, with the import's connection settings."""
    from patronage.customers.search_index import _SEARCH_VALUES
    from patronage.db import BULK_CACHE_KIB

    db = work / "floor.db"
    shutil.copy(base, db)
    con = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                   "temp_store=FILE", f"cache_size=-{BULK_CACHE_KIB}"):
        con.execute(f"PRAGMA {pragma}")
    columns = [r[1] for r in con.execute("PRAGMA table_info(customers)") if r[1] != "id"]
    unique = {"license_key": "license_key || '-F'", "license_number": "license_number || '-F'",
              "external_id": "external_id || '-F'", "email": "'f.' || email"}
    values = ", ".join(unique.get(c, c) for c in columns)
    first = con.execute("SELECT max(id) + 1 FROM customers").fetchone()[0] or 1
    trigger = con.execute("SELECT sql FROM sqlite_master WHERE name = "
                          "'customers_search_insert'").fetchone()[0]
    started = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.execute("DROP TRIGGER customers_search_insert")
    con.execute(f"INSERT INTO customers ({', '.join(columns)}) SELECT {values} FROM customers "
                f"ORDER BY id LIMIT {rows}")
    con.execute("INSERT INTO audit_entries (tenant_id, customer_id, at, actor, source, action, "
                "new_value) SELECT tenant_id, id, created_at, 'bench', 'import', 'created', "
                "json_object('company_name', company_name, 'first_name', first_name, "
                "'last_name', last_name, 'email', email, 'phone', phone, 'city', city, "
                "'state', state, 'zip', zip, 'license_number', license_number) "
                "FROM customers WHERE id >= ?", (first,))
    con.execute(f"INSERT INTO customer_search (rowid, name, email, phone, license, "
                f"external_id) SELECT id, {_SEARCH_VALUES} FROM customers WHERE id >= ?",
                (first,))
    con.execute(trigger)
    con.execute("COMMIT")
    seconds = time.perf_counter() - started
    copied = con.execute("SELECT count(*) FROM customers WHERE id >= ?", (first,)).fetchone()[0]
    con.close()
    db.unlink()
    return copied / seconds


def _validate(chunk: list[tuple[str, str]]) -> int:
    from patronage.types import normalize_email, normalize_phone

    normalize_email.cache_clear()
    normalize_phone.cache_clear()
    for email, phone in chunk:
        normalize_email(email)
        normalize_phone(phone, "US")
    return len(chunk)


def validation_floor(path: Path) -> float:
    with path.open(newline="") as f:
        reader = csv.reader(f)
        next(reader)
        pairs = [(r[4], r[5]) for r in reader]
    chunks = [pairs[i:i + 20_000] for i in range(0, len(pairs), 20_000)]
    started = time.perf_counter()
    with multiprocessing.Pool(os.cpu_count() or 2) as pool:
        done = sum(pool.map(_validate, chunks))
    return done / (time.perf_counter() - started)


def run_import(db: Path, path: Path) -> Measured:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    return run_measured([sys.executable, "-m", "patronage.cli", "import", str(path),
                         "--tenant", "demo", "--json"], env)


def sqlite_utils(work: Path, path: Path, rows: int) -> float | None:
    """The peer: `sqlite-utils insert --csv` into a new file (make bench-deps installs it)."""
    tool = Path(sys.executable).with_name("sqlite-utils")
    if not tool.exists():
        return None
    measured = run_measured([str(tool), "insert", str(work / "peer.db"), "customers",
                             str(path), "--csv"])
    return rows / measured.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", help="An existing database to import into (copied first); "
                                     "default: a fresh one with the demo workspace.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="patronage-import-bench-"))
    path = work / "customers.csv"
    write_csv(path, args.rows)
    print(f"{args.rows:,} rows, {path.stat().st_size / 1e6:,.0f} MB")
    db = work / "bench.db"
    if args.db:
        shutil.copy(args.db, db)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    subprocess.run([sys.executable, "-m", "patronage.cli", "migrate"], env=env, check=True,
                   capture_output=True)
    if not args.db:
        subprocess.run([sys.executable, "-m", "patronage.cli", "demo", "--customers", "0"],
                       env=env, check=True, capture_output=True)
    floor = raw_floor(path)
    print(f"raw floor (sqlite3 executemany into a bare table): {floor:,.0f} rows/s")
    valid = validation_floor(path)
    print(f"validation floor (email-validator + phonenumbers, all cores): {valid:,.0f} rows/s")
    if args.db:
        schema = schema_floor(db, work, args.rows)
        print(f"schema floor (SQLite alone: {args.rows:,} customers with their indexes, "
              f"audit entries and search index, one INSERT ... SELECT): {schema:,.0f} rows/s")
    peer = sqlite_utils(work, path, args.rows)
    print("sqlite-utils insert --csv: " + (f"{peer:,.0f} rows/s" if peer else
                                           "not installed (make bench-deps)"))
    for label in ("fresh import", "re-import (same file)"):
        measured = run_import(db, path)
        rate = args.rows / measured.seconds
        print(f"{label}: {measured.seconds:.1f}s = {rate:,.0f} rows/s "
              f"({valid / rate:.2f}x the validation floor, {floor / rate:.1f}x the raw floor"
              + (f", {schema / rate:.2f}x the schema floor" if args.db else "")
              + (f", {rate / peer:.1f}x sqlite-utils" if peer else "") + "); peak memory "
              f"{measured.main_peak_mb:,.0f} MB (importer), {measured.tree_peak_mb:,.0f} MB "
              f"with its workers; {measured.stdout[:120]}")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
