"""Typer root: `patronage --help` lists every command group."""

from __future__ import annotations

import typer

from patronage.cli import demo, duplicates, history, imports, server, team

app = typer.Typer(help="Patronage: the customer directory sellers live in.",
                  no_args_is_help=True, add_completion=False)
app.command("migrate")(server.migrate)
app.command("serve")(server.serve)
app.command("openapi")(server.openapi)
app.command("demo")(demo.demo)
app.command("recompute")(history.recompute)
app.command("check-reports")(history.check_reports)
app.command("import")(imports.import_customers)
app.command("export")(imports.export_customers)
app.add_typer(duplicates.app, name="duplicates")
app.add_typer(team.tenant_app, name="tenant")
app.add_typer(team.user_app, name="user")
app.add_typer(team.token_app, name="token")


def main() -> None:
    """The `patronage` command: every command, and one clear answer instead of a traceback
    when the database has not been migrated."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from patronage import migrate

    try:
        app(prog_name="patronage")
    except (OperationalError, ProgrammingError):
        if not migrate.pending():
            raise
        server.not_migrated()
