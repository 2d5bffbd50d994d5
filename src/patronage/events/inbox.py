"""The events inbox: on SQLite, events that arrive while another writer (a large import
committing) holds the database are kept here, answered 202, and recorded in order as soon
as the database is free — never refused, never lost.

The inbox is its own SQLite file beside the database (``<database>-inbox``), written with
``synchronous=FULL``: an event answered 202 survives a kill -9 of the server. Every server
process drains it (``drain``, run by ``applier``), oldest first; an event without an
idempotency key gets one made from the inbox's own id, so an event recorded once is never
recorded twice, whoever drains it and however often. Sending a queued event's key again
answers 202 with the same queue id while it waits, and the recorded result once it is in.
PostgreSQL needs none of this (row locks: an import never holds the whole database).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from patronage import beside_db
from patronage.settings import get_settings

SCHEMA = """
CREATE TABLE IF NOT EXISTS inbox_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queued (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant_id INTEGER NOT NULL,
  user_id INTEGER NOT NULL,
  source TEXT NOT NULL,
  idempotency_key TEXT,
  fingerprint TEXT NOT NULL,
  body TEXT NOT NULL,
  received_at TEXT NOT NULL,
  claimed_until TEXT,
  claimed_by INTEGER,
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'recorded', 'refused')),
  status_code INTEGER,
  answer TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS uq_queued_tenant_key ON queued (tenant_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_queued_tenant_status ON queued (tenant_id, status, id);
CREATE INDEX IF NOT EXISTS ix_queued_status ON queued (status, id);
"""
CLAIM = timedelta(seconds=60)  # a drainer lets go of its events after this (or when its
# process is gone: a kill -9 leaves nothing stuck)
KEPT = timedelta(days=7)  # answered entries are kept this long (a repeat's answer)


class Kept(NamedTuple):
    """An entry found by its key."""

    id: int
    fingerprint: str
    status: str  # queued | recorded | refused
    status_code: int | None
    answer: str | None


@dataclass(frozen=True)
class Entry:
    id: int
    tenant_id: int
    user_id: int
    source: str
    key: str | None
    fingerprint: str
    body: dict[str, Any]


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Inbox:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, timeout=30, isolation_level=None,
                                     check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # a 202 is a promise: on disk first
        with self._lock:
            self._conn.executescript(SCHEMA)
            self._conn.execute("INSERT OR IGNORE INTO inbox_meta VALUES ('id', ?)",
                               (uuid.uuid4().hex[:12],))
            self.name = self._conn.execute(
                "SELECT value FROM inbox_meta WHERE key = 'id'").fetchone()[0]
        self.arrived = threading.Event()  # wakes this process's applier

    def waiting(self, tenant_id: int) -> bool:
        with self._lock:
            return self._conn.execute(
                "SELECT 1 FROM queued WHERE tenant_id = ? AND status = 'queued' LIMIT 1",
                (tenant_id,)).fetchone() is not None

    def find(self, tenant_id: int, key: str) -> Kept | None:
        """A queued or answered entry with this key."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, fingerprint, status, status_code, answer FROM queued "
                "WHERE tenant_id = ? AND idempotency_key = ?", (tenant_id, key)).fetchone()
        return Kept(*row) if row is not None else None

    def put(self, tenant_id: int, user_id: int, source: str,
            events: list[tuple[str | None, str, dict[str, Any]]]) -> list[int]:
        """Keep events (key, fingerprint, body) in this order; their queue ids. A key
        already queued answers its entry's id (the caller checked the fingerprint)."""
        ids = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for key, fingerprint, body in events:
                    row = self._conn.execute(
                        "SELECT id FROM queued WHERE tenant_id = ? AND idempotency_key = ?",
                        (tenant_id, key)).fetchone() if key else None
                    if row is None:
                        row = (self._conn.execute(
                            "INSERT INTO queued (tenant_id, user_id, source, idempotency_key, "
                            "fingerprint, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (tenant_id, user_id, source, key, fingerprint,
                             json.dumps(body, separators=(",", ":")), _now())).lastrowid,)
                    ids.append(row[0])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        self.arrived.set()
        return ids

    def claim(self, limit: int = 1000) -> list[Entry]:
        """The oldest waiting events of one workspace, member and channel, in order, held
        for this drainer for a while."""
        now = datetime.now(UTC)
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                head = self._conn.execute(
                    "SELECT tenant_id, user_id, source FROM queued WHERE status = 'queued' "
                    "ORDER BY id LIMIT 1").fetchone()
                rows = [] if head is None else self._conn.execute(
                    "SELECT id, tenant_id, user_id, source, idempotency_key, fingerprint, body, "
                    "claimed_until, claimed_by FROM queued WHERE tenant_id = ? "
                    "AND status = 'queued' ORDER BY id LIMIT ?", (head[0], limit)).fetchall()
                taken = []
                for r in rows:
                    if (r[2], r[3]) != (head[1], head[2]):
                        break  # another member's or channel's events: the next round
                    if r[7] is not None and r[7] > now.isoformat() and beside_db.alive(r[8]):
                        break  # another drainer has these: wait for it
                    taken.append(Entry(r[0], r[1], r[2], r[3], r[4], r[5], json.loads(r[6])))
                if taken:
                    self._conn.executemany(
                        "UPDATE queued SET claimed_until = ?, claimed_by = ? WHERE id = ?",
                        [((now + CLAIM).isoformat(), os.getpid(), e.id) for e in taken])
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return taken

    def release(self, entries: list[Entry]) -> None:
        """Could not record them now (the database is still busy): back in line."""
        with self._lock:
            self._conn.executemany("UPDATE queued SET claimed_until = NULL, claimed_by = NULL "
                                   "WHERE id = ?",
                                   [(e.id,) for e in entries])

    def answer(self, answers: list[tuple[Entry, int, dict[str, Any]]]) -> None:
        """Recorded (or refused, with its problem): the entries keep their answers a while,
        for a repeat of their key."""
        cutoff = (datetime.now(UTC) - KEPT).isoformat()
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany(
                "UPDATE queued SET status = ?, status_code = ?, answer = ?, "
                "claimed_until = NULL WHERE id = ?",
                [("recorded" if code < 400 else "refused", code, json.dumps(body), e.id)
                 for e, code, body in answers])
            self._conn.execute("DELETE FROM queued WHERE status <> 'queued' AND "
                               "received_at < ?", (cutoff,))
            self._conn.execute("COMMIT")

    def key_for(self, entry: Entry) -> str:
        """The idempotency key an entry is recorded under (its own, else made from ours)."""
        return entry.key or f"inbox-{self.name}-{entry.id}"


_inbox: Inbox | None = None
_made = threading.Lock()


def get() -> Inbox | None:
    """This process's inbox (None on PostgreSQL)."""
    global _inbox
    if _inbox is None:
        path = beside_db.path(get_settings().database_url, "inbox")
        if path is None:
            return None
        with _made:
            if _inbox is None:
                _inbox = Inbox(path)
    return _inbox
