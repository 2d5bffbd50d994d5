"""Migration 0024 (and 0025 after it) on a copy of a seeded database: every row of every
table, ids included, is the same after the upgrade, after a downgrade, and after the
upgrade again; on PostgreSQL the keys lead with the tenant afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.factories import sqlite_env

BEFORE = "0023"  # the revision before the tenant-led keys

SCRIPT = """
import hashlib, json
from alembic import command
from sqlalchemy import inspect, text
from patronage.db import get_engine, new_session
from patronage.demo.seed import seed
from patronage.migrate import alembic_config

config = alembic_config()

def move(step, revision):
    with get_engine().begin() as c:
        config.attributes["connection"] = c
        step(config, revision)

def snapshot():
    # Every table's rows, tenant by tenant (row-level security shows one at a time).
    out = {}
    with get_engine().connect() as c:
        inspector = inspect(c)
        tenants = [r[0] for r in c.execute(text("SELECT id FROM tenants ORDER BY id"))]
        for table in sorted(inspector.get_table_names()):
            if table.startswith("customer_search") or table == "alembic_version":
                continue
            tenanted = any(col["name"] == "tenant_id" for col in inspector.get_columns(table))
            rows = []
            for tenant in tenants if tenanted else [None]:
                if tenant is not None and c.dialect.name == "postgresql":
                    c.execute(text(f"SET app.tenant_id = '{tenant}'"))
                where = f" WHERE tenant_id = {tenant}" if tenant is not None else ""
                found = c.execute(text(f"SELECT * FROM {table}{where}"))
                rows += [tuple(map(str, r)) for r in found]
            out[table] = [len(rows), hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()]
        c.rollback()
    return out

def keys():
    with get_engine().connect() as c:
        return {t: inspect(c).get_pk_constraint(t)["constrained_columns"]
                for t in ("customers", "orders", "users", "activities")}

move(command.upgrade, "%(before)s")
session = new_session()
seed(session, customers=40, slug="demo")
seed(session, customers=15, slug="next-door")
session.close()
result = {"before": snapshot(), "keys_before": keys()}
move(command.upgrade, "head")
result["after"], result["keys_after"] = snapshot(), keys()
move(command.downgrade, "%(before)s")
result["down"], result["keys_down"] = snapshot(), keys()
move(command.upgrade, "head")
result["again"] = snapshot()
print(json.dumps(result))
"""


def _run(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT % {"before": BEFORE}],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


def _same_everywhere(result: dict) -> None:
    before = result["before"]
    assert before["customers"][0] == 55 and before["orders"][0] > 0  # seeded, with history
    assert result["after"] == before
    assert result["down"] == before
    assert result["again"] == before


def test_the_keys_migration_keeps_every_row_on_sqlite(tmp_path):
    result = _run({**sqlite_env(), "DATABASE_URL": f"sqlite:///{tmp_path / 'seeded.db'}"})
    _same_everywhere(result)
    assert set(map(tuple, result["keys_after"].values())) == {("id",)}  # the rowid


@pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgresql"),
                    reason="a PostgreSQL server")
def test_the_keys_migration_keeps_every_row_on_postgresql():
    owner = os.environ.get("DATABASE_OWNER_URL") or os.environ["DATABASE_URL"]
    name = f"patronage_keys_{uuid.uuid4().hex[:8]}"
    admin = create_engine(owner, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = owner.rsplit("/", 1)[0] + f"/{name}"
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_OWNER_URL"}
        result = _run({**env, "DATABASE_URL": url})
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    _same_everywhere(result)
    assert set(map(tuple, result["keys_before"].values())) == {("id",)}
    assert set(map(tuple, result["keys_after"].values())) == {("tenant_id", "id")}
    assert set(map(tuple, result["keys_down"].values())) == {("id",)}
