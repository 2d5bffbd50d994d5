"""Storefront rules (guest checkout per device, sign-up strategy, what reps may edit) with
their change log; the rep an order or sample was credited to; the sales report's rollups,
filled from the orders already recorded.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from patronage.db import UTCDateTime

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MODES = ("'enabled', 'disabled_cart_available', 'disabled_cart_unavailable', "
         "'disabled_cart_unavailable_hide_prices'")


def _tenant(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE",
                                   name=f"fk_{table}_tenant_id_tenants")


def upgrade() -> None:
    op.create_table(
        "workspace_settings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("checkout_web", sa.String(40), nullable=False),
        sa.Column("checkout_ios", sa.String(40), nullable=False),
        sa.Column("checkout_android", sa.String(40), nullable=False),
        sa.Column("signup_methods", sa.String(10), nullable=False),
        sa.Column("rep_edit_scope", sa.String(10), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        *(sa.CheckConstraint(f"checkout_{d} IN ({MODES})",
                             name=f"ck_workspace_settings_checkout_{d}")
          for d in ("web", "ios", "android")),
        sa.CheckConstraint("signup_methods IN ('email', 'phone', 'both')",
                           name="ck_workspace_settings_signup_methods"),
        sa.CheckConstraint("rep_edit_scope IN ('all', 'own')",
                           name="ck_workspace_settings_rep_edit_scope"),
        _tenant("workspace_settings"),
        sa.PrimaryKeyConstraint("tenant_id", name="pk_workspace_settings"))
    op.create_table(
        "setting_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("setting", sa.String(40), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        _tenant("setting_changes"),
        sa.PrimaryKeyConstraint("id", name="pk_setting_changes"),
        sa.UniqueConstraint("tenant_id", "id", name="uq_setting_changes_tenant_id_id"))
    op.create_index("ix_setting_changes_tenant_at", "setting_changes", ["tenant_id", "id"])

    op.add_column("orders", sa.Column("sales_rep_id", sa.Integer(), nullable=True))
    op.add_column("samples", sa.Column("sales_rep_id", sa.Integer(), nullable=True))
    for table in ("orders", "samples"):  # credited to the rep the customer has now
        op.execute(f"UPDATE {table} SET sales_rep_id = (SELECT c.sales_rep_id FROM customers c "
                   f"WHERE c.tenant_id = {table}.tenant_id AND c.id = {table}.customer_id)")

    op.create_table(
        "rep_customer_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("rep", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("first_order", sa.Boolean(), nullable=False),
        sa.Column("prev_day", sa.Integer(), nullable=True),
        _tenant("rep_customer_days"),
        sa.PrimaryKeyConstraint("tenant_id", "customer_id", "rep", "day",
                                name="pk_rep_customer_days"),
        sqlite_with_rowid=False)  # rows kept in key order: ranges and upserts by key
    op.create_index("ix_rep_customer_days_tenant_prev", "rep_customer_days",
                    ["tenant_id", "prev_day", "day", "rep"],
                    sqlite_where=sa.text("prev_day IS NOT NULL"),
                    postgresql_where=sa.text("prev_day IS NOT NULL"))
    op.create_table(
        "rep_days",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("rep", sa.Integer(), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.Column("new_customers", sa.Integer(), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        _tenant("rep_days"),
        sa.PrimaryKeyConstraint("tenant_id", "day", "rep", name="pk_rep_days"),
        sqlite_with_rowid=False)  # rows kept in key order: ranges and upserts by key
    op.create_table(
        "rep_activity",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.SmallInteger(), nullable=False),
        sa.Column("day_key", sa.Integer(), nullable=False),
        sa.Column("prev_key", sa.Integer(), nullable=False),
        sa.Column("rep", sa.Integer(), nullable=False),
        sa.Column("customers", sa.Integer(), nullable=False),
        _tenant("rep_activity"),
        sa.PrimaryKeyConstraint("tenant_id", "grain", "day_key", "prev_key", "rep",
                                name="pk_rep_activity"),
        sqlite_with_rowid=False)  # rows kept in key order: ranges and upserts by key
    op.create_index("ix_rep_activity_tenant_prev", "rep_activity",
                    ["tenant_id", "grain", "prev_key", "day_key", "rep"])
    op.create_table(
        "rep_customer_counts",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("rep", sa.Integer(), nullable=False),
        sa.Column("customers", sa.BigInteger(), nullable=False),
        _tenant("rep_customer_counts"),
        sa.PrimaryKeyConstraint("tenant_id", "rep", name="pk_rep_customer_counts"),
        sqlite_with_rowid=False)  # rows kept in key order: ranges and upserts by key
    op.execute("INSERT INTO rep_customer_counts (tenant_id, rep, customers) "
               "SELECT tenant_id, coalesce(sales_rep_id, 0), count(*) FROM customers "
               "GROUP BY tenant_id, coalesce(sales_rep_id, 0)")
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_rep_counts()
    else:
        _postgres_rep_counts()

    from patronage.reports import rollups  # the one code that fills them

    conn = op.get_bind()
    for (tenant_id,) in conn.execute(sa.text("SELECT id FROM tenants ORDER BY id")).all():
        rollups.rebuild(conn, tenant_id)


_ADD = ("INSERT INTO rep_customer_counts (tenant_id, rep, customers) "
        "VALUES (new.tenant_id, coalesce(new.sales_rep_id, 0), 1) "
        "ON CONFLICT (tenant_id, rep) DO UPDATE SET customers = customers + 1;")
_TAKE = ("UPDATE rep_customer_counts SET customers = customers - 1 "
         "WHERE tenant_id = old.tenant_id AND rep = coalesce(old.sales_rep_id, 0);")


def _sqlite_rep_counts() -> None:
    op.execute(f"CREATE TRIGGER customers_rep_insert AFTER INSERT ON customers BEGIN {_ADD} END")
    op.execute(f"CREATE TRIGGER customers_rep_delete AFTER DELETE ON customers BEGIN {_TAKE} END")
    op.execute("CREATE TRIGGER customers_rep_update AFTER UPDATE OF sales_rep_id ON customers "
               f"WHEN old.sales_rep_id IS NOT new.sales_rep_id BEGIN {_TAKE} {_ADD} END")


def _postgres_rep_counts() -> None:
    op.execute("""
        CREATE FUNCTION rep_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          INSERT INTO rep_customer_counts (tenant_id, rep, customers)
            SELECT tenant_id, coalesce(sales_rep_id, 0), count(*) FROM new_rows
             GROUP BY 1, 2 ORDER BY 1, 2
          ON CONFLICT (tenant_id, rep) DO UPDATE
            SET customers = rep_customer_counts.customers + EXCLUDED.customers;
          RETURN NULL;
        END $$""")
    op.execute("""
        CREATE FUNCTION rep_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE rep_customer_counts c SET customers = c.customers - d.n
            FROM (SELECT tenant_id, coalesce(sales_rep_id, 0) AS rep, count(*) AS n
                    FROM old_rows GROUP BY 1, 2) d
           WHERE c.tenant_id = d.tenant_id AND c.rep = d.rep;
          RETURN NULL;
        END $$""")
    op.execute("""
        CREATE FUNCTION rep_counts_update() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          UPDATE rep_customer_counts SET customers = customers - 1
           WHERE tenant_id = OLD.tenant_id AND rep = coalesce(OLD.sales_rep_id, 0);
          INSERT INTO rep_customer_counts (tenant_id, rep, customers)
            VALUES (NEW.tenant_id, coalesce(NEW.sales_rep_id, 0), 1)
          ON CONFLICT (tenant_id, rep) DO UPDATE
            SET customers = rep_customer_counts.customers + 1;
          RETURN NULL;
        END $$""")
    op.execute("CREATE TRIGGER customers_rep_insert AFTER INSERT ON customers "
               "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
               "EXECUTE FUNCTION rep_counts_insert()")
    op.execute("CREATE TRIGGER customers_rep_delete AFTER DELETE ON customers "
               "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
               "EXECUTE FUNCTION rep_counts_delete()")
    op.execute("CREATE TRIGGER customers_rep_update AFTER UPDATE OF sales_rep_id ON customers "
               "FOR EACH ROW WHEN (OLD.sales_rep_id IS DISTINCT FROM NEW.sales_rep_id) "
               "EXECUTE FUNCTION rep_counts_update()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS customers_rep_{trigger}")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS customers_rep_{trigger} ON customers")
            op.execute(f"DROP FUNCTION IF EXISTS rep_counts_{trigger}()")
    for table in ("rep_customer_counts", "rep_activity", "rep_days", "rep_customer_days",
                  "setting_changes", "workspace_settings"):
        op.drop_table(table)
    op.drop_column("samples", "sales_rep_id")
    op.drop_column("orders", "sales_rep_id")
