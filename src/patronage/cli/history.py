"""`patronage recompute`: rebuild every derived customer column from the stored history."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy import select

from patronage.db import session_scope
from patronage.events import derived
from patronage.tenancy.models import Tenant

err = Console(stderr=True)


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
            count = derived.recompute(session, tenant_id)
            err.print(f"{slug}: recomputed {count:,} customers with history in "
                      f"{time.perf_counter() - started:.1f}s")
