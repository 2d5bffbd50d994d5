"""Import benchmark: customer CSVs in, fresh and again, next to the floors, on either engine.

Usage (SQLite):      .venv/bin/python bench/imports.py [--big-db PATH]
       (PostgreSQL): scripts/with-postgres.sh .venv/bin/python bench/imports.py \
                         [--big-customers 1000000]

Two scenarios, each imported fresh and then again (every row unchanged: the re-import):
  - small: SMALL_ROWS (200,000) rows into a new, empty workspace;
  - big: BIG_ROWS (1,000,000) rows into a workspace that already holds a million customers
    (SQLite: a copy of --big-db, the demo file of `patronage demo --customers 1000000`;
    PostgreSQL: that demo built in the cluster first, --big-customers of them). None of
    the rows matches an existing customer: every one is matched, then created.
Next to them, on the same machine in the same run:
  - the raw floor: the same CSV rows into a bare table (sqlite3 executemany / COPY);
  - the validation floor: email-validator + phonenumbers over the rows, on every core;
  - the writer floor: the database alone writing the import's end result. SQLite: the
    customers, tags, audit entries and fingerprints the import wrote, copied from its file
    into a copy of the database before it by one INSERT ... SELECT each, then the search
    index. PostgreSQL: as many customers copied within the workspace, with audit entries;
  - SQLite's peer: `sqlite-utils insert --csv`, then its indexes and trigram search index
    on the same columns (make bench-deps).
Each import is `patronage import` as a user runs it (its own process, start to exit), with
peak memory sampled every 50 ms: the importer alone, and with its worker processes (RSS
summed, and PSS: shared pages counted once).
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



def sqlite_writer_floor(base: Path, imported: Path, work: Path) -> float:
    """SQLite alone writing the import's end result: into a copy of BASE (the database
    before the import), the customers IMPORTED holds beyond BASE's (same ids), their tags,
    audit entries and fingerprints copied by one INSERT ... SELECT each, then the search
    index, with the import's connection settings; no Python per row."""
    from patronage.customers.search_index import _SEARCH_VALUES
    from patronage.db import BULK_CACHE_KIB

    db = work / "floor.db"
    copy_db(base, db)
    con = sqlite3.connect(db, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                   "temp_store=FILE", f"cache_size=-{BULK_CACHE_KIB}"):
        con.execute(f"PRAGMA {pragma}")
    con.execute("ATTACH DATABASE ? AS src", (str(imported),))
    first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM customers").fetchone()[0]
    trigger = con.execute("SELECT sql FROM sqlite_master WHERE name = "
                          "'customers_search_insert'").fetchone()[0]
    started = time.perf_counter()
    con.execute("BEGIN IMMEDIATE")
    con.execute("DROP TRIGGER customers_search_insert")
    con.execute("INSERT INTO customers SELECT * FROM src.customers WHERE id >= ? ORDER BY id",
                (first,))
    for table in ("customer_tags", "audit_entries", "import_fingerprints"):
        con.execute(f"INSERT INTO {table} SELECT * FROM src.{table} WHERE customer_id >= ?",
                    (first,))
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


def copy_db(source: Path, target: Path) -> None:
    """A SQLite file copied whole: what its write-ahead log holds is checkpointed first."""
    con = sqlite3.connect(source)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    shutil.copy(source, target)


def pg_raw_floor(url: str, path: Path) -> float:
    """COPY of the CSV's rows into a bare table of text columns."""
    import psycopg

    with psycopg.connect(url) as con, path.open("rb") as f:
        columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
        con.execute(f"CREATE TEMP TABLE raw ({columns})")
        started = time.perf_counter()
        with con.cursor().copy("COPY raw FROM STDIN (FORMAT csv, HEADER true)") as copy:
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        con.commit()
        rows = con.execute("SELECT count(*) FROM raw").fetchone()[0]
        return rows / (time.perf_counter() - started)


def pg_writer_floor(url: str, rows: int) -> float:
    """PostgreSQL alone writing ROWS customers into the demo workspace, copied from its own
    (keys made unique) by one INSERT ... SELECT, with their audit entries: every index,
    trigger and the trigram search index; rolled back."""
    import psycopg

    with psycopg.connect(url) as con:
        columns = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = "
            "'customers' AND column_name <> 'id' ORDER BY ordinal_position")]
        unique = {"license_key": "license_key || '-F'",
                  "license_number": "license_number || '-F'",
                  "external_id": "external_id || '-F'", "email": "'f.' || email"}
        values = ", ".join(unique.get(c, c) for c in columns)
        first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM customers").fetchone()[0]
        started = time.perf_counter()
        con.execute(f"INSERT INTO customers ({', '.join(columns)}) SELECT {values} FROM "
                    f"customers WHERE tenant_id = (SELECT id FROM tenants WHERE slug = 'demo') "
                    f"ORDER BY id LIMIT {rows}")
        con.execute("INSERT INTO audit_entries (tenant_id, customer_id, at, actor, source, "
                    "action, new_value) SELECT tenant_id, id, created_at, 'bench', 'import', "
                    "'created', json_build_object('company_name', company_name, 'email', "
                    "email, 'phone', phone, 'city', city) FROM customers WHERE id >= %s",
                    (first,))
        copied = con.execute("SELECT count(*) FROM customers WHERE id >= %s",
                             (first,)).fetchone()[0]
        seconds = time.perf_counter() - started
        con.rollback()
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


def run_import(url: str, path: Path) -> Measured:
    env = _env(url)
    return run_measured([sys.executable, "-m", "patronage.cli", "import", str(path),
                         "--tenant", "demo", "--json"], env)


def cli(url: str, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "patronage.cli", *args], check=True,
                   capture_output=True, env=_env(url))


def _env(url: str) -> dict[str, str]:
    """This process's environment for the database ``url`` (and its tables' owner, who
    migrates, when the application connects as a role of its own: docs/deploy.md)."""
    env = {**os.environ, "DATABASE_URL": url}
    if os.environ.get("DATABASE_OWNER_URL"):
        env["DATABASE_OWNER_URL"] = _same_database(os.environ["DATABASE_OWNER_URL"], url)
    return env


def _same_database(server: str, url: str) -> str:
    """``server``'s role and cluster, ``url``'s database."""
    return server.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1]


def sqlite_utils(work: Path, path: Path, rows: int) -> float | None:
    """The peer: `sqlite-utils insert --csv` into a new file, then an index on each column
    the directory sorts or finds by and a trigram full-text index on the searched ones
    (make bench-deps installs it)."""
    tool = Path(sys.executable).with_name("sqlite-utils")
    if not tool.exists():
        return None
    db = str(work / "peer.db")
    started = time.perf_counter()
    subprocess.run([str(tool), "insert", db, "customers", str(path), "--csv"], check=True,
                   capture_output=True)
    for column in ("Company", "License #", "Last Name", "Email", "Phone", "City", "State",
                   "Zip Code"):
        subprocess.run([str(tool), "create-index", db, "customers", column], check=True,
                       capture_output=True)
    subprocess.run([str(tool), "enable-fts", db, "customers", "Company", "First Name",
                    "Last Name", "Email", "Phone", "License #", "--tokenize", "trigram"],
                   check=True, capture_output=True)
    return rows / (time.perf_counter() - started)


def imported(label: str, url: str, path: Path, rows: int, floors: dict[str, float]) -> None:
    for run in ("fresh", "re-import"):
        measured = run_import(url, path)
        rate = rows / measured.seconds
        ratios = ", ".join(f"{name} {value:,.0f}/s = {rate / value:.2f}x"
                           for name, value in floors.items())
        print(f"  {label} {run}: {measured.seconds:.1f} s = {rate:,.0f} rows/s ({ratios}); "
              f"peak memory {measured.main_peak_mb:,.0f} MB importer, "
              f"{measured.tree_peak_mb:,.0f} MB RSS / {measured.tree_pss_mb:,.0f} MB PSS "
              f"with its workers; {measured.stdout.strip()[:100]}")


def pg_database(url: str, name: str) -> str:
    """A new database NAME in the cluster of URL (dropped first), its URL."""
    import psycopg

    # Made by the tables' owner when the application connects as a role of its own.
    maker = os.environ.get("DATABASE_OWNER_URL") or url
    with psycopg.connect(maker.replace("+psycopg", ""), autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name}")
        con.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-rows", type=int, default=200_000)
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--big-db", help="SQLite: the million-customer demo file (copied).")
    parser.add_argument("--big-customers", type=int, default=0,
                        help="PostgreSQL: build the demo workspace with this many customers "
                             "first for the big scenario (0: no big scenario).")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "")
    postgres = server.startswith("postgresql")
    work = Path(tempfile.mkdtemp(prefix="patronage-import-bench-"))
    small_csv, big_csv = work / "small.csv", work / "big.csv"
    write_csv(small_csv, args.small_rows)
    print(f"engine: {'PostgreSQL' if postgres else 'SQLite'}; small sheet "
          f"{args.small_rows:,} rows ({small_csv.stat().st_size / 1e6:,.0f} MB)")
    validation = validation_floor(small_csv)
    print(f"validation floor (email-validator + phonenumbers, all cores): "
          f"{validation:,.0f} rows/s")
    pg_raw = pg_raw_floor(server.replace("+psycopg", ""), small_csv) if postgres else 0
    floors = {"raw floor": pg_raw if postgres else raw_floor(small_csv),
              "validation floor": validation}
    print(f"raw floor ({'COPY' if postgres else 'sqlite3 executemany'} into a bare table): "
          f"{floors['raw floor']:,.0f} rows/s")
    if not postgres and (peer := sqlite_utils(work, small_csv, args.small_rows)):
        print(f"peer: sqlite-utils insert --csv + indexes + trigram FTS: {peer:,.0f} rows/s")
        floors["sqlite-utils"] = peer

    # small: a new, empty workspace
    if postgres:
        small = pg_database(server, "bench_small")
    else:
        small = f"sqlite:///{work / 'small.db'}"
    cli(small, "migrate")
    cli(small, "demo", "--customers", "0")
    if not postgres:
        copy_db(work / "small.db", work / "small-base.db")
    imported("small", small, small_csv, args.small_rows, dict(floors))
    if not postgres:
        writer = sqlite_writer_floor(work / "small-base.db", work / "small.db", work)
        print(f"  writer floor, small (SQLite alone writing the import's customers, tags, "
              f"audit entries, fingerprints and search index): {writer:,.0f} rows/s")

    # big: a workspace of a million customers
    if postgres and args.big_customers:
        big = pg_database(server, "bench_big")
        cli(big, "migrate")
        started = time.perf_counter()
        cli(big, "demo", "--customers", str(args.big_customers))
        print(f"big workspace: {args.big_customers:,} demo customers built in "
              f"{time.perf_counter() - started:,.0f} s")
    elif args.big_db:
        copy_db(Path(args.big_db), work / "big.db")
        big = f"sqlite:///{work / 'big.db'}"
        cli(big, "migrate")
        copy_db(work / "big.db", work / "big-base.db")
    else:
        shutil.rmtree(work)
        return
    write_csv(big_csv, args.big_rows)
    if postgres:
        writer = pg_writer_floor(big.replace("+psycopg", ""), args.big_rows)
        print(f"writer floor, big (PostgreSQL alone writing {args.big_rows:,} customers "
              f"into it): {writer:,.0f} rows/s")
        floors["writer floor"] = writer
    imported("big", big, big_csv, args.big_rows, floors)
    if not postgres:
        writer = sqlite_writer_floor(work / "big-base.db", work / "big.db", work)
        print(f"  writer floor, big (SQLite alone writing the import's customers, tags, "
              f"audit entries, fingerprints and search index): {writer:,.0f} rows/s")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
