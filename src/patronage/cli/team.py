"""`patronage tenant|user|token ...`: set up workspaces, team members and API tokens."""

from __future__ import annotations

from typing import Annotated

import typer

from patronage.cli.console import err
from patronage.db import session_scope
from patronage.errors import PatronageError
from patronage.tenancy import service

tenant_app = typer.Typer(help="Workspaces (tenants).", no_args_is_help=True)
user_app = typer.Typer(help="Team members.", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)


def _fail(exc: PatronageError) -> typer.Exit:
    err.print(f"[red]error:[/red] {exc.detail}")
    for e in exc.errors:
        err.print(f"  {e.name}: {e.detail}")
    return typer.Exit(code=1)


@tenant_app.command("create")
def tenant_create(slug: str, name: Annotated[str | None, typer.Option(help="Display name.")]
                  = None,
                  region: Annotated[str, typer.Option(help="Default phone region.")] = "US"
                  ) -> None:
    """Create a workspace."""
    with session_scope() as session:
        try:
            tenant = service.create_tenant(session, slug=slug, name=name,
                                           default_region=region.upper())
        except PatronageError as exc:
            raise _fail(exc) from exc
    err.print(f"Created tenant [bold]{tenant.slug}[/bold] (id {tenant.id}).")


@user_app.command("create")
def user_create(tenant: Annotated[str, typer.Option(help="Tenant slug.")],
                email: Annotated[str, typer.Option(help="Sign-in email.")],
                role: Annotated[str, typer.Option(help="admin, sales_rep or viewer.")] = "admin",
                password: Annotated[str | None, typer.Option(
                    help="Password (min 10 chars); generated and printed when omitted.")] = None,
                name: Annotated[str | None, typer.Option(help="Display name.")] = None) -> None:
    """Add a team member to a workspace."""
    generated = password is None
    password = password or service.generate_password()
    with session_scope() as session:
        try:
            found = service.get_tenant(session, tenant)
            user = service.create_user(session, tenant_id=found.id, email=email, role=role,
                                       password=password, name=name)
        except PatronageError as exc:
            raise _fail(exc) from exc
    err.print(f"Added {user.email} as {user.role} to {found.slug}.")
    if generated:
        typer.echo(f"password: {password}")


@token_app.command("create")
def token_create(tenant: Annotated[str, typer.Option(help="Tenant slug.")],
                 email: Annotated[str, typer.Option(help="The member the token acts as.")],
                 label: Annotated[str, typer.Option(help="What the token is for.")] = "") -> None:
    """Issue an API token; prints only the token (shown once, stored hashed)."""
    with session_scope() as session:
        try:
            found = service.get_tenant(session, tenant)
            token = service.create_token(session, tenant_id=found.id, email=email, label=label)
        except PatronageError as exc:
            raise _fail(exc) from exc
    typer.echo(token)


@user_app.command("password")
def user_password(tenant: Annotated[str, typer.Option(help="Tenant slug.")],
                  email: Annotated[str, typer.Option(help="Sign-in email.")],
                  password: Annotated[str | None, typer.Option(
                      help="New password; generated and printed when omitted.")] = None
                  ) -> None:
    """Set a new password for a team member."""
    generated = password is None
    password = password or service.generate_password()
    with session_scope() as session:
        try:
            found = service.get_tenant(session, tenant)
            service.set_password(session, tenant_id=found.id, email=email, password=password)
        except PatronageError as exc:
            raise _fail(exc) from exc
    err.print(f"Password changed for {email}.")
    if generated:
        typer.echo(f"password: {password}")
