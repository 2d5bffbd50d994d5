"""On SQLite, the rows an import builds wait in scratch files beside the database (one per
converting process, customers.staged.StageFile): none is left behind, whatever the end."""

from __future__ import annotations

import glob
import io
import os
import subprocess
import sys
import threading

import pytest

from patronage import beside_db
from patronage.customers import staged
from patronage.customers.writes import Actor
from patronage.db import session_scope
from patronage.errors import ValidationFailed
from patronage.imports import pipeline, service
from patronage.settings import get_settings
from patronage.tenancy import service as tenancy
from tests.imports.test_import import listed, run


@pytest.fixture
def stem(session) -> str:
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps the built rows in a temporary table")
    return str(beside_db.path(get_settings().database_url, "stage"))


def files(stem: str) -> list[str]:
    return glob.glob(f"{stem}-*.db")


def test_a_commit_leaves_no_scratch_file(client, factory, session, stem, monkeypatch):
    t = factory.tenant()
    made = []
    real = staged.StageFile.__init__

    def spy(self, *args):
        real(self, *args)
        made.append(self.path)
    monkeypatch.setattr(staged.StageFile, "__init__", spy)
    report = run(factory, session, t, "Company,License #\nA Co,A-1\nB Co,B-1\n")
    assert report.created == 2 and len(made) == 1  # the rows were staged in a file...
    assert not os.path.exists(made[0]) and files(stem) == []  # ...deleted after the commit
    assert {c["company_name"] for c in listed(client, t)["items"]} == {"A Co", "B Co"}


def test_a_failed_commit_leaves_no_scratch_file(factory, session, stem, monkeypatch):
    t = factory.tenant()

    def refuse(self):
        raise RuntimeError("the disk is full")
    monkeypatch.setattr(service._Run, "write", refuse)
    with pytest.raises(RuntimeError):
        run(factory, session, t, "Company,License #\nA Co,A-1\n")
    assert files(stem) == []
    with pytest.raises(ValidationFailed):  # refused after reading: nothing left either
        run(factory, session, t, "Company,License #\n")
    assert files(stem) == []


def test_files_of_a_killed_import_go_when_the_next_one_starts(factory, session, stem):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead = f"{stem}-{gone.stdout.strip()}-abc123-1.db"
    alive = f"{stem}-{os.getppid()}-abc123-1.db"  # a running process's import: kept
    for path in (dead, alive):
        open(path, "wb").close()
    try:
        t = factory.tenant()
        assert run(factory, session, t, "Company,License #\nA Co,A-1\n").created == 1
        assert not os.path.exists(dead) and os.path.exists(alive)
    finally:
        for path in (dead, alive):
            if os.path.exists(path):
                os.unlink(path)


def test_two_imports_at_once_each_keep_their_own_rows(client, factory, stem):
    """A server runs each upload's import in a thread: two at once read side by side, each
    building into its own scratch file, then write in turn."""
    a, b = factory.tenant(), factory.tenant()
    rows = pipeline.CHUNK + 10  # two chunks each: both mid-file at the barrier
    both_reading = threading.Barrier(2, timeout=60)
    reports, failures = {}, []

    def one(t, name: str) -> None:
        def progress(done: int, read: int, stage: str) -> None:
            if stage == "reading" and done <= pipeline.CHUNK:
                both_reading.wait()
        sheet = "Company,License #\n" + "".join(
            f"{name} {i},{name}-{i}\n" for i in range(rows))
        try:
            with session_scope() as session:
                who = Actor(tenancy.authenticate_token(session, t.token), "import")
                reports[name] = service.run(session, who, io.BytesIO(sheet.encode()),
                                            dry_run=False, progress=progress)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
            both_reading.abort()
    threads = [threading.Thread(target=one, args=(t, n)) for t, n in ((a, "A"), (b, "B"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert (reports["A"].created, reports["B"].created) == (rows, rows)
    for t, name in ((a, "A"), (b, "B")):
        page = listed(client, t, limit=1)
        assert page["total"] == rows and page["items"][0]["company_name"].startswith(name)
    assert files(stem) == []
