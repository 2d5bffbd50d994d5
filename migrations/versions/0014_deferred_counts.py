"""PostgreSQL: a bulk load's customer counters deferred to its end.

The customer counters (customer_counts, rep_customer_counts) are rows per workspace and
per rep, updated by statement triggers; an import's INSERT of a million customers updated
them at once and held their row locks until it committed, so every new customer of the
workspace (an order from a new shopper) waited for the whole import. With
``patronage.deferred_counts`` set in a transaction, the insert trigger notes its counts in
the session's ``deferred_counts`` table instead; the bulk load applies them in one
statement just before it commits (customers.search_index.deferred_search_index).

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNT = """
          INSERT INTO customer_counts (tenant_id, customers)
            SELECT tenant_id, count(*) FROM new_rows GROUP BY tenant_id
          ON CONFLICT (tenant_id) DO UPDATE
            SET customers = customer_counts.customers + EXCLUDED.customers;"""
_REP = """
          INSERT INTO rep_customer_counts (tenant_id, rep, customers)
            SELECT tenant_id, coalesce(sales_rep_id, 0), count(*) FROM new_rows
             GROUP BY 1, 2 ORDER BY 1, 2
          ON CONFLICT (tenant_id, rep) DO UPDATE
            SET customers = rep_customer_counts.customers + EXCLUDED.customers;"""
_DEFERRED = "current_setting('patronage.deferred_counts', true) = 'on'"


def _function(name: str, body: str) -> None:
    op.execute(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
               f"        BEGIN{body}\n          RETURN NULL;\n        END $$")


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite's bulk loads drop the insert trigger (one writer, DDL in the txn)
    _function("customer_counts_insert", f"""
          IF {_DEFERRED} THEN
            INSERT INTO deferred_counts (tenant_id, rep, n)
              SELECT tenant_id, coalesce(sales_rep_id, 0), count(*) FROM new_rows
               GROUP BY 1, 2;
            RETURN NULL;
          END IF;{_COUNT}""")
    _function("rep_counts_insert", f"""
          IF {_DEFERRED} THEN
            RETURN NULL;  -- noted by customer_counts_insert
          END IF;{_REP}""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    _function("customer_counts_insert", _COUNT)
    _function("rep_counts_insert", _REP)
