"""`patronage demo`: a workspace with realistic sample data."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from patronage.cli.console import err
from patronage.db import session_scope
from patronage.demo import seed as demo_seed
from patronage.settings import get_settings


def demo(customers: Annotated[int, typer.Option(min=0, max=10_000_000,
                                                 help="How many customers the demo tenant "
                                                      "should hold.")] = 500) -> None:
    """Create (or top up) the `demo` workspace; safe to run again."""
    started = time.perf_counter()
    with session_scope() as session, Progress(
            TextColumn("Seeding customers"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=err, transient=True) as bar:
        task = bar.add_task("seed", total=None, rate="")

        def advance(n: int) -> None:
            done = bar.tasks[0].completed + n
            rate = done / max(time.perf_counter() - started, 1e-6)
            bar.update(task, advance=n, rate=f"{rate:,.0f}/s")

        def start(total: int) -> None:
            bar.update(task, total=total)

        result = demo_seed.seed(session, customers=customers, progress=advance,
                                on_start=start)
    elapsed = time.perf_counter() - started
    err.print(f"Demo workspace [bold]{demo_seed.DEMO_SLUG}[/bold]: {result.total:,} customers "
              f"({result.created:,} added in {elapsed:.1f}s).")
    settings = get_settings()
    err.print(f"Sign in at [bold]http://{settings.host}:{settings.port}/login[/bold]")
    err.print(f"  workspace: {demo_seed.DEMO_SLUG}")
    err.print(f"  email:     {result.admin_email}")
    if result.admin_password:
        err.print(f"  password:  [bold]{result.admin_password}[/bold]  (shown once; keep it)")
    else:
        err.print("  password:  set when the demo was first created "
                  "(new one: patronage user password --tenant demo --email admin@demo.example)")
