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


def unprotect(conn: Connection, table: str) -> None:
    conn.exec_driver_sql(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    conn.exec_driver_sql(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    conn.exec_driver_sql(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
