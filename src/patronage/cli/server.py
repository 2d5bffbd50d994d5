"""`patronage migrate` and `patronage serve`."""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

from patronage.cli.console import err
from patronage.settings import get_settings


def not_migrated() -> NoReturn:
    """Say, instead of a traceback, that the database needs `patronage migrate`."""
    from patronage import migrate

    err.print(f"[red]error:[/red] the database at {migrate.where()} is not migrated: run "
              "`patronage migrate`.", highlight=False, soft_wrap=True)
    raise SystemExit(1)


def migrate() -> None:
    """Create or upgrade the database schema (safe to run on an existing database)."""
    from patronage.migrate import upgrade

    upgrade()
    err.print("[green]Database is at the newest schema.[/green]")


def serve(host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
          port: Annotated[int | None, typer.Option(help="Port (default: $PORT or 8000).")] = None,
          reload: Annotated[bool, typer.Option(help="Restart on code changes.")] = False,
          workers: Annotated[int, typer.Option(
              min=1, max=64, help="Worker processes (one per core suits event ingestion: "
              "parsing runs in parallel, SQLite still writes one batch at a time).")] = 1
          ) -> None:
    """Serve the admin and the API."""
    import uvicorn

    from patronage import migrate

    if migrate.pending():
        not_migrated()
    role = migrate.bypassing_role()
    if role:
        err.print(f"[yellow]warning:[/yellow] DATABASE_URL signs in as {role}, a role that "
                  "row-level security does not hold: tenant isolation rests on the "
                  "application's queries alone. Connect as a role of its own "
                  "(docs/deploy.md, \"Roles\").")
    settings = get_settings()
    uvicorn.run("patronage.app:create_app", factory=True, host=host or settings.host,
                port=port or settings.port, reload=reload, proxy_headers=True,
                workers=None if reload else workers)


def openapi(output: Annotated[str | None, typer.Option(
        help="Write to this file instead of standard output.")] = None) -> None:
    """Print the API's OpenAPI document (for client generators; docs/openapi.json is it)."""
    import json
    from pathlib import Path

    from patronage.app import create_app

    text = json.dumps(create_app().openapi(), indent=1, sort_keys=True, ensure_ascii=False)
    if output:
        Path(output).write_text(text + "\n")
        err.print(f"[green]Wrote {output}.[/green]")
    else:
        typer.echo(text)
