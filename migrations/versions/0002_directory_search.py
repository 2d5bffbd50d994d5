"""Directory: sort name, sort/filter indexes, search index, per-tenant customer counter.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One (tenant_id, column, id) index per sortable column: it also serves an equality or range
# filter on that column ordered by id. Plus the composite the most common combination needs.
SORT_INDEXES = [
    "sort_name", "type", "status_id", "email", "license_key", "license_type_id", "city",
    "state", "zip", "sales_rep_id", "master_store_id", "order_count", "total_spent_cents",
    "last_order_at", "registered_at", "last_login_at", "last_activity_at", "created_at",
    "updated_at", "external_id",
]
SEARCHED = ("company_name", "first_name", "last_name", "email", "phone", "license_number",
            "license_key", "external_id")


def _fts_values(row: str) -> str:
    return (f"trim(coalesce({row}.company_name, '') || ' ' || coalesce({row}.first_name, '')"
            f" || ' ' || coalesce({row}.last_name, '')), "
            f"coalesce({row}.email, ''), replace(coalesce({row}.phone, ''), '+', ''), "
            f"trim(coalesce({row}.license_number, '') || ' ' || coalesce({row}.license_key, '')),"
            f" coalesce({row}.external_id, '')")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("sort_name", sa.String(200), nullable=True))
    op.execute("""
        UPDATE customers SET sort_name = lower(COALESCE(company_name,
            NULLIF(trim(COALESCE(first_name, '') || ' ' || COALESCE(last_name, '')), ''),
            email, phone, ''))""")
    for column in SORT_INDEXES:
        op.create_index(f"ix_customers_sort_{column}", "customers", ["tenant_id", column, "id"])
    op.create_index("ix_customers_state_spent", "customers",
                    ["tenant_id", "state", "total_spent_cents", "id"])

    op.create_table(
        "customer_counts",
        sa.Column("tenant_id", sa.Integer(), primary_key=True),
        sa.Column("customers", sa.BigInteger(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE",
                                name="fk_customer_counts_tenant_id_tenants"),
        sa.CheckConstraint("customers >= 0", name="ck_customer_counts_non_negative"),
    )
    op.execute("INSERT INTO customer_counts (tenant_id, customers) "
               "SELECT tenant_id, count(*) FROM customers GROUP BY tenant_id")

    if dialect == "sqlite":
        _sqlite_search_and_counts()
    else:
        _postgres_search_and_counts()


def _sqlite_search_and_counts() -> None:
    # Contentless FTS5 trigram index keyed by customers.id; triggers keep it (and the counter)
    # right in the same transaction as every write, bulk loads included.
    op.execute("CREATE VIRTUAL TABLE customer_search USING fts5("
               "name, email, phone, license, external_id, content='', tokenize='trigram')")
    op.execute(f"INSERT INTO customer_search (rowid, name, email, phone, license, external_id) "
               f"SELECT id, {_fts_values('customers')} FROM customers")
    op.execute(f"""
        CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN
          INSERT INTO customer_search (rowid, name, email, phone, license, external_id)
          VALUES (new.id, {_fts_values('new')});
          INSERT INTO customer_counts (tenant_id, customers) VALUES (new.tenant_id, 1)
            ON CONFLICT (tenant_id) DO UPDATE SET customers = customers + 1;
        END""")
    op.execute(f"""
        CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN
          INSERT INTO customer_search (customer_search, rowid, name, email, phone, license,
                                       external_id)
          VALUES ('delete', old.id, {_fts_values('old')});
          UPDATE customer_counts SET customers = customers - 1 WHERE tenant_id = old.tenant_id;
        END""")
    op.execute(f"""
        CREATE TRIGGER customers_search_update AFTER UPDATE OF {', '.join(SEARCHED)}
        ON customers BEGIN
          INSERT INTO customer_search (customer_search, rowid, name, email, phone, license,
                                       external_id)
          VALUES ('delete', old.id, {_fts_values('old')});
          INSERT INTO customer_search (rowid, name, email, phone, license, external_id)
          VALUES (new.id, {_fts_values('new')});
        END""")


# customers.search.POSTGRES_DOCUMENT must stay the same text for the planner to use the index.
POSTGRES_DOCUMENT = (
    "lower(coalesce(company_name, '') || ' ' || coalesce(first_name, '') || ' ' || "
    "coalesce(last_name, '') || ' ' || coalesce(email, '') || ' ' || "
    "replace(coalesce(phone, ''), '+', '') || ' ' || coalesce(license_number, '') || ' ' || "
    "coalesce(license_key, '') || ' ' || coalesce(external_id, ''))")


def _postgres_search_and_counts() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(f"CREATE INDEX ix_customers_search ON customers "
               f"USING gin (({POSTGRES_DOCUMENT}) gin_trgm_ops)")
    op.execute("""
        CREATE FUNCTION customer_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO customer_counts (tenant_id, customers)
            SELECT tenant_id, count(*) FROM new_rows GROUP BY tenant_id
          ON CONFLICT (tenant_id) DO UPDATE
            SET customers = customer_counts.customers + EXCLUDED.customers;
          RETURN NULL;
        END $$""")
    op.execute("""
        CREATE FUNCTION customer_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE customer_counts c SET customers = c.customers - d.n
            FROM (SELECT tenant_id, count(*) AS n FROM old_rows GROUP BY tenant_id) d
           WHERE c.tenant_id = d.tenant_id;
          RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER customers_count_insert AFTER INSERT ON customers "
               "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
               "EXECUTE FUNCTION customer_counts_insert()")
    op.execute("CREATE TRIGGER customers_count_delete AFTER DELETE ON customers "
               "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
               "EXECUTE FUNCTION customer_counts_delete()")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS customers_search_{trigger}")
        op.execute("DROP TABLE IF EXISTS customer_search")
    else:
        op.execute("DROP TRIGGER IF EXISTS customers_count_insert ON customers")
        op.execute("DROP TRIGGER IF EXISTS customers_count_delete ON customers")
        op.execute("DROP FUNCTION IF EXISTS customer_counts_insert()")
        op.execute("DROP FUNCTION IF EXISTS customer_counts_delete()")
        op.execute("DROP INDEX IF EXISTS ix_customers_search")
    op.drop_table("customer_counts")
    op.drop_index("ix_customers_state_spent", "customers")
    for column in SORT_INDEXES:
        op.drop_index(f"ix_customers_sort_{column}", "customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("sort_name")
