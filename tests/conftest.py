"""Test set-up: one database per xdist worker (SQLite file, or a PostgreSQL database when
DATABASE_URL points at a server), migrated once; every test works in tenants of its own."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

os.environ.setdefault("ENVIRONMENT", "test")
os.environ.setdefault("IMPORT_DIR", tempfile.mkdtemp(prefix="patronage-test-imports-"))
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


def _database_url() -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgresql"):
        path = os.path.join(tempfile.gettempdir(), f"patronage-test-{os.getpid()}-{WORKER}.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text

    name = f"patronage_test_{WORKER}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
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
