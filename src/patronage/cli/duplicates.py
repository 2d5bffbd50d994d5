"""`patronage duplicates scan --tenant SLUG`: find a workspace's likely duplicates, with a
progress bar; `patronage duplicates list`: the pairs found, highest score first."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from patronage.cli.acting import acting
from patronage.cli.console import err
from patronage.db import session_scope
from patronage.duplicates import scans, service
from patronage.errors import PatronageError
from patronage.tenancy import service as tenancy

app = typer.Typer(help="Likely duplicate customers: scan a workspace, list the pairs.",
                  no_args_is_help=True)
STAGES = {"reading": "Reading customers", "comparing": "Comparing customers sharing a key",
          "saving": "Saving the list"}


@app.command("scan")
def scan(tenant: Annotated[str, typer.Option(help="Workspace slug.")],
         as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
         = False,
         user: Annotated[str | None, typer.Option(
             "--as", help="Team member the scan is recorded for (default: the first "
                          "admin).")] = None) -> None:
    """Scan the whole workspace for likely duplicates and replace its list."""
    with session_scope() as session:
        try:
            principal = acting(session, tenant, user)
            job = scans.start(session, principal)
        except PatronageError as exc:
            err.print(f"[red]error:[/red] {exc.detail}")
            raise typer.Exit(code=1) from exc
        columns = [TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.fields[customers]:,} customers"), TimeElapsedColumn()]
        with Progress(*columns, console=err, disable=as_json) as bar:
            task = bar.add_task(STAGES["reading"], total=None, customers=0)
            while job.id in scans.THREADS:
                scans.wait(job.id, 0.2)
                now = scans.PROGRESS.get(job.id)
                if now is not None:
                    bar.update(task, description=STAGES[now.stage], customers=now.customers,
                               total=now.pairs if now.stage == "comparing" else None,
                               completed=now.compared)
        session.expire_all()
        done = scans.get(session, principal.tenant_id, job.id)
        seconds = (done.finished_at - done.started_at).total_seconds() \
            if done.finished_at else 0.0
    if done.status != "done":
        err.print(f"[red]error:[/red] {done.message}")
        raise typer.Exit(code=1)
    if as_json:
        print(json.dumps({"customers": done.customers, "compared": done.compared,
                          "found": done.found, "seconds": round(seconds, 2)}))
        return
    err.print(f"Compared {done.compared or 0:,} pairs of {done.customers or 0:,} customers: "
              f"{done.found or 0:,} likely duplicates ({seconds:.1f} s).")


@app.command("list")
def list_pairs(tenant: Annotated[str, typer.Option(help="Workspace slug.")],
               limit: Annotated[int, typer.Option(min=1, max=200)] = 50) -> None:
    """The likely duplicates the last scan found, highest score first."""
    with session_scope() as session:
        try:
            workspace = tenancy.get_tenant(session, tenant)
        except PatronageError as exc:
            err.print(f"[red]error:[/red] {exc.detail}")
            raise typer.Exit(code=1) from exc
        found, _ = service.page(session, workspace.id, limit, None)
        if not found:
            err.print("No likely duplicates listed (run `patronage duplicates scan`).")
        for pair in found:
            print(f"#{pair.low_id} #{pair.high_id}  {pair.score:.0%}  "
                  f"{'; '.join(pair.reasons)}")
