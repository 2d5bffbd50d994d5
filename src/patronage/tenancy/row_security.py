"""Row-level security on PostgreSQL: each tenant table shows and takes only the rows of
the tenant its transaction works for (``db.TENANT_SETTING``, set by ``db.bind_tenant``).

The policy is forced on the tables' owner too, so only a superuser or a role with
BYPASSRLS sees across tenants (docs/deploy.md). A transaction that names no tenant reads
no rows and can write none. SQLite has no such thing; there the application's queries and
the ORM's tenant criterion (``db.TenantScoped``) are the isolation.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

from patronage.db import ANALYZE_FUNCTION, TENANT_SETTING

POLICY = "tenant_isolation"
# NULLIF: once a transaction on a connection has set it, the setting reads '' (not NULL)
# in the connection's later transactions; either way no row matches.
CURRENT_TENANT = f"NULLIF(current_setting('{TENANT_SETTING}', true), '')::integer"


def bypassed_by(conn: Connection) -> str | None:
    """The connection's role when it skips every policy (a superuser, or BYPASSRLS): then
    tenant isolation rests on the application's queries alone."""
    role, skips = conn.execute(text(
        "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles "
        "WHERE rolname = current_user")).one()
    return role if skips else None


def tenant_tables(conn: Connection) -> list[str]:
    """The schema's tables that hold a tenant's rows (a ``tenant_id`` column)."""
    return list(conn.scalars(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1")))


def protect(conn: Connection, table: str) -> None:
    """Turn on and force ``table``'s tenant policy (for a migration that adds a table)."""
    conn.exec_driver_sql(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    conn.exec_driver_sql(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    conn.exec_driver_sql(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    conn.exec_driver_sql(f'CREATE POLICY {POLICY} ON "{table}" '
                         f"USING (tenant_id = {CURRENT_TENANT}) "
                         f"WITH CHECK (tenant_id = {CURRENT_TENANT})")



def create_analyze_function(conn: Connection) -> None:
    conn.exec_driver_sql(
        f"CREATE OR REPLACE FUNCTION {ANALYZE_FUNCTION}(target regclass) RETURNS void "
        "LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS "
        "$$ BEGIN EXECUTE 'ANALYZE ' || target::text; END $$")  # regclass: quoted
    conn.exec_driver_sql(f"REVOKE ALL ON FUNCTION {ANALYZE_FUNCTION}(regclass) FROM PUBLIC")


# Search reads the trigram index through one function (customers.search): under a policy,
# PostgreSQL applies no condition that is not "leakproof" — LIKE is not — before the
# policy's own, so a search beside it cannot use the index and reads the whole table.
# The function applies the transaction's tenant itself and runs as SEARCH_ROLE, a role
# without login that a policy of its own lets read customers; it answers ids of the
# transaction's tenant only (migration 0026, docs/deploy.md "Roles").
SEARCH_FUNCTION = "customer_search_ids"
SEARCH_ARGUMENTS = "text[], integer, text"
SEARCH_ROLE = "patronage_search"
SEARCH_POLICY = "search_reads"


def create_search_function(conn: Connection, document: str,
                           columns: dict[str, str]) -> None:
    """``SEARCH_FUNCTION(groups, max_rows, within)``: the ids of the transaction's tenant
    whose ``document`` matches every group, a group being LIKE patterns (ESCAPE '\\') one
    per line, any of which may match; with ``within`` (a name of ``columns``), that column's
    own text matches them too; at most ``max_rows`` ids (in no order) if given. Planned with
    the patterns themselves on each call."""
    def literal(sql: str) -> str:
        return "'" + sql.replace("'", "''") + "'"
    texts = " ".join(f"WHEN {literal(name)} THEN {literal(sql)}"
                     for name, sql in columns.items())
    conn.execute(text(rf"""
        CREATE OR REPLACE FUNCTION {SEARCH_FUNCTION}(groups text[],
                                                   max_rows integer DEFAULT NULL,
                                                   within text DEFAULT NULL)
        RETURNS SETOF integer
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $body$
        DECLARE
          tenant integer := {CURRENT_TENANT};
          document text := {literal(document)};
          own text := CASE within {texts} END;
          query text := 'SELECT id FROM customers WHERE tenant_id = $1';
          one text;
          checked text;
        BEGIN
          IF tenant IS NULL OR coalesce(cardinality(groups), 0) = 0 THEN
            RETURN;
          END IF;
          IF within IS NOT NULL AND own IS NULL THEN
            RAISE EXCEPTION 'No search column %', within;
          END IF;
          FOREACH one IN ARRAY groups LOOP
            FOREACH checked IN ARRAY array_remove(ARRAY[document, own], NULL) LOOP
              query := query || ' AND (' || (
                SELECT string_agg(format('%s LIKE %L ESCAPE %L', checked, pattern, E'\\'),
                                  ' OR ')
                FROM unnest(string_to_array(one, E'\n')) AS pattern) || ')';
            END LOOP;
          END LOOP;
          IF max_rows IS NOT NULL THEN
            query := query || ' LIMIT ' || max_rows;
          END IF;
          RETURN QUERY EXECUTE query USING tenant;
        END
        $body$"""))
    conn.execute(text(f"REVOKE ALL ON FUNCTION {SEARCH_FUNCTION}({SEARCH_ARGUMENTS}) "
                      "FROM PUBLIC"))


def arrange_roles(conn: Connection, app_role: str | None) -> None:
    """After the migrations, as the tables' owner: the search function's owner, and what
    the application's role (``app_role``, when another) may do."""
    schema = conn.dialect.identifier_preparer.quote(conn.scalar(text("SELECT current_schema()")))
    _arrange_search(conn, schema)
    if app_role and app_role != conn.scalar(text("SELECT current_user")):
        _grant_rows(conn, schema, conn.dialect.identifier_preparer.quote(app_role))


def _grant_rows(conn: Connection, schema: str, role: str) -> None:
    """The application's role uses every table's rows and sequences (within the policies),
    reads the schema's version, calls the functions, and owns nothing."""
    for statement in (
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role}",
    ):
        conn.execute(text(statement))


def _arrange_search(conn: Connection, schema: str) -> None:
    """Let SEARCH_FUNCTION read the index: owned by SEARCH_ROLE when that role exists and
    the migrating role may act for it (else, as the owner's, search reads the table). A
    superuser owner needs nothing: no policy holds it."""
    if bypassed_by(conn) or not conn.scalar(text(
            "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = :r"),
            {"r": SEARCH_ROLE}):
        return
    for statement in (
        # USAGE to read there; CREATE, which a function's owner must have in its schema
        f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {SEARCH_ROLE}",
        f"GRANT SELECT ON customers TO {SEARCH_ROLE}",
        f"DROP POLICY IF EXISTS {SEARCH_POLICY} ON customers",
        f"CREATE POLICY {SEARCH_POLICY} ON customers FOR SELECT TO {SEARCH_ROLE} "
        "USING (true)",
        f"ALTER FUNCTION {SEARCH_FUNCTION}({SEARCH_ARGUMENTS}) OWNER TO {SEARCH_ROLE}",
    ):
        conn.execute(text(statement))


def search_is_indexed(conn: Connection) -> bool:
    """Whether SEARCH_FUNCTION's owner reads customers past the tenant policy."""
    return bool(conn.scalar(text(
        "SELECT r.rolsuper OR r.rolbypassrls OR EXISTS (SELECT 1 FROM pg_policy p "
        "WHERE p.polrelid = 'customers'::regclass AND p.polname = :policy "
        "AND r.oid = ANY(p.polroles)) FROM pg_proc f JOIN pg_roles r ON r.oid = f.proowner "
        "WHERE f.proname = :function"), {"policy": SEARCH_POLICY, "function": SEARCH_FUNCTION}))


def unprotect(conn: Connection, table: str) -> None:
    conn.exec_driver_sql(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
