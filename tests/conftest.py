"""Test set-up: one database per xdist worker (SQLite file, or a PostgreSQL database when
DATABASE_URL points at a server), migrated once; every test works in tenants of its own."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Iterator

import pytest

os.environ.setdefault("ENVIRONMENT", "test")
if "IMPORT_DIR" not in os.environ:
    os.environ["IMPORT_DIR"] = tempfile.mkdtemp(prefix="patronage-test-imports-")
    atexit.register(shutil.rmtree, os.environ["IMPORT_DIR"], ignore_errors=True)
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def _database_url() -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        path = os.path.join(tempfile.gettempdir(), f"patronage-test-{os.getpid()}-{WORKER}.db")
        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.remove(path + suffix)

        remove()
        atexit.register(remove)  # a run leaves no database files behind
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text

    # The database is made by (and belongs to) the role that migrates it: the tables'
    # owner when the application connects as another role (scripts/with-postgres.sh).
    name = f"patronage_test_{WORKER}"
    owner = os.environ.get("DATABASE_OWNER_URL")
    admin = create_engine(owner or base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    if owner:
        os.environ["DATABASE_OWNER_URL"] = owner.rsplit("/", 1)[0] + f"/{name}"
    return base.rsplit("/", 1)[0] + f"/{name}"


os.environ["DATABASE_URL"] = _database_url()

from patronage.settings import get_settings  # noqa: E402

get_settings.cache_clear()

from tests.factories import Factory  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def migrated() -> None:
    from patronage.migrate import upgrade

    upgrade()


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    from patronage.app import create_app

    return create_app()


@pytest.fixture
def client(app) -> Iterator:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def session() -> Iterator:
    from patronage.db import new_session

    s = new_session()
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def factory(client, session) -> Factory:  # type: ignore[no-untyped-def]
    return Factory(client, session)



# Statements that touch a tenant's table without naming a tenant, and why each may.
_ALL_TENANTS = [
    re.compile(r"^SELECT max\((\w+\.)?id\)( AS max_1)? FROM \w+$"),  # db.reserve_ids: ids
    # are one sequence for all tenants
    re.compile(r"^SELECT max\(customer_redirects\.merged_id\) AS max_1 FROM "
               r"customer_redirects$"),  # ... never handing out a merged customer's id again
    re.compile(r"^(UPDATE \w+ SET .+|DELETE FROM \w+) WHERE \w+\.id = \S+$"),  # the ORM's
    # flush of an object it loaded (by primary key, in a tenant-bound session)
    re.compile(r"^(SELECT coalesce\(sum\(customers\), 0\) FROM customer_counts"
               r"|SELECT max\(id\) FROM customers|INSERT INTO customer_search )"),  # a bulk
    # load's search index and counters (customers.search_index), for the rows it added
]
_FROM = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+\"?(\w+)", re.IGNORECASE)


_TABLES: dict[int, frozenset[str]] = {}


def _tenant_tables(base, scoped) -> frozenset[str]:  # type: ignore[no-untyped-def]
    """The tenant tables, worked out again only when more models are mapped."""
    mappers = base.registry.mappers
    if len(mappers) not in _TABLES:
        _TABLES[len(mappers)] = frozenset(m.local_table.name for m in mappers
                                          if issubclass(m.class_, scoped))
    return _TABLES[len(mappers)]


def _names_a_tenant(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
    """Every statement the suite runs on a tenant's table names its tenant: a query that
    forgets it cannot run (the tenant scoping by construction, STYLE.md 7)."""
    from patronage.db import Base, TenantScoped

    text = " ".join(statement.split())
    if text[:6].upper() not in ("SELECT", "UPDATE", "DELETE", "INSERT") or "tenant_id" in text:
        return
    if not set(_FROM.findall(text)) & _tenant_tables(Base, TenantScoped):
        return
    if text.upper().startswith("INSERT") and " SELECT " not in text.upper():
        return  # a plain INSERT carries tenant_id among its columns... or names none to read
    if any(allowed.search(text) for allowed in _ALL_TENANTS):
        return
    raise AssertionError(f"A statement on a tenant's table names no tenant: {text[:300]}")


@pytest.fixture(scope="session", autouse=True)
def tenant_guard(migrated) -> Iterator[None]:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    from patronage.db import get_engine

    event.listen(get_engine(), "before_cursor_execute", _names_a_tenant)
    yield
    event.remove(get_engine(), "before_cursor_execute", _names_a_tenant)


@pytest.fixture(autouse=True)
def fresh_sign_in_throttle(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Each test starts with no failed sign-ins counted (they all come from one address)."""
    from patronage.tenancy import throttle

    monkeypatch.setattr(throttle, "SIGN_INS", throttle.Throttle())
