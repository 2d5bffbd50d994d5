"""What a pass over an import's file decided, kept in temporary tables of its connection
until it is written: the customers it read (with the version it saw), the changes to make to
them, and the fingerprints to keep. The pass runs without the write lock (reading,
converting, validating and matching take most of an import's time); under the lock,
``still_current`` says whether anything it decided on has changed since — if not, the
decisions are written as they are, in a few set-based statements."""

from __future__ import annotations

import pickle
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    LargeBinary,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from patronage.customers import matching
from patronage.customers.models import Customer
from patronage.customers.writes import Writer
from patronage.db import insert_plain, temporary_table
from patronage.imports.claims import Seen, claim_key
from patronage.imports.models import ImportFingerprint

_KEPT = ("digest", "version", "order_count", "total_spent_cents", "match_rule", "match_key")
_KEY_COLUMNS = [Customer.__table__.c[n] for n in (
    "id", "type", "license_key", "external_id", "email", "phone")]


class Decided:
    def __init__(self, conn: Connection) -> None:
        self.read = temporary_table(conn, "import_read", Column("id", Integer, primary_key=True),
                               Column("version", Integer, nullable=False))
        self.updates = temporary_table(conn, "import_updates",
                                  Column("chunk", Integer, primary_key=True),
                                  Column("edits", LargeBinary, nullable=False))
        f = ImportFingerprint.__table__
        self.prints = temporary_table(conn, "import_prints",
                                 *(Column(c.name, c.type) for c in f.columns))
        self.chunks = 0

    def add(self, conn: Connection, read: dict[int, int],
            updates: list[tuple[dict[str, Any], dict[str, Any]]],
            prints: list[dict[str, Any]]) -> None:
        """One chunk's decisions: the customers it read (id -> version), the changes to
        them (as Writer.update takes them), the fingerprints of their rows."""
        insert_plain(conn, self.read, sorted(read.items()))
        if updates:
            self.chunks += 1
            insert_plain(conn, self.updates, [(self.chunks, pickle.dumps(updates))])
        names = [c.name for c in self.prints.columns]
        insert_plain(conn, self.prints, [tuple(p[n] for n in names) for p in prints])

    def still_current(self, conn: Connection, tenant_id: int, known_ids: int,
                      seen: Seen) -> bool:
        """Under the write lock: no customer the pass read has changed or gone since, and
        no customer made since holds a key a row of the file claimed (that row would have
        matched it)."""
        c = Customer.__table__.c
        r = self.read.c
        moved = conn.scalar(
            select(func.count()).select_from(self.read.outerjoin(Customer.__table__, (
                c.tenant_id == tenant_id) & (c.id == r.id)))
            .where((c.id.is_(None)) | (c.version != r.version)))
        if moved:
            return False
        made = conn.execute(select(*_KEY_COLUMNS).where(c.tenant_id == tenant_id,
                                                        c.id > known_ids)).mappings().all()
        claims = [claim_key(key, None) or "" for row in made for key in matching.keys(row)]
        for start in range(0, len(claims), 1_000):
            if seen.lines(claims[start:start + 1_000]):
                return False
        return True

    def write(self, session: Session, writer: Writer) -> None:
        """The changes to existing customers (each refused, Stale, if its customer moved
        on since), then the fingerprints."""
        conn = session.connection()
        for (blob,) in conn.execute(select(self.updates.c.edits)
                                    .order_by(self.updates.c.chunk)):
            writer.update(pickle.loads(blob), check_version=True)
        # One fingerprint a customer (each customer is claimed by one line of a file).
        names = ", ".join(c.name for c in self.prints.columns)
        kept = ", ".join(f"{n} = excluded.{n}" for n in _KEPT)
        conn.execute(text(f"INSERT INTO {ImportFingerprint.__tablename__} ({names}) "
                          f"SELECT {names} FROM {self.prints.name} WHERE true "
                          f"ON CONFLICT (tenant_id, customer_id) DO UPDATE SET {kept}"))

    def drop(self, conn: Connection) -> None:
        for table in (self.read, self.updates, self.prints):
            table.drop(conn, checkfirst=True)

