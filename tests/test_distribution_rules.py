"""The migrated schema can be distributed by tenant as it stands (Citus,
`create_distributed_table(…, 'tenant_id')`, docs/deploy.md): read from the database
itself, every table is a tenant's (and distributed by `tenant_id`) or a named reference
table, and a distributed table's keys and references hold the distribution column."""

from __future__ import annotations

import warnings

from sqlalchemy import Engine, create_engine, inspect
from sqlalchemy.engine import Inspector

from patronage.db import get_engine
from patronage.migration_scope import SEARCH_TABLE

# Tables copied whole to every node (Citus reference tables), and why they are not a
# tenant's: nothing else may be without a tenant_id.
REFERENCE_TABLES = {
    "tenants": "the workspaces themselves: sign-in finds one by its slug before any "
               "tenant is known",
    "alembic_version": "the schema's version",
}


def violations(inspector: Inspector, dialect: str) -> list[str]:
    """What keeps a schema from being distributed by tenant_id, table by table."""
    found = []
    tables = [t for t in inspector.get_table_names() if not t.startswith(SEARCH_TABLE)]
    tenant_tables = {t for t in tables
                     if any(c["name"] == "tenant_id" for c in inspector.get_columns(t))}
    for table in sorted(tables):
        if table not in tenant_tables:
            if table not in REFERENCE_TABLES:
                found.append(f"{table}: no tenant_id, and not a named reference table")
            for fk in inspector.get_foreign_keys(table):
                if fk["referred_table"] in tenant_tables:
                    found.append(f"{table}: a reference table refers to a tenant's table "
                                 f"({fk['referred_table']})")
            continue
        primary = inspector.get_pk_constraint(table)["constrained_columns"]
        # SQLite is never distributed: its `id` primary key is the rowid (migration 0024).
        rowid = dialect == "sqlite" and primary == ["id"]
        if primary[:1] != ["tenant_id"] and not rowid:
            found.append(f"{table}: primary key {primary} does not lead with tenant_id")
        uniques = [u["column_names"] for u in inspector.get_unique_constraints(table)] + [
            i["column_names"] for i in inspector.get_indexes(table) if i["unique"]]
        for columns in uniques:
            if columns[:1] != ["tenant_id"]:
                found.append(f"{table}: unique key {columns} does not lead with tenant_id")
        for fk in inspector.get_foreign_keys(table):
            target = fk["referred_table"]
            if target in tenant_tables and not (
                    fk["constrained_columns"][:1] == ["tenant_id"]
                    and fk["referred_columns"][:1] == ["tenant_id"]):
                found.append(f"{table}: its reference to {target} "
                             f"{fk['constrained_columns']} -> {fk['referred_columns']} "
                             "leaves out tenant_id")
    return found


def test_the_schema_can_be_distributed_by_tenant(migrated):
    engine: Engine = get_engine()
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes (none of them unique); PostgreSQL,
        # where the rules matter, reads them all.
        warnings.filterwarnings("ignore", "Skipped unsupported reflection")
        assert violations(inspect(conn), engine.dialect.name) == []


def test_every_table_with_ids_is_keyed_by_tenant_and_id_on_postgresql(migrated):
    """Ids stay one sequence per table (the API's ids do not change); the key is the pair."""
    engine = get_engine()
    with engine.connect() as conn:
        inspector = inspect(conn)
        keyed = {t: inspector.get_pk_constraint(t)["constrained_columns"]
                 for t in inspector.get_table_names()
                 if any(c["name"] == "id" for c in inspector.get_columns(t))
                 and t not in REFERENCE_TABLES and not t.startswith(SEARCH_TABLE)}
    expected = ["id"] if engine.dialect.name == "sqlite" else ["tenant_id", "id"]
    assert keyed and all(columns == expected for columns in keyed.values()), keyed


def test_a_schema_breaking_the_rules_is_caught(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'bad.db'}")
    with engine.begin() as conn:
        for statement in (
            "CREATE TABLE tenants (id INTEGER PRIMARY KEY)",
            "CREATE TABLE notes (id INTEGER, tenant_id INTEGER, email TEXT, "
            "PRIMARY KEY (id, tenant_id), UNIQUE (email))",
            "CREATE TABLE pins (tenant_id INTEGER, note_id INTEGER REFERENCES notes(id))",
            "CREATE TABLE lonely (id INTEGER PRIMARY KEY)",
            "CREATE TABLE tenant_notes (tenant_ref INTEGER REFERENCES notes(id))",
        ):
            conn.exec_driver_sql(statement)
        found = violations(inspect(conn), "postgresql")
    engine.dispose()
    assert found == [
        "lonely: no tenant_id, and not a named reference table",
        "notes: primary key ['id', 'tenant_id'] does not lead with tenant_id",
        "notes: unique key ['email'] does not lead with tenant_id",
        "pins: primary key [] does not lead with tenant_id",
        "pins: its reference to notes ['note_id'] -> ['id'] leaves out tenant_id",
        "tenant_notes: no tenant_id, and not a named reference table",
        "tenant_notes: a reference table refers to a tenant's table (notes)",
    ]
