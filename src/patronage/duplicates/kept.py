"""Likely duplicates kept current as customers are written by staff: the customers that
share a blocking key with the one written are found through the customers table's own
indexes (so whoever wrote them — an event, an import — they are found at once), scored,
and its pairs replaced, in the writing transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, delete, func, insert, or_, select
from sqlalchemy.dialects import postgresql

from patronage.customers import matching
from patronage.customers.models import Customer
from patronage.customers.schemas import PossibleDuplicate
from patronage.db import utcnow
from patronage.duplicates.likeness import (
    MAX_BLOCK,
    THRESHOLD,
    Likeness,
    Profile,
    likeness,
    mailbox,
    profile,
)
from patronage.duplicates.models import DuplicatePair
from patronage.duplicates.names import company_spellings, person_spellings
from patronage.duplicates.service import profiles_of, still_dismissed, values_of
from patronage.types import email_key

# Customers of one zip read for its street numbers: a dense zip costs a check no more.
ZIP_ROWS = 150


@dataclass(frozen=True, slots=True)
class Candidate:
    """A customer that may be the same as the one checked."""

    id: int
    likeness: Likeness


def possible(found: Iterable[Candidate]) -> list[PossibleDuplicate]:
    """Candidates as the API and the admin show them."""
    return [PossibleDuplicate(id=c.id, score=c.likeness.score, reasons=list(c.likeness.reasons))
            for c in found]


def _lookups(values: dict[str, Any], p: Profile, tenant_id: int, dialect: str
             ) -> Iterable[Select[Any]]:
    """The index reads that find the customers sharing a blocking key with ``p`` (of
    ``values``, its fields as stored): its identifying keys; its name as it may be stored
    (legal forms, nicknames, either order); its zip and street number; its mailbox at
    another domain. Each a B-tree read of at most MAX_BLOCK + 1 entries (the zip one
    reads up to ZIP_ROWS rows of the zip)."""
    for rule, key in (("license_number", p.license), ("external_id", p.external_id),
                      ("email", email_key(p.email) if p.email else None),
                      ("phone", p.phone)):
        if key:
            yield matching.probe(rule, tenant_id, [key]).with_only_columns(Customer.id)
    spellings = set()
    if values.get("company_name"):
        spellings |= company_spellings(values["company_name"])
    if values.get("last_name"):
        spellings |= person_spellings(values.get("first_name") or "", values["last_name"])
    if spellings:  # read off the name index alone: a common name (> MAX_BLOCK) is skipped
        yield _ids(tenant_id, Customer.sort_name.in_(sorted(spellings)))
    if p.zip5 and p.zip5.isdigit() and p.street[:1].isdigit():
        number = p.street.split(" ", 1)[0]
        in_zip = (select(Customer.id, Customer.address1)
                  .where(Customer.tenant_id == tenant_id, *_zip_codes(p.zip5, dialect))
                  .order_by(Customer.zip, Customer.id).limit(ZIP_ROWS).subquery())
        yield select(in_zip.c.id).where(func.lower(in_zip.c.address1).like(f"{number} %"))
    if p.email and mailbox(p.email) and dialect == "sqlite":
        # The same local part at another domain: a range of the email index, which
        # SQLite compares byte by byte (a PostgreSQL collation may not: left to scans).
        local = p.email.split("@", 1)[0]
        lowered = func.lower(Customer.email)
        yield _ids(tenant_id, lowered > f"{local}@", lowered < f"{local}@\U0010ffff")


def _zip_codes(zip5: str, dialect: str) -> tuple[ColumnElement[bool], ...]:
    """A five-digit zip as the zip index reads it: with its ZIP+4 forms on SQLite (a range,
    byte order); the five digits alone on PostgreSQL, whose collation may not order a
    range so (ZIP+4 records are left to scans there)."""
    if dialect == "sqlite":
        return Customer.zip >= zip5, Customer.zip < zip5 + "\U0010ffff"
    return (Customer.zip == zip5,)


def _ids(tenant_id: int, *where: ColumnElement[bool]) -> Select[Any]:
    return select(Customer.id).where(Customer.tenant_id == tenant_id, *where)


def sharing(conn: Connection, tenant_id: int, values: dict[str, Any], p: Profile) -> set[int]:
    """The customers sharing a blocking key with the customer of ``values`` (``p``: its
    profile; a key held by more than MAX_BLOCK brings none, as in a scan), that customer
    itself left out."""
    found: set[int] = set()
    for lookup in _lookups(values, p, tenant_id, conn.dialect.name):
        ids = conn.scalars(lookup.limit(MAX_BLOCK + 1)).all()
        if len(ids) <= MAX_BLOCK:
            found.update(ids)
    found.discard(p.id)
    return found


def _scored(p: Profile, others: Iterable[Profile]) -> list[tuple[Profile, Likeness]]:
    """Each other customer with its likeness to ``p`` (scored lower id first, as a scan
    does), likely duplicates only, most likely first."""
    scored = [(o, likeness(o, p) if o.id < p.id else likeness(p, o)) for o in others]
    kept = [(o, found) for o, found in scored if found.score >= THRESHOLD]
    return sorted(kept, key=lambda item: (-item[1].score, item[0].id))


def check(conn: Connection, tenant_id: int, values: dict, exclude_id: int | None = None
          ) -> list[Candidate]:
    """The likely duplicates of a customer about to be saved (``values``: its fields as
    stored; ``exclude_id``: the customer itself, when editing)."""
    values = {**values, "id": exclude_id or 0}
    draft = profile(values)
    others = profiles_of(conn, tenant_id, sharing(conn, tenant_id, values, draft))
    return [Candidate(o.id, found) for o, found in _scored(draft, others)]


def refresh(conn: Connection, tenant_id: int, ids: Sequence[int]) -> dict[int, list[Candidate]]:
    """After customers ``ids`` were written (in the same transaction): their pairs replaced
    by the likely duplicates they have now — the customers sharing a key with them, and
    those a scan listed with them (scored again: a scan's keys are wider than a write's
    lookups) — pairs staff dismissed with the same keys left out. Returns each one's
    likely duplicates."""
    rows = values_of(conn, tenant_id, ids)
    written = [profile(row) for row in rows]
    pairs: dict[tuple[int, int], Likeness] = {}
    seen: dict[int, Profile] = {p.id: p for p in written}
    for p, row in zip(written, rows, strict=True):
        near = sharing(conn, tenant_id, row, p) | {c.id for c in listed(conn, tenant_id, p.id)}
        for o, found in _scored(p, profiles_of(conn, tenant_id, near - {p.id})):
            seen[o.id] = o
            pairs[(min(p.id, o.id), max(p.id, o.id))] = found
    for pair in still_dismissed(conn, tenant_id, pairs, seen):
        del pairs[pair]
    mine = list(ids)
    conn.execute(delete(DuplicatePair).where(
        DuplicatePair.tenant_id == tenant_id,
        or_(DuplicatePair.low_id.in_(mine), DuplicatePair.high_id.in_(mine))))
    save_pairs(conn, [{"tenant_id": tenant_id, "low_id": low, "high_id": high,
                       "score": found.score, "reasons": list(found.reasons),
                       "found_at": utcnow()} for (low, high), found in pairs.items()])
    ordered = sorted(pairs.items(), key=lambda item: (-item[1].score, item[0]))
    return {p.id: [Candidate(high if low == p.id else low, found)
                   for (low, high), found in ordered if p.id in (low, high)]
            for p in written}


def save_pairs(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Write likely pairs; one another writer saved meanwhile (PostgreSQL lets two
    transactions list the same pair) is brought up to date instead of refused."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        statement = postgresql.insert(DuplicatePair)
        conn.execute(statement.on_conflict_do_update(
            index_elements=["tenant_id", "low_id", "high_id"],
            set_={"score": statement.excluded.score, "reasons": statement.excluded.reasons,
                  "found_at": statement.excluded.found_at}), rows)
    else:
        conn.execute(insert(DuplicatePair), rows)


def listed(conn: Connection, tenant_id: int, customer_id: int) -> list[Candidate]:
    """The likely duplicates of a customer as the list has them now."""
    rows = conn.execute(select(DuplicatePair.low_id, DuplicatePair.high_id,
                               DuplicatePair.score, DuplicatePair.reasons).where(
        DuplicatePair.tenant_id == tenant_id,
        or_(DuplicatePair.low_id == customer_id, DuplicatePair.high_id == customer_id))
        .order_by(DuplicatePair.score.desc(), DuplicatePair.id)).all()
    return [Candidate(high if low == customer_id else low, Likeness(score, tuple(reasons)))
            for low, high, score, reasons in rows]
