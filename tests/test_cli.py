"""The `patronage` command line against the test database."""

import re
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from patronage.cli.main import app
from patronage.customers.models import Customer
from patronage.db import bind_tenant
from patronage.tenancy.models import Tenant
from tests.factories import sqlite_env

runner = CliRunner()


def _slug() -> str:
    return f"cli-{uuid.uuid4().hex[:8]}"


def test_tenant_user_and_token_give_a_working_api_token(client):
    slug = _slug()
    assert runner.invoke(app, ["tenant", "create", slug, "--name", "CLI Seller"]).exit_code == 0
    made = runner.invoke(app, ["user", "create", "--tenant", slug, "--email",
                               f"Rep@{slug}.example", "--role", "sales_rep"])
    assert made.exit_code == 0, made.output
    assert re.search(r"password: \S{10,}", made.stdout)
    issued = runner.invoke(app, ["token", "create", "--tenant", slug, "--email",
                                 f"rep@{slug}.example"])
    assert issued.exit_code == 0
    token = issued.stdout.strip()
    assert "\n" not in token and token.startswith("pat_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["tenant_slug"] == slug and me["role"] == "sales_rep"


def test_duplicate_tenant_and_bad_role_fail_with_a_message():
    slug = _slug()
    runner.invoke(app, ["tenant", "create", slug])
    again = runner.invoke(app, ["tenant", "create", slug])
    assert again.exit_code == 1 and "already exists" in again.output
    bad = runner.invoke(app, ["user", "create", "--tenant", slug, "--email", "x@y.example",
                              "--role", "owner"])
    assert bad.exit_code == 1 and "Role must be one of" in bad.output


def test_short_password_is_refused():
    slug = _slug()
    runner.invoke(app, ["tenant", "create", slug])
    short = runner.invoke(app, ["user", "create", "--tenant", slug, "--email", "a@b.example",
                                "--password", "short"])
    assert short.exit_code == 1 and "at least 10" in short.output


def test_demo_is_idempotent_and_tops_up(session):
    first = runner.invoke(app, ["demo", "--customers", "30"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["demo", "--customers", "30"], env={"COLUMNS": "40"})
    assert again.exit_code == 0
    assert "0 added" in again.output
    # The reset command is printed whole on one line, however narrow the terminal: it copies.
    assert "patronage user password --tenant demo --email admin@demo.example" in again.output
    more = runner.invoke(app, ["demo", "--customers", "45"])
    assert "15 added" in more.output
    tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
    bind_tenant(session, tenant_id)
    kinds = dict(session.execute(select(Customer.type, func.count()).where(
        Customer.tenant_id == tenant_id).group_by(Customer.type)).all())
    assert sum(kinds.values()) == 45
    assert {"business", "registered"} <= set(kinds)


def test_the_printed_sign_in_address_follows_host_and_port(session, monkeypatch):
    """`PORT=8765 make run` serves on 8765: the demo's "Sign in at" says so too."""
    from patronage.settings import get_settings

    monkeypatch.setenv("PORT", "8765")
    monkeypatch.setenv("HOST", "0.0.0.0")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["demo", "--customers", "1"], env={"COLUMNS": "40"})
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "http://0.0.0.0:8765/login" in result.output


def test_migrate_is_safe_on_an_existing_database(factory):
    t = factory.tenant()
    c = factory.customer(t, company_name="Survivor")
    result = runner.invoke(app, ["migrate"])
    assert result.exit_code == 0
    got = factory.client.get(f"/api/v1/customers/{c['id']}", headers=t.headers).json()
    assert got["company_name"] == "Survivor"


def test_recompute_names_an_unknown_tenant():
    result = runner.invoke(app, ["recompute", "--tenant", "no-such-workspace"])
    assert result.exit_code == 1 and "no tenant 'no-such-workspace'" in result.output


@pytest.mark.parametrize("command", [
    ["import", "customers.csv", "--tenant", "acme"],
    ["export", "--tenant", "acme"],
    ["token", "create", "--tenant", "acme", "--email", "a@acme.example"],
    ["serve", "--port", "1"],
])
def test_an_unmigrated_database_is_named_not_a_traceback(tmp_path, command):
    (tmp_path / "customers.csv").write_text("Company\nAcme\n")
    empty = tmp_path / "never-migrated.db"
    env = {**sqlite_env(), "DATABASE_URL": f"sqlite:///{empty}"}
    done = subprocess.run([sys.executable, "-m", "patronage.cli", *command], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert f"the database at sqlite:///{empty} is not migrated: run `patronage migrate`." in (
        done.stderr)


def test_export_query_keeps_every_value_of_a_list_filter(factory):
    t = factory.tenant()
    for state in ("CA", "NV", "OR"):
        factory.customer(t, company_name=f"Shop {state}", state=state)
    done = runner.invoke(app, ["export", "--tenant", t.slug, "--columns", "name,state",
                               "--query", "state=CA&state=NV&sort=name"])
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == ["Name,State", "Shop CA,CA", "Shop NV,NV"]


def test_the_demo_reads_true(session):
    """Issue 11 defect 5: every demo customer's figures are its imported totals plus the
    orders recorded here, with the product's own average; nothing claims orders it cannot
    show or explain."""
    from patronage.customers import rules
    from patronage.events.models import Order

    assert runner.invoke(app, ["demo", "--customers", "60"]).exit_code == 0
    tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
    bind_tenant(session, tenant_id)
    counted = dict(session.execute(select(Order.customer_id, func.count()).where(
        Order.tenant_id == tenant_id, Order.cancelled.is_(False))
        .group_by(Order.customer_id)).all())
    spent = dict(session.execute(select(Order.customer_id, func.sum(Order.total_cents)).where(
        Order.tenant_id == tenant_id, Order.cancelled.is_(False))
        .group_by(Order.customer_id)).all())
    customers = session.scalars(select(Customer).where(Customer.tenant_id == tenant_id)).all()
    assert counted, "the demo records order history for some customers"
    for c in customers:
        assert c.order_count == c.imported_order_count + counted.get(c.id, 0), c.id
        assert c.total_spent_cents == c.imported_spent_cents + (spent.get(c.id) or 0), c.id
        assert c.average_order_value_cents == rules.average_order(c.total_spent_cents,
                                                                  c.order_count)
        if c.imported_order_count:
            assert c.totals_imported_at is not None
        if c.id in counted:
            assert c.imported_order_count == 0  # its history alone


def _commands(group, path=()):
    """Every command path of the CLI, groups included."""
    import typer.main

    command = typer.main.get_command(group) if not path else group
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_help_names_values_and_arguments_plainly():
    """Issue 16 (small things): no `<bool>` after a flag, no `<str>` or `{file}`
    placeholders: a flag reads as a flag, an argument by its name, a value by its kind."""
    paths = list(_commands(app))
    assert ("import",) in paths and ("user", "password") in paths
    for path in paths:
        shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
        assert shown.exit_code == 0, (path, shown.output)
        text = shown.output
        assert not re.search(r"<\w+>|\{\w+\}", text), (path, text)
        assert not re.search(r"--(dry-run|json|help)\s+\S*(BOOL|bool)", text), (path, text)
    usage = runner.invoke(app, ["import", "--help"], env={"COLUMNS": "120"}).output
    assert "import [OPTIONS] FILE" in usage, usage  # the runner names the program "root"


def test_a_migration_adding_sort_indexes_leaves_the_planner_statistics_for_them(tmp_path):
    """Migration 0019 on a file that has planner statistics: without statistics for its
    new indexes SQLite took one of them for the newest-first page and sorted the whole
    workspace (175 ms at a million customers instead of 0.3)."""
    db = tmp_path / "analysed.db"
    script = """
from alembic import command
from patronage.db import get_engine
from patronage.migrate import alembic_config, upgrade
config = alembic_config()
with get_engine().begin() as c:
    config.attributes["connection"] = c
    command.upgrade(config, "0018")
with get_engine().begin() as c:
    c.exec_driver_sql("INSERT INTO tenants (id, slug, name, default_region, created_at) "
                      "VALUES (1, 'stats', 'Stats', 'US', '2026-01-01')")
    c.exec_driver_sql("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                      "WHERE i < 500) INSERT INTO customers (tenant_id, type, email, sort_name, "
                      "version, created_at, updated_at, tax_exempt, subscription, "
                      "allow_age_limited_products, order_count, total_spent_cents, "
                      "average_order_value_cents, sample_count) SELECT 1, 'guest', 'g' || i || "
                      "'@x.example', 'g' || i, 1, '2026-01-01', '2026-01-01', 0, 0, 0, 0, 0, "
                      "0, 0 FROM n")
    c.exec_driver_sql("ANALYZE")
upgrade()
with get_engine().connect() as c:
    print(sorted(r[0] for r in c.exec_driver_sql(
        "SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL")))
    plan = " ".join(r[3] for r in c.exec_driver_sql(
        "EXPLAIN QUERY PLAN SELECT id FROM customers WHERE tenant_id = 1 "
        "ORDER BY id DESC LIMIT 51"))
    print(plan)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={**sqlite_env(), "DATABASE_URL": f"sqlite:///{db}"}, timeout=120)
    assert done.returncode == 0, done.stderr
    indexes, plan = done.stdout.splitlines()
    for column in ("license_expires_on", "first_order_at"):
        assert f"ix_customers_sort_{column}" in indexes
    assert "TEMP B-TREE" not in plan and "sqlite_autoindex_customers_1" in plan, plan
