"""Who claimed what in an import: each matching key and each external id goes to the first
line that names it, across every chunk of the file, so a later line naming the same
customer (or giving another customer the same external id) is refused with that line."""

from __future__ import annotations

from sqlalchemy import Column, Connection, Integer, String, select
from sqlalchemy.orm import Session

from patronage.customers import rules
from patronage.customers.writes import Holder, holders
from patronage.db import ListParam, PlainQuery, insert_plain, temporary_table
from patronage.imports import pipeline
from patronage.imports.rows import Row


class Seen:
    """Who claimed what in this file: a matching key (or ``#id`` of an existing customer)
    -> the first line that named it. Kept in a temporary table: a million keys as a
    Python dict would cost ~100 MB."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.table = temporary_table(
            conn, "import_seen", Column("key", String, primary_key=True),
            Column("line", Integer, nullable=False), postgresql_on_commit="DROP",
            sqlite_with_rowid=False)
        self.keys = ListParam("k", pipeline.CHUNK, "")  # "" is nobody's key
        c = self.table.c
        self.plan = PlainQuery(conn, select(c.key, c.line).where(c.key.in_(self.keys.binds())))

    def lines(self, keys: list[str]) -> dict[str, int]:
        """The first line of each key some earlier chunk claimed (at most CHUNK keys)."""
        return dict(self.plan.rows(self.conn, self.keys.values(keys))) if keys else {}

    def add(self, claimed: dict[str, int]) -> None:
        insert_plain(self.conn, self.table, list(claimed.items()))


def claim_key(identity: tuple[str, str] | None, customer_id: int | None) -> str | None:
    if customer_id is not None:
        return f"#{customer_id}"
    return f"{identity[0]}:{identity[1]}" if identity else None


def duplicate(first: int, key: str) -> str:
    if key.startswith("#"):
        return f"is a duplicate of line {first} (both are customer #{key[1:]})"
    rule = key.split(":", 1)[0].replace("_", " ")
    return f"is a duplicate of line {first} (same {rule})"


class ExternalIds:
    """External ids are unique in a workspace: a row may not give its customer one that
    another customer holds, or that an earlier line gave to another (the API's 409, the
    events' refusal), so the dry run refuses what the commit could not write."""

    def __init__(self, session: Session, tenant_id: int, header: str, seen: Seen,
                 rows: list[Row]) -> None:
        self.header = header
        wanted = sorted({row.values["external_id"] for row in rows
                         if row.values.get("external_id")})
        self.holders: dict[str, Holder] = {}
        self.earlier: dict[str, int] = {}
        if not wanted:
            return
        self.holders = holders(session, tenant_id, {"external_id": wanted})["external_id"]
        self.earlier = {k.removeprefix("ext:"): line for k, line in
                        seen.lines([f"ext:{e}" for e in wanted]).items()}

    def conflict(self, row: Row, customer_id: int | None,
                 claimed: dict[str, int]) -> str | None:
        """Why ``row`` may not carry its external id (None when it may); claims it."""
        ext = row.values.get("external_id")
        if not ext:
            return None
        holder = self.holders.get(ext)
        if holder is not None and holder.id != customer_id:
            return rules.held_by("external_id", ext, holder.id, holder.name)
        first = self.earlier.get(ext) or claimed.get(f"ext:{ext}")
        if first is not None and holder is None:
            return f"external id {ext} is already given to another customer on line {first}"
        claimed[f"ext:{ext}"] = row.line
        return None
