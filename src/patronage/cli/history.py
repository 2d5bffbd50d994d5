"""`patronage recompute`: rebuild every derived customer column and the sales report's
rollups from the stored history; `patronage reports check`: hold the rollups to the
orders for a range."""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated

import typer
from sqlalchemy import select

from patronage.cli.console import err
from patronage.db import bind_tenant, session_scope
from patronage.events import derived
from patronage.reports import queries, rollups
from patronage.tenancy.models import Tenant


def recompute(tenant: Annotated[str | None, typer.Option(
        help="Tenant slug; every tenant when omitted.")] = None) -> None:
    """Recount orders, spend, samples, last activity and stores from the stored events."""
    with session_scope() as session:
        query = select(Tenant.id, Tenant.slug).order_by(Tenant.id)
        if tenant:
            query = query.where(Tenant.slug == tenant)
        tenants = session.execute(query).all()
        if not tenants:
            err.print(f"[red]error:[/red] no tenant '{tenant}'.")
            raise typer.Exit(code=1)
        for tenant_id, slug in tenants:
            started = time.perf_counter()
            bind_tenant(session, tenant_id)
            count = derived.recompute(session, tenant_id)
            rollups.rebuild(session.connection(), tenant_id)
            session.commit()
            err.print(f"{slug}: recomputed {count:,} customers with history and the sales "
                      f"report in {time.perf_counter() - started:.1f}s")


def check_reports(tenant: Annotated[str, typer.Option(help="Tenant slug.")],
                  start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD.")],
                  end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD.")]
                  ) -> None:
    """Compare the sales report kept in rollups with one recomputed from the orders."""
    first, last = date.fromisoformat(start), date.fromisoformat(end)
    with session_scope() as session:
        tenant_id = session.scalar(select(Tenant.id).where(Tenant.slug == tenant))
        if tenant_id is None:
            err.print(f"[red]error:[/red] no tenant '{tenant}'.")
            raise typer.Exit(code=1)
        bind_tenant(session, tenant_id)
        conn = session.connection()
        kept = {r.rep: r.as_tuple() for r in queries.sales_reps(conn, tenant_id, first, last)}
        sure = {r.rep: r.as_tuple() for r in queries.recompute(conn, tenant_id, first, last)}
    if kept != sure:
        for rep in sorted(set(kept) | set(sure)):
            if kept.get(rep) != sure.get(rep):
                err.print(f"rep {rep}: kept {kept.get(rep)} recomputed {sure.get(rep)}")
        err.print("[red]The rollups differ from the orders[/red]: run `patronage recompute`.")
        raise typer.Exit(code=1)
    err.print(f"{tenant}: the report equals a recomputation from the orders "
              f"({len(kept)} rows).")
