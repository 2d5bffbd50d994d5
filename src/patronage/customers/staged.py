"""New customers written set-based: each row built where its values are (an import's worker
processes) by the one writer's own rules (``writes.new_row``, ``writes.snapshot``), kept
aside, then written under the write lock by one ``INSERT … SELECT`` per table — customers,
their tags, their audit entries. Nothing here decides a value.

On SQLite each process keeps the rows it built in a scratch file of its own (``StageFile``,
beside the database), so the writing process never handles them one by one: it lists which
lines of the file become new customers, and copies those rows from the files when it
writes. On PostgreSQL the rows come back to the writing process and go into a temporary
table by COPY."""

from __future__ import annotations

import bisect
import os
import re
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Integer, Text, text

from patronage import beside_db
from patronage.customers.models import AuditEntry, Customer, CustomerTag
from patronage.customers.writes import Actor, new_ids, new_row, snapshot
from patronage.db import (
    attach,
    compact_json,
    copy_rows,
    sqlite_values,
    temporary_table,
)

_TABLE = Customer.__table__
COLUMNS = tuple(c.name for c in _TABLE.columns if c.name != "id")
STAGED = (*COLUMNS, "tags", "snapshot")  # a built row: every column but the id, and these


@cache
def _stored(sqlite: bool) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """COLUMNS' values of a row as the database takes them (PostgreSQL: as they are)."""
    if sqlite:
        return sqlite_values([_TABLE.c[name] for name in COLUMNS])
    return itemgetter(*COLUMNS)


def stage_stem(database_url: str) -> str:
    """Where one SQLite import's StageFiles go: ``<database>-stage-<pid>-<token>``, beside
    the database (a temporary folder for an in-memory one). Files that imports killed
    before they could delete them (their process is gone) are deleted first."""
    beside = beside_db.path(database_url, "stage")
    base = str(beside) if beside else str(Path(tempfile.gettempdir()) / "patronage-stage")
    folder, prefix = os.path.split(base)
    for left in Path(folder).glob(f"{prefix}-*.db"):
        found = re.match(rf"{re.escape(prefix)}-(\d+)-", left.name)
        if found and not beside_db.alive(int(found.group(1))):
            left.unlink(missing_ok=True)
    return f"{base}-{os.getpid()}-{uuid.uuid4().hex[:12]}"


class NewRows:
    """Builds new customers' rows for one writer (picklable: sent to worker processes);
    ``stem`` (SQLite): where the processes keep them (stage_stem)."""

    def __init__(self, tenant_id: int, now: datetime, stem: str | None) -> None:
        self.tenant, self.now, self.stem = tenant_id, now, stem

    def prepare(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        """The STAGED values of a new customer (as the database stores them)."""
        row = new_row(self.tenant, values, self.now)
        tags = values.get("tags") or []
        return (*_stored(self.stem is not None)(row), compact_json(tags) if tags else None,
                compact_json(snapshot(row, tags)))


class StageFile:
    """The rows one process built, by line of the file, in a scratch SQLite file of its own
    (no journal, no syncing: it lives only as long as the import)."""

    def __init__(self, stem: str) -> None:
        self.stem, self.path = stem, f"{stem}-{os.getpid()}.db"
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute(f"CREATE TABLE IF NOT EXISTS rows (line INTEGER PRIMARY KEY, "
                        f"{', '.join(STAGED)})")
        self.sql = (f"INSERT OR REPLACE INTO rows (line, {', '.join(STAGED)}) "
                    f"VALUES ({', '.join('?' for _ in range(len(STAGED) + 1))})")

    def add(self, rows: Sequence[tuple[Any, ...]]) -> None:
        """Rows of (line, *STAGED values)."""
        self.db.execute("BEGIN")
        self.db.executemany(self.sql, rows)
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()


class Staging:
    """The new customers of one writer, staged in file order with ``extra`` values for the
    caller (an import's fingerprint), then written, ids following that order.

    SQLite: the built rows are in StageFiles; a temporary table keeps each new customer's
    line (and extras). PostgreSQL: the built rows themselves, in a temporary table."""

    def __init__(self, conn: Connection, extra: Sequence[Column]) -> None:
        self.sqlite = conn.dialect.name == "sqlite"
        built = [Column(n, _TABLE.c[n].type) for n in COLUMNS] + [
            Column("tags", Text), Column("snapshot", Text)]
        self.table = temporary_table(
            conn, "staged_customers", Column("seq", Integer, primary_key=True),
            # SQLite: ids follow the sequence numbers (one writer); PostgreSQL draws them
            *([] if self.sqlite else [Column("id", Integer)]),
            Column("line", Integer, nullable=False), *([] if self.sqlite else built), *extra)
        self.names = [c.name for c in self.table.columns if c.name != "id"]
        self.count = 0
        self.first_id = 0
        # SQLite: which StageFile holds which lines (the first line of each chunk it built,
        # sorted), and the runs of sequence numbers whose rows are in one file.
        self.chunks: list[tuple[int, str]] = []
        self.runs: list[tuple[str, int, int]] = []
        self.aliases: dict[str, str] = {}

    def holds(self, first_line: int, path: str) -> None:
        """A StageFile holds the rows built from the chunk starting at ``first_line`` (up
        to the next chunk's first line)."""
        bisect.insort(self.chunks, (first_line, path))

    def add(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> int:
        """Stage new customers in file order: on SQLite (line, *extra), on PostgreSQL
        (line, *STAGED values, *extra). Returns the first one's sequence number."""
        first = self.count + 1
        if not rows:
            return first
        numbered = [(seq, *row) for seq, row in enumerate(rows, first)]
        self.count += len(rows)
        if not self.sqlite:
            copy_rows(conn, self.table.name, self.names, numbered)
            return first
        for seq, line, *_ in numbered:
            path = self.chunks[bisect.bisect_right(self.chunks, (line, "\uffff")) - 1][1]
            if self.runs and self.runs[-1][0] == path:
                self.runs[-1] = (path, self.runs[-1][1], seq)
            else:
                self.runs.append((path, seq, seq))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(f"INSERT INTO {self.table.name} ({', '.join(self.names)}) "
                           f"VALUES ({', '.join('?' for _ in self.names)})", numbered)
        return first

    def _sources(self) -> list[tuple[str, str, str]]:
        """(FROM, WHERE, the customer id) over the staged rows — ``s`` a built row, ``c``
        its staging entry — together covering every one, in sequence order."""
        staged = self.table.name
        if not self.sqlite:
            return [(f"{staged} AS s JOIN {staged} AS c ON c.seq = s.seq", "true", "s.id")]
        return [(f"{staged} AS c JOIN {self.aliases[path]}.rows AS s ON s.line = c.line",
                 f"c.seq BETWEEN {first} AND {last}", f"(c.seq + {self.first_id - 1})")
                for path, first, last in self.runs]

    def write(self, conn: Connection, actor: Actor) -> None:
        """Write every staged customer, its tags and its audit entry (under the write
        lock, which the caller holds); ids follow the sequence numbers."""
        if not self.count:
            return
        if self.sqlite:  # one writer: the ids after the current largest are free
            self.first_id = new_ids(conn, 1)[0]
            for path, _, _ in self.runs:
                if path not in self.aliases:
                    self.aliases[path] = attach(conn, path)
        else:
            conn.execute(text(f"UPDATE {self.table.name} SET id = nextval("
                              f"pg_get_serial_sequence('customers', 'id'))"))
        columns = ", ".join(COLUMNS)
        built = ", ".join(f"s.{c}" for c in COLUMNS)
        json_type = AuditEntry.__table__.c.new_value.type.compile(dialect=conn.dialect)
        snapshot_sql = "s.snapshot" if self.sqlite else f"CAST(s.snapshot AS {json_type})"
        tags = ("json_each(s.tags) AS j" if self.sqlite
                else "LATERAL json_array_elements_text(s.tags::json) AS j(value)")
        principal = actor.principal
        who = {"user": principal.user_id, "actor": principal.email, "source": actor.source}
        for source, where, ids in self._sources():
            conn.exec_driver_sql(f"INSERT INTO customers (id, {columns}) "
                                 f"SELECT {ids}, {built} FROM {source} WHERE {where} "
                                 f"ORDER BY c.seq")
            conn.exec_driver_sql(
                f"INSERT INTO {CustomerTag.__tablename__} (tenant_id, customer_id, tag) "
                f"SELECT s.tenant_id, {ids}, j.value FROM {source}, {tags} "
                f"WHERE {where} AND s.tags IS NOT NULL")
            conn.execute(text(
                f"INSERT INTO {AuditEntry.__tablename__} (tenant_id, customer_id, at, "
                f"user_id, actor, source, action, new_value) SELECT s.tenant_id, {ids}, "
                f"s.created_at, :user, :actor, :source, 'created', {snapshot_sql} "
                f"FROM {source} WHERE {where}"), who)

    def copy(self, conn: Connection, table: str, columns: Mapping[str, str],
             condition: str = "true") -> None:
        """After ``write``: one more row per staged customer into ``table``, ``columns``
        mapping each of its columns to SQL over ``s``, ``c`` and ``{id}`` (the customer's
        id)."""
        names = ", ".join(columns)
        for source, where, ids in self._sources():
            values = ", ".join(sql.format(id=ids) for sql in columns.values())
            conn.exec_driver_sql(f"INSERT INTO {table} ({names}) SELECT {values} "
                                 f"FROM {source} WHERE {where} AND {condition}")

    def ids(self, conn: Connection, seqs: Sequence[int]) -> dict[int, int]:
        """The customer id each staged sequence number was written as."""
        if self.sqlite:
            return {seq: seq + self.first_id - 1 for seq in seqs}
        wanted = sorted(set(seqs))
        return dict(conn.execute(text(f"SELECT seq, id FROM {self.table.name} "
                                      f"WHERE seq = ANY(:seqs)"), {"seqs": wanted}).all())

    def drop(self, conn: Connection) -> None:
        self.table.drop(conn, checkfirst=True)


def forget(stem: str | None) -> None:
    """Delete one import's StageFiles (after its commit or failure; a file still attached
    to a connection goes when that lets it go)."""
    if stem is None:
        return
    folder, prefix = os.path.split(stem)
    for path in Path(folder or ".").glob(f"{prefix}-*.db"):
        path.unlink(missing_ok=True)
