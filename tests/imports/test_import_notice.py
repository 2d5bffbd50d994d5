"""While an import holds SQLite's write lock (only to write what it decided), a notice
beside the database says so: other processes' staff edits are refused at once with a
message that says an import is finishing (503, Retry-After), never kept waiting for the
whole lock timeout; a notice left by a killed import is ignored."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess

import pytest

from patronage import beside_db, write_notice
from patronage.settings import get_settings
from tests.imports.test_import import run


@pytest.fixture
def sqlite_url():  # type: ignore[no-untyped-def]
    url = get_settings().database_url
    if not url.startswith("sqlite"):
        pytest.skip("SQLite's one writer")
    return url


def test_an_import_posts_the_notice_while_it_writes_and_takes_it_down(factory, session,
                                                                      sqlite_url):
    t = factory.tenant()
    seen = []

    def progress(rows: int, read: int, stage: str) -> None:
        seen.append((stage, write_notice.current(sqlite_url)))

    run(factory, session, t, "Company,License Number\r\nNotice Co,NOTE-1\r\n",
        progress=progress)
    # Reading and waiting for the lock: no notice (others write meanwhile); writing: one.
    assert [stage for stage, _ in seen] == ["reading", "waiting", "finishing"]
    assert [n is not None and n["pid"] == os.getpid() for _, n in seen] == [
        False, False, True]
    assert write_notice.current(sqlite_url) is None
    with pytest.raises(Exception):  # noqa: B017, PT011 - any failure: the notice goes too
        run(factory, session, t, "Company,License Number\r\n", progress=progress)
    assert write_notice.current(sqlite_url) is None


def test_a_staff_edit_while_another_process_imports_is_refused_at_once(
        client, factory, sqlite_url, monkeypatch):
    t = factory.tenant()
    customer = factory.customer(t)
    monkeypatch.setattr(get_settings(), "write_lock_timeout", 60.0)  # would wait a minute
    monkeypatch.setattr(get_settings(), "event_queue_after", 0.2)
    importer = subprocess.Popen(["sleep", "60"])  # a live process of this machine
    path = beside_db.path(sqlite_url, "import")
    other = sqlite3.connect(sqlite_url.split("///", 1)[1], isolation_level=None)
    try:
        path.write_text(json.dumps({"pid": importer.pid, "what": "a spreadsheet import"}))
        other.execute("BEGIN IMMEDIATE")  # that process holds the write lock
        response = client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "Reno"},
                                headers={**t.headers, "If-Match": "*"})
    finally:
        other.execute("ROLLBACK")
        other.close()
        path.unlink(missing_ok=True)
        importer.kill()
        importer.wait()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "30"
    assert "An import is finishing" in response.json()["detail"]
    assert "spreadsheet" not in response.text  # nothing of another workspace's work
    again = client.patch(f"/api/v1/customers/{customer['id']}", json={"city": "Reno"},
                         headers={**t.headers, "If-Match": "*"})
    assert again.status_code == 200


def test_a_notice_left_by_a_killed_import_is_ignored(sqlite_url):
    gone = subprocess.Popen(["true"])
    gone.wait()
    path = beside_db.path(sqlite_url, "import")
    try:
        path.write_text(json.dumps({"pid": gone.pid, "what": "a spreadsheet import"}))
        assert write_notice.current(sqlite_url) is None
    finally:
        path.unlink(missing_ok=True)
