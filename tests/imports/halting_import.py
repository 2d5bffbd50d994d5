"""`patronage import` that stops for good at a named stage, so that the crash test can kill
it exactly there (tests/imports/test_atomic.py). Not a test module: run it as

    python -m tests.imports.halting_import FILE WORKSPACE STAGE ROWS

It prints one line when it has halted (STAGE reached with at least ROWS rows done), then
waits to be killed.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from patronage.cli.main import app
from patronage.imports import service


def main(path: str, workspace: str, stage: str, rows: str) -> None:
    real_run = service.run

    def halting_run(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        def report(done: int, read: int, now: str) -> None:
            if progress is not None:
                progress(done, read, now)
            if now == stage and done >= int(rows):
                print(f"halted at {now} after {done} rows", flush=True)
                threading.Event().wait()  # until the test kills the process

        return real_run(*args, progress=report, **kwargs)

    service.run = halting_run  # jobs calls it through the module
    app(["import", path, "--tenant", workspace, "--json"])


if __name__ == "__main__":
    main(*sys.argv[1:])
