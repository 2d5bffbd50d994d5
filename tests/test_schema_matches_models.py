"""The schema the migrations build is the one the models declare: an index or a column
added to one and not the other fails here (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Index

from patronage.db import get_engine
from patronage.migration_scope import compared, only_on
from patronage.models import Base


def _differences() -> list:
    with get_engine().connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (lower(email), a birthday's month-day):
        # Alembic warns and leaves them out; PostgreSQL compares them.
        warnings.simplefilter("ignore")
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_object": compared(connection.dialect.name)})
        return compare_metadata(context, Base.metadata)


def test_the_migrated_schema_is_the_models_schema(migrated):
    assert _differences() == []


def test_an_index_the_migrations_lack_is_found(migrated):
    customers = Base.metadata.tables["customers"]
    extra = Index("ix_customers_not_migrated", customers.c.tenant_id, customers.c.notes)
    try:
        assert [d[0] for d in _differences()] == ["add_index"]
    finally:
        customers.indexes.discard(extra)


def test_an_index_for_one_engine_is_compared_on_that_engine_alone():
    index = only_on("sqlite", Index("ix_example", "tenant_id"))
    assert compared("sqlite")(index, "ix_example", "index", False, None)
    assert not compared("postgresql")(index, "ix_example", "index", False, None)
