"""An import is one transaction: killed mid-commit, it leaves none of its rows behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from typer.testing import CliRunner

from patronage.cli.main import app
from patronage.imports import jobs

ROWS = 30_000


def test_a_killed_import_leaves_nothing_and_runs_again(client, factory, session, tmp_path):
    t = factory.tenant()
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write("Company,License #,City\n")
        f.writelines(f"Co {i},KILL-{i:06d},Oakland\n" for i in range(ROWS))
    proc = subprocess.Popen([sys.executable, "-m", "patronage.cli", "import", str(path),
                             "--tenant", t.slug, "--json"], env=os.environ,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    time.sleep(2.0)  # well into the rows (the whole import takes several seconds)
    finished = proc.poll() is not None
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    total = client.get("/api/v1/customers", headers=t.headers).json()["total"]
    assert total == (ROWS if finished else 0)  # all of it or none of it
    (job,) = jobs.history(session, t.id)  # the interrupted run is in the history, failed
    assert job.status == ("done" if finished else "failed")
    if not finished:
        assert "interrupted" in job.message
    again = CliRunner().invoke(app, ["import", str(path), "--tenant", t.slug, "--json"])
    assert again.exit_code == 0, again.output
    body = json.loads(again.stdout)
    assert body["created"] + body["unchanged"] == ROWS and body["rejected"] == 0
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == ROWS
