"""An import is one transaction: killed mid-commit, it leaves none of its rows behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from patronage.cli.main import app
from patronage.imports import jobs

ROWS = 12_000


@pytest.mark.parametrize(("stage", "after"), [("reading", 5_000), ("finishing", ROWS)],
                         ids=["amid the rows", "before the index and commit"])
def test_a_killed_import_leaves_nothing_and_runs_again(client, factory, session, tmp_path,
                                                        stage, after):
    t = factory.tenant()
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write("Company,License #,City\n")
        f.writelines(f"Co {i},KILL-{i:06d},Oakland\n" for i in range(ROWS))
    proc = subprocess.Popen([sys.executable, "-m", "tests.imports.halting_import", str(path),
                             t.slug, stage, str(after)], env=os.environ,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    halted = proc.stdout.readline()  # blocks until the import stops at the stage
    assert halted.startswith(f"halted at {stage} after "), proc.communicate()[1][-2000:]
    assert int(halted.split()[4]) >= after
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == 0
    (job,) = jobs.history(session, t.id)  # the interrupted run is in the history, failed
    assert (job.status, job.created) == ("failed", 0)
    assert "interrupted" in job.message
    again = CliRunner().invoke(app, ["import", str(path), "--tenant", t.slug, "--json"])
    assert again.exit_code == 0, again.output
    body = json.loads(again.stdout)
    assert (body["created"], body["unchanged"], body["rejected"]) == (ROWS, 0, 0)
    assert client.get("/api/v1/customers", headers=t.headers).json()["total"] == ROWS
