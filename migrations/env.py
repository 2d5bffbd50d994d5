"""Alembic environment: the app's metadata and DATABASE_URL, batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from patronage.db import get_engine
from patronage.migration_scope import compared
from patronage.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=compared(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    with get_engine().connect() as connection:
        _run(connection)


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `patronage migrate`.")
run_migrations_online()
