"""What the models declare of the schema, for comparing them with a migrated database.

Alembic's autogenerate (and tests/test_schema_matches_models.py) compares the models with
the schema the migrations built. Two kinds of objects are the migrations' alone: search
structures raw SQL creates (SQLite's FTS5 table and its shadow tables, PostgreSQL's trigram
indexes), and indexes declared for one engine only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Index, UniqueConstraint

Keyed = TypeVar("Keyed", Index, UniqueConstraint)

# Created by migrations in raw SQL, on one engine each; no model declares them.
SEARCH_TABLE = "customer_search"  # SQLite FTS5, with customer_search_data, _idx, ... (0002)
SEARCH_INDEX = "ix_customers_search"  # PostgreSQL pg_trgm GIN on the document (0002)
EMAIL_SEARCH_INDEX = "ix_customers_email_search"  # PostgreSQL pg_trgm GIN on the email (0027)


def only_on(dialect: str, index: Keyed) -> Keyed:
    """``index`` (or a unique key) created on ``dialect`` alone (by create_all and by name
    in the migrations), and compared there alone."""
    index.info["only_on"] = dialect
    return index.ddl_if(dialect=dialect)


def sorted_by(index: Index) -> Index:
    """A sort index: (tenant_id, [an equality's column,] the sort column, id). The
    directory sorts NULL as the smallest value, SQLite's own order; on PostgreSQL the
    migrations make the sort column NULLS FIRST (0025) so the index yields that order both
    ways, which a model's Index cannot say for one engine alone. There the migrations own
    it, and the EXPLAIN tests prove it is there and walked (tests/customers)."""
    index.info["nulls_first_on"] = "postgresql"
    return index


def compared(dialect: str) -> Callable[..., bool]:
    """Alembic's include_object for a database of ``dialect``."""
    def include(obj: Any, name: str | None, type_: str, reflected: bool,
                compare_to: Any) -> bool:
        if type_ == "table" and reflected and compare_to is None and name is not None:
            return name != SEARCH_TABLE and not name.startswith(f"{SEARCH_TABLE}_")
        if type_ in ("index", "unique_constraint"):
            if reflected and compare_to is None and name in (SEARCH_INDEX, EMAIL_SEARCH_INDEX):
                return False
            declared = compare_to if reflected else obj
            if isinstance(declared, Index) and declared.info.get("nulls_first_on") == dialect:
                return False
            only = obj.info.get("only_on") if isinstance(obj, Index | UniqueConstraint) else None
            return only in (None, dialect)
        return True
    return include
