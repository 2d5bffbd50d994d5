"""Who a command acts as: a workspace's team member, named by --as or its first admin."""

from __future__ import annotations

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from patronage.cli.console import err
from patronage.tenancy import service as tenancy
from patronage.tenancy.models import User
from patronage.tenancy.schemas import Principal


def acting(session: Session, tenant: str, user: str | None) -> Principal:
    """The principal of workspace ``tenant``: the member ``user`` (an email), else its first
    admin; a clear error and exit code 1 when there is none."""
    workspace = tenancy.get_tenant(session, tenant)
    query = select(User.id).where(User.tenant_id == workspace.id)
    query = (query.where(User.email == user.lower()) if user
             else query.where(User.role == "admin"))
    user_id = session.scalar(query.order_by(User.id))
    principal = tenancy.principal_for(session, tenant_id=workspace.id,
                                      user_id=user_id) if user_id else None
    if principal is None:
        err.print(f"[red]error:[/red] no such team member in '{tenant}'.")
        raise typer.Exit(code=1)
    return principal
