"""`patronage import FILE --tenant SLUG`: a CSV of customers in, with a progress bar."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from patronage.cli.acting import acting
from patronage.cli.console import err
from patronage.db import session_scope
from patronage.errors import FieldError, PatronageError
from patronage.imports import jobs
from patronage.tenancy import service as tenancy


def _fail(exc: PatronageError, as_json: bool) -> typer.Exit:
    if as_json:
        print(json.dumps({"error": exc.detail, "errors": [
            {"pointer": e.pointer, "message": e.detail} for e in exc.errors]}))
    else:
        err.print(f"[red]error:[/red] {exc.detail}")
    return typer.Exit(code=1)


# What the progress bar says in each stage of a commit (imports.service.run).
STAGES = {"waiting": "Waiting for the database", "rechecking": "Checking again (customers "
          "changed meanwhile)", "finishing": "Writing (search index, commit)"}


def import_customers(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                             help="The CSV file.")],
        tenant: Annotated[str, typer.Option(help="Workspace slug.")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help=(
            "Report what would be created, updated, unchanged or rejected; "
            "write nothing."))] = False,
        mapping: Annotated[Path | None, typer.Option(
            help="A saved mapping: a JSON object of header -> field (null to ignore).")]
        = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
        = False,
        user: Annotated[str | None, typer.Option(
            "--as", help="Team member the audit trail names (default: the first admin).")]
        = None) -> None:
    """Import customers from a CSV (any encoding, delimiter and header layout)."""
    saved = None
    if mapping is not None:
        try:
            saved = json.loads(mapping.read_text())
            assert isinstance(saved, dict)
        except (ValueError, AssertionError):
            err.print(f"[red]error:[/red] {mapping} is not a JSON object of header -> field.")
            raise typer.Exit(code=1) from None
    size = file.stat().st_size
    with session_scope() as session:
        try:
            principal = acting(session, tenant, user)
            columns = [TextColumn("{task.description}"), BarColumn(),
                       TextColumn("{task.fields[rows]:,} rows · {task.fields[rate]:,.0f}/s"),
                       TimeRemainingColumn()]
            job = jobs.start(session, principal, file, file.name, size, dry_run=dry_run,
                             mapping=saved, owned=False, check_duplicates=False)
            with Progress(*columns, console=err, disable=as_json) as bar:
                task = bar.add_task("Checking" if dry_run else "Importing", total=size,
                                    rows=0, rate=0.0)
                while job.id in jobs.THREADS:
                    jobs.wait(job.id, 0.2)
                    now = jobs.PROGRESS.get(job.id)
                    if now is not None:
                        elapsed = bar.tasks[0].elapsed or 1e-9
                        bar.update(task, completed=now.read, rows=now.rows,
                                   rate=now.rows / elapsed,
                                   description=STAGES.get(now.stage))
                bar.update(task, completed=size)
            session.expire_all()
            report = jobs.get(session, principal.tenant_id, job.id)
        except PatronageError as exc:
            raise _fail(exc, as_json) from exc
        if report.status == "failed":
            raise _fail(PatronageError(report.message or "The import failed.", errors=[
                FieldError(f"/{e.get('column') or 'file'}", e["message"], "invalid")
                for e in report.errors or []]), as_json)
        summary = {"created": report.created, "updated": report.updated,
                   "unchanged": report.unchanged, "rejected": report.rejected,
                   "errors": report.errors or []}
        mapping_used = report.mapping or {}
    if as_json:
        json.dump(summary, sys.stdout)
        print()
        return
    verb = "Would create" if dry_run else "Created"
    err.print(f"{verb} {summary['created']:,}, updated {summary['updated']:,}, unchanged "
              f"{summary['unchanged']:,}, rejected {summary['rejected']:,} "
              f"({report.encoding}, '{report.delimiter}', {report.seconds or 0:.1f}s; "
              f"import #{report.id}).")
    if not dry_run and (summary["created"] or summary["updated"]):
        err.print(f"Check them for duplicates: patronage duplicates scan --tenant {tenant}")
    unmapped = [h for h, f in mapping_used.items() if f is None]
    if unmapped:
        err.print("Columns not imported: " + ", ".join(unmapped))
    for e in summary["errors"][:20]:
        err.print(f"  {e['message']}")
    if len(summary["errors"]) > 20:
        err.print(f"  … and {len(summary['errors']) - 20:,} more (use --json for all).")


def export_customers(
        tenant: Annotated[str, typer.Option(help="Workspace slug.")],
        query: Annotated[str, typer.Option(help=(
            "The directory's filters as a query string, e.g. 'state=CA&type=business'."))]
        = "",
        columns: Annotated[str, typer.Option(help=(
            "Column keys, comma-separated, or 'all' (every field: imports back whole)."))]
        = "all") -> None:
    """Write the customers of a view as CSV to standard output."""
    from urllib.parse import parse_qsl

    from pydantic import ValidationError

    from patronage.customers import export
    from patronage.customers.filters import ListParams, query_values
    from patronage.customers.tables import ALL_COLUMNS, COLUMNS

    chosen = list(ALL_COLUMNS) if columns == "all" else [c.strip() for c in columns.split(",")]
    unknown = [c for c in chosen if c not in COLUMNS]
    if unknown:
        err.print(f"[red]error:[/red] unknown column(s): {', '.join(unknown)}. "
                  f"Columns: {', '.join(COLUMNS)}.")
        raise typer.Exit(code=1)
    try:
        params = ListParams.model_validate(query_values(parse_qsl(query)))
    except ValidationError as exc:
        err.print(f"[red]error:[/red] {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
        raise typer.Exit(code=1) from None
    with session_scope() as session:
        try:
            workspace = tenancy.get_tenant(session, tenant)
            for chunk in export.rows(session, tenant_id=workspace.id,
                                     region=workspace.default_region,
                                     filters=params.filters(), sort=params.sort,
                                     columns=chosen):
                sys.stdout.write(chunk)
        except PatronageError as exc:
            raise _fail(exc, False) from exc
