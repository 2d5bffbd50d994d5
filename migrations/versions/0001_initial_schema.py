"""initial schema

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("default_region", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(default_region) = 2", name=op.f("ck_tenants_region_length")),
        sa.CheckConstraint("length(slug) BETWEEN 2 AND 40", name=op.f("ck_tenants_slug_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenants")),
        sa.UniqueConstraint("slug", name=op.f("uq_tenants_slug")),
    )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("field", sa.String(length=50), nullable=True),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "action IN ('created', 'updated', 'deleted')", name=op.f("ck_audit_entries_action")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_audit_entries_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_audit_entries_tenant_id_id")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_entries_tenant_customer", ["tenant_id", "customer_id", "id"], unique=False
        )

    op.create_table(
        "license_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("product_categories", sa.JSON(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(name) BETWEEN 1 AND 100", name=op.f("ck_license_types_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_license_types_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_license_types")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_license_types_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_license_types_tenant_id_name")),
    )
    op.create_table(
        "payment_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "days IS NULL OR days BETWEEN 0 AND 365", name=op.f("ck_payment_terms_days_range")
        ),
        sa.CheckConstraint(
            "length(name) BETWEEN 1 AND 100", name=op.f("ck_payment_terms_name_length")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_payment_terms_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_terms")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_payment_terms_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_payment_terms_tenant_id_name")),
    )
    op.create_table(
        "statuses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("colour", sa.String(length=7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(colour) = 7 AND substr(colour, 1, 1) = '#'", name=op.f("ck_statuses_colour_hex")
        ),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 100", name=op.f("ck_statuses_name_length")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_statuses_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statuses")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_statuses_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_statuses_tenant_id_name")),
    )
    op.create_table(
        "stores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(name) BETWEEN 1 AND 100", name=op.f("ck_stores_name_length")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_stores_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stores")),
        sa.UniqueConstraint("tenant_id", "code", name=op.f("uq_stores_tenant_id_code")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_stores_tenant_id_id")),
        sa.UniqueConstraint("tenant_id", "name", name=op.f("uq_stores_tenant_id_name")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('admin', 'sales_rep', 'viewer')", name=op.f("ck_users_role")),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_users_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("tenant_id", "email", name=op.f("uq_users_tenant_id_email")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_users_tenant_id_id")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "user_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_api_tokens_tenant_id_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint(
            "tenant_id", "token_hash", name=op.f("uq_api_tokens_tenant_id_token_hash")
        ),
    )
    op.create_table(
        "customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("type", sa.String(length=12), nullable=False),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("last_name", sa.String(length=100), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("address1", sa.String(length=200), nullable=True),
        sa.Column("address2", sa.String(length=200), nullable=True),
        sa.Column("city", sa.String(length=100), nullable=True),
        sa.Column("state", sa.String(length=50), nullable=True),
        sa.Column("zip", sa.String(length=20), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("license_number", sa.String(length=64), nullable=True),
        sa.Column("license_key", sa.String(length=64), nullable=True),
        sa.Column("license_type_id", sa.Integer(), nullable=True),
        sa.Column("license_expires_on", sa.Date(), nullable=True),
        sa.Column("payment_term_id", sa.Integer(), nullable=True),
        sa.Column("sales_rep_id", sa.Integer(), nullable=True),
        sa.Column("status_id", sa.Integer(), nullable=True),
        sa.Column("tax_exempt", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("master_store_id", sa.Integer(), nullable=True),
        sa.Column("subscription", sa.Boolean(), nullable=False),
        sa.Column("subscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("membership_id", sa.String(length=100), nullable=True),
        sa.Column("point_balance", sa.Integer(), nullable=True),
        sa.Column("allow_age_limited_products", sa.Boolean(), nullable=False),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("shopper_level", sa.String(length=50), nullable=True),
        sa.Column("risk_level", sa.String(length=10), nullable=True),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_activity_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("order_count", sa.Integer(), nullable=False),
        sa.Column("total_spent_cents", sa.BigInteger(), nullable=False),
        sa.Column("average_order_value_cents", sa.BigInteger(), nullable=False),
        sa.Column("first_order_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_order_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sample_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "email IS NULL OR email LIKE '%_@_%'", name=op.f("ck_customers_email_shape")
        ),
        sa.CheckConstraint(
            "phone IS NULL OR phone LIKE '+%'", name=op.f("ck_customers_phone_e164")
        ),
        sa.CheckConstraint(
            "risk_level IS NULL OR risk_level IN ('low', 'medium', 'high')",
            name=op.f("ck_customers_risk_level"),
        ),
        sa.CheckConstraint(
            "type <> 'business' OR company_name IS NOT NULL OR license_key IS NOT NULL",
            name=op.f("ck_customers_business_identified"),
        ),
        sa.CheckConstraint(
            "type IN ('guest', 'registered', 'business')", name=op.f("ck_customers_type")
        ),
        sa.CheckConstraint(
            "(license_number IS NULL) = (license_key IS NULL)",
            name=op.f("ck_customers_license_key_present"),
        ),
        sa.CheckConstraint(
            "COALESCE(company_name, first_name, last_name, email, phone, license_key, external_id) IS NOT NULL",
            name=op.f("ck_customers_someone"),
        ),
        sa.CheckConstraint(
            "order_count >= 0 AND sample_count >= 0", name=op.f("ck_customers_counts_non_negative")
        ),
        sa.CheckConstraint(
            "point_balance IS NULL OR point_balance >= 0",
            name=op.f("ck_customers_points_non_negative"),
        ),
        sa.CheckConstraint("total_spent_cents >= 0", name=op.f("ck_customers_spent_non_negative")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_customers_version_positive")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "license_type_id"],
            ["license_types.tenant_id", "license_types.id"],
            name=op.f("fk_customers_tenant_id_license_type_id_license_types"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "master_store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_customers_tenant_id_master_store_id_stores"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "payment_term_id"],
            ["payment_terms.tenant_id", "payment_terms.id"],
            name=op.f("fk_customers_tenant_id_payment_term_id_payment_terms"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "sales_rep_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_customers_tenant_id_sales_rep_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "status_id"],
            ["statuses.tenant_id", "statuses.id"],
            name=op.f("fk_customers_tenant_id_status_id_statuses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"],
            ["tenants.id"],
            name=op.f("fk_customers_tenant_id_tenants"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
        sa.UniqueConstraint("tenant_id", "id", name=op.f("uq_customers_tenant_id_id")),
    )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customers_tenant_email", ["tenant_id", sa.text("lower(email)")], unique=False
        )
        batch_op.create_index("ix_customers_tenant_phone", ["tenant_id", "phone"], unique=False)
        batch_op.create_index(
            "uq_customers_tenant_external_id",
            ["tenant_id", "external_id"],
            unique=True,
            sqlite_where=sa.text("external_id IS NOT NULL"),
            postgresql_where=sa.text("external_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_customers_tenant_license_key",
            ["tenant_id", "license_key"],
            unique=True,
            sqlite_where=sa.text("type = 'business' AND license_key IS NOT NULL"),
            postgresql_where=sa.text("type = 'business' AND license_key IS NOT NULL"),
        )

    op.create_table(
        "customer_stores",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_customer_stores_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "store_id"],
            ["stores.tenant_id", "stores.id"],
            name=op.f("fk_customer_stores_tenant_id_store_id_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "tenant_id", "customer_id", "store_id", name=op.f("pk_customer_stores")
        ),
    )
    with op.batch_alter_table("customer_stores", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_stores_tenant_store",
            ["tenant_id", "store_id", "customer_id"],
            unique=False,
        )

    op.create_table(
        "customer_tags",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.CheckConstraint(
            "length(tag) BETWEEN 1 AND 50", name=op.f("ck_customer_tags_tag_length")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "customer_id"],
            ["customers.tenant_id", "customers.id"],
            name=op.f("fk_customer_tags_tenant_id_customer_id_customers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("tenant_id", "customer_id", "tag", name=op.f("pk_customer_tags")),
    )
    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customer_tags_tenant_tag", ["tenant_id", "tag", "customer_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_tags", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_tags_tenant_tag")

    op.drop_table("customer_tags")
    with op.batch_alter_table("customer_stores", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_stores_tenant_store")

    op.drop_table("customer_stores")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_customers_tenant_license_key",
            sqlite_where=sa.text("type = 'business' AND license_key IS NOT NULL"),
            postgresql_where=sa.text("type = 'business' AND license_key IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_customers_tenant_external_id",
            sqlite_where=sa.text("external_id IS NOT NULL"),
            postgresql_where=sa.text("external_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_customers_tenant_phone")
        batch_op.drop_index("ix_customers_tenant_email")

    op.drop_table("customers")
    op.drop_table("api_tokens")
    op.drop_table("users")
    op.drop_table("stores")
    op.drop_table("statuses")
    op.drop_table("payment_terms")
    op.drop_table("license_types")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_tenant_customer")

    op.drop_table("audit_entries")
    op.drop_table("tenants")
