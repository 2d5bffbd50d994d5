"""On SQLite, the rows an import builds wait in scratch files beside the database (one per
converting process, customers.staged.StageFile): none is left behind, whatever the end."""

from __future__ import annotations

import glob
import os
import subprocess
import sys

import pytest

from patronage import beside_db
from patronage.customers import staged
from patronage.errors import ValidationFailed
from patronage.imports import service
from patronage.settings import get_settings
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
