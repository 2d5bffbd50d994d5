"""Running an import: read, map, convert, match, then report (dry run) or write (commit) —
all of the accepted rows in one transaction, or none of them."""

from __future__ import annotations

import collections
import contextlib
import hashlib
import io
import json
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from typing import Any, BinaryIO, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from patronage.customers import fields, matching, rules
from patronage.customers.models import Customer, CustomerTag
from patronage.customers.search_index import deferred_search_index
from patronage.customers.writes import Actor, Holder, Writer, holders
from patronage.db import (
    ListParam,
    PlainQuery,
    begin_writing,
    bound_memory,
    bulk_execute,
    insert_plain,
    refresh_statistics,
    utcnow,
)
from patronage.errors import ValidationFailed
from patronage.imports import mapping as maps
from patronage.imports.models import ImportFingerprint
from patronage.imports.reading import Format, records, sniff
from patronage.imports.rows import Converter, Row, convert, start_worker
from patronage.settings_lists.models import LicenseType, PaymentTerm, Status, Store
from patronage.tenancy.models import User
from patronage.types import email_key

CHUNK = 2_500
T = TypeVar("T")
PREVIEW = 1_000  # rows described one by one in a report (the counts cover every row)
ERRORS_KEPT = 10_000
# Fields an import compares and writes (what the converter can produce).
WRITABLE = (*fields.IMPORTED, "license_key")
AUDITED = fields.AUDITED
# Always read for a matched customer; the rest only when the file has them.
_READ = ("id", "version", "type", "company_name", "first_name", "last_name", "email",
         "phone", "order_count", "total_spent_cents", "imported_order_count",
         "imported_spent_cents")
# Bump when converting a row changes meaning: every stored fingerprint is then stale.
FINGERPRINT_FORMAT = 1
# An import that writes this many customers refreshes the planner's statistics after its
# commit (smaller ones barely move them; the pool's PRAGMA optimize catches up).
STATISTICS_AFTER = 1_000
SEPARATOR = "\x1f"


@dataclass
class Report:
    dry_run: bool
    encoding: str = ""
    delimiter: str = ","
    mapping: dict[str, str | None] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # the first PREVIEW rows
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected

    def summary(self) -> dict[str, Any]:
        return {"created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected,
                "errors": self.errors}

    def note(self, line: int, outcome: str, **extra: Any) -> dict[str, Any] | None:
        """Count a row's outcome; the first PREVIEW rows are described (the entry, which
        the caller may complete, say with a new customer's id once written)."""
        setattr(self, outcome, getattr(self, outcome) + 1)
        if len(self.rows) >= PREVIEW:
            return None
        self.rows.append({"line": line, "outcome": outcome, **extra})
        return self.rows[-1]

    def reject(self, row: Row) -> None:
        self.note(row.line, "rejected", errors=[m for _, m in row.errors])
        for column, message in row.errors:
            if len(self.errors) < ERRORS_KEPT:
                self.errors.append({"line": row.line, "column": column,
                                    "message": f"Line {row.line}: {message}"})


def _lists(session: Session, tenant_id: int) -> dict[str, dict[str, int]]:
    def names(model: Any, *columns: Any) -> dict[str, int]:
        out: dict[str, int] = {}
        for row in session.execute(select(model.id, *columns)
                                   .where(model.tenant_id == tenant_id)):
            for value in row[1:]:
                if value:
                    out.setdefault(str(value).lower(), row[0])
        return out
    return {"status": names(Status, Status.name),
            "payment_terms": names(PaymentTerm, PaymentTerm.name),
            "license_type": names(LicenseType, LicenseType.name),
            "master_store": names(Store, Store.code, Store.name),
            "sales_rep": names(User, User.email, User.name)}


def _identity(values: dict[str, Any]) -> tuple[str, str] | None:
    """The key a row is matched by (SPEC.md): a business's license number, else the external
    id, else the email, else the phone: the first the row has, and only that one, so that
    importing a file twice finds the same customers both times."""
    if values.get("type") == "business" and values.get("license_key"):
        return ("license_number", values["license_key"])
    if values.get("external_id"):
        return ("external_id", values["external_id"])
    if values.get("email"):
        return ("email", email_key(values["email"]))
    if values.get("phone"):
        return ("phone", values["phone"])
    return None


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, datetime) and isinstance(new, datetime):
        return current == new
    if isinstance(new, list):
        return sorted(current or []) == new
    return current == new


def fingerprint_key(headers: list[str], fields: list[str | None], region: str,
                    lists: dict[str, dict[str, int]]) -> bytes:
    """What a raw row's meaning depends on besides its cells: the converting code (its
    format number, the validation libraries' versions), the header, the mapping, the
    workspace's phone region and lists. Fingerprints are hashed with it as their key, so
    a change to any of them makes every stored fingerprint miss."""
    libraries = [metadata.version(name) for name in ("phonenumbers", "email-validator")]
    context = json.dumps([FINGERPRINT_FORMAT, libraries, headers, fields, region, lists],
                         sort_keys=True)
    return hashlib.blake2b(context.encode(), digest_size=32).digest()


def fingerprint(key: bytes, cells: list[str]) -> bytes | None:
    """A raw row's fingerprint; None for a row whose cells hold the separator (joined, it
    could read like another row's)."""
    joined = SEPARATOR.join(cells)
    if joined.count(SEPARATOR) != len(cells) - 1:
        return None
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16,
                           key=key).digest()


def known_query(digests: ListParam) -> Any:
    """The customers the fingerprints ``digests`` of tenant ``:tenant`` were taken from,
    where nothing that decided the row's outcome changed since: the customer's version and
    order figures, and, for a row matched by email or phone (not unique), no older customer
    holding that key now (the full path would match the oldest). Found through
    ix_import_fingerprints_digest, the older holders through ix_customers_tenant_email /
    _phone. (A bound on customer_id here would steer SQLite into scanning the tenant's
    fingerprints instead.)"""
    f, c = ImportFingerprint.__table__.c, Customer.__table__.c
    older = Customer.__table__.alias("older")
    # lower() on both sides: an expression against a TEXT column would not use the
    # expression index on SQLite (affinity); the stored key is lower-case already.
    held = {"email": (func.lower(older.c.email), func.lower(f.match_key)),
            "phone": (older.c.phone, f.match_key)}
    no_older_holder = [
        or_(f.match_rule != rule, ~exists().where(
            older.c.tenant_id == f.tenant_id, column == key, older.c.id < f.customer_id))
        for rule, (column, key) in held.items()]
    return (select(f.digest, f.customer_id)
            .join(Customer.__table__, and_(
                c.tenant_id == f.tenant_id, c.id == f.customer_id, c.version == f.version,
                c.order_count == f.order_count, c.total_spent_cents == f.total_spent_cents))
            .where(f.tenant_id == bindparam("tenant"), f.digest.in_(digests.binds()),
                   *no_older_holder))


class _Seen:
    """Who claimed what in this file: a matching key (or ``#id`` of an existing customer)
    -> the first line that named it. Kept in a temporary table: a million keys as a
    Python dict would cost ~100 MB."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.table = Table("import_seen", MetaData(), Column("key", String, primary_key=True),
                           Column("line", Integer, nullable=False), prefixes=["TEMPORARY"],
                           postgresql_on_commit="DROP", sqlite_with_rowid=False)
        self.table.drop(conn, checkfirst=True)
        self.table.create(conn)
        self.keys = ListParam("k", CHUNK, "")  # "" is nobody's key
        c = self.table.c
        self.plan = PlainQuery(conn, select(c.key, c.line).where(c.key.in_(self.keys.binds())))

    def lines(self, keys: list[str]) -> dict[str, int]:
        """The first line of each key some earlier chunk claimed (at most CHUNK keys)."""
        return dict(self.plan.rows(self.conn, self.keys.values(keys))) if keys else {}

    def add(self, claimed: dict[str, int]) -> None:
        insert_plain(self.conn, self.table, list(claimed.items()))


def _key(identity: tuple[str, str] | None, customer_id: int | None) -> str | None:
    if customer_id is not None:
        return f"#{customer_id}"
    return f"{identity[0]}:{identity[1]}" if identity else None


def _duplicate(first: int, key: str) -> str:
    if key.startswith("#"):
        return f"is a duplicate of line {first} (both are customer #{key[1:]})"
    rule = key.split(":", 1)[0].replace("_", " ")
    return f"is a duplicate of line {first} (same {rule})"


class _ExternalIds:
    """External ids are unique in a workspace: a row may not give its customer one that
    another customer holds, or that an earlier line gave to another (the API's 409, the
    events' refusal), so the dry run refuses what the commit could not write."""

    def __init__(self, run: _Run, rows: list[Row]) -> None:
        self.header = next((h for h, f in run.report.mapping.items() if f == "external_id"),
                           "")
        wanted = sorted({row.values["external_id"] for row in rows
                         if row.values.get("external_id")})
        self.holders: dict[str, Holder] = {}
        self.earlier: dict[str, int] = {}
        if not wanted:
            return
        self.holders = holders(run.session, run.tenant, {"external_id": wanted})["external_id"]
        self.earlier = {k.removeprefix("ext:"): line for k, line in
                        run.seen.lines([f"ext:{e}" for e in wanted]).items()}

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


class _Run:
    def __init__(self, session: Session, actor: Actor, report: Report, key: bytes) -> None:
        self.session, self.actor, self.tenant = session, actor, actor.tenant_id
        self.report = report
        self.key = key
        conn = session.connection()
        self.seen = _Seen(conn)
        # Fingerprints of customers this import creates never count within it.
        self.known_ids = conn.scalar(select(func.max(Customer.id))) or 0
        self.digests = ListParam("d", CHUNK, b"")  # b"" is no fingerprint
        self.known_plan = PlainQuery(conn, known_query(self.digests))
        self.now = utcnow()

    def recognised(self, batches: Iterator[list[tuple[int, list[str]]]]
                   ) -> Iterator[tuple[tuple[list[tuple[int, int]], dict[int, bytes]],
                                       list[tuple[int, list[str]]]]]:
        """Each batch split into the rows whose fingerprint names a customer nobody changed
        since ((line, customer id): unchanged, no need to convert them) and the rows to
        convert (with every row's fingerprint by line)."""
        f = ImportFingerprint.__table__.c
        any_kept = self.session.connection().scalar(
            select(f.customer_id).where(f.tenant_id == self.tenant).limit(1)) is not None
        for batch in batches:
            digests = {}
            for line, cells in batch:
                if (digest := fingerprint(self.key, cells)) is not None:
                    digests[line] = digest
            known = self._known(set(digests.values())) if any_kept and digests else {}
            if not known:
                yield ([], digests), batch
                continue
            skipped, todo = [], []
            for line, cells in batch:
                if (cid := known.get(digests.get(line))) is not None:  # type: ignore[arg-type]
                    skipped.append((line, cid))
                else:
                    todo.append((line, cells))
            yield (skipped, digests), todo

    def _known(self, digests: set[bytes]) -> dict[bytes, int]:
        """Which fingerprints still describe their customer (same version and order
        figures), leaving out the customers this import made."""
        params = {"tenant": self.tenant, **self.digests.values(digests)}
        return {digest: cid for digest, cid in self.known_plan.rows(self.session.connection(),
                                                                    params)
                if cid <= self.known_ids}

    def chunk(self, recognised: list[tuple[int, int]], digests: dict[int, bytes],
              converted: list[Row]) -> None:
        accepted: list[Row] = []
        for row in converted:
            if not row.errors:
                row.digest = digests.get(row.line)
                row.identity = _identity(row.values)
                accepted.append(row)
        existing = self._match(accepted)
        keys: dict[int, str | None] = {}
        for row in accepted:
            current = existing.get(row.line)
            keys[row.line] = _key(row.identity, current["id"] if current else None)
        for line, cid in recognised:
            keys[line] = f"#{cid}"
        earlier = self.seen.lines([k for k in keys.values() if k])
        held = _ExternalIds(self, accepted)
        claimed: dict[str, int] = {}
        creates, updates, prints = [], [], []
        entries: list[tuple[int, Row | int]] = [(row.line, row) for row in converted]
        if recognised:
            entries = sorted(entries + recognised, key=lambda entry: entry[0])
        for line, row in entries:  # in file order, so the report's first rows are the file's
            if not isinstance(row, int) and row.errors:
                self.report.reject(row)
                continue
            key = keys[line]
            if key is not None:
                first = earlier.get(key) or claimed.get(key)
                if first is not None:
                    self.report.reject(Row(line, errors=[("", _duplicate(first, key))]))
                    continue
                claimed[key] = line
            if isinstance(row, int):  # recognised by its fingerprint: row is the customer
                self.report.note(line, "unchanged", customer_id=row)
                continue
            current = existing.get(row.line)
            taken = held.conflict(row, current["id"] if current else None, claimed)
            if taken is not None:
                if key is not None:
                    del claimed[key]  # a refused row claims nobody
                self.report.reject(Row(line, errors=[(held.header, taken)]))
                continue
            if current is None:
                rules.import_totals(None, row.values, self.now)
                creates.append((row, self.report.note(row.line, "created")))
                continue
            changes = {k: v for k, v in row.values.items()
                       if k in WRITABLE and not _same(current.get(k), v)}
            if "license_number" in changes and "license_key" not in changes:
                del changes["license_number"]  # the same license in another spelling
            tags = row.values.get("tags")
            if tags is not None and sorted(current.get("tags") or []) != tags:
                changes["tags"] = tags
            rules.import_totals(current, changes, self.now)
            if changes:
                updates.append((current, changes))
                self.report.note(row.line, "updated", customer_id=current["id"],
                                 fields=sorted(k for k in changes if k in AUDITED))
            else:
                self.report.note(row.line, "unchanged", customer_id=current["id"])
            if row.digest is not None:
                prints.append(self._print(row, {**current, **changes},
                                          current["version"] + (1 if changes else 0)))
        self.seen.add(claimed)
        if not self.report.dry_run:
            self._write(creates, updates, prints)

    def _print(self, row: Row, customer: dict[str, Any], version: int) -> dict[str, Any]:
        rule, key = row.identity or ("", "")
        return {"tenant_id": self.tenant, "customer_id": customer["id"],
                "digest": row.digest, "version": version,
                "order_count": customer["order_count"],
                "total_spent_cents": customer["total_spent_cents"],
                "match_rule": rule, "match_key": key}

    def _match(self, rows: list[Row]) -> dict[int, dict[str, Any]]:
        """Each row's existing customer (by line), found by its strongest key (identity)."""
        wanted: dict[str, set[str]] = {rule: set() for rule in matching.RULES}
        for row in rows:
            if row.identity is not None:
                wanted[row.identity[0]].add(row.identity[1])
        sent = sorted({k for row in rows for k in row.values if k in WRITABLE})
        columns = [Customer.__table__.c[c] for c in dict.fromkeys((*_READ, *sent))]
        conn = self.session.connection()
        found = matching.find(conn, self.tenant, wanted, columns)
        out = {}
        for row in rows:
            if row.identity is None or (
                    current := found[row.identity[0]].get(row.identity[1])) is None:
                continue
            # A customer an earlier chunk of this import created is not "existing": the row
            # is a duplicate of that line, as in the dry run (which created nothing).
            if current["id"] <= self.known_ids:
                out[row.line] = current
        if out and any("tags" in r.values for r in rows):
            ids = {c["id"] for c in out.values()}
            tags: dict[int, list[str]] = {}
            for cid, tag in conn.execute(select(CustomerTag.customer_id, CustomerTag.tag)
                                         .where(CustomerTag.tenant_id == self.tenant,
                                                CustomerTag.customer_id.in_(ids))):
                tags.setdefault(cid, []).append(tag)
            for current in out.values():
                current["tags"] = tags.get(current["id"], [])
        return out

    def _write(self, creates: list[tuple[Row, dict[str, Any] | None]],
               updates: list[tuple[dict, dict]], prints: list[dict[str, Any]]) -> None:
        writer = Writer(self.session, self.actor, self.now)
        ids = writer.create([row.values for row, _ in creates])
        for (row, described), cid in zip(creates, ids, strict=True):
            if described is not None:  # the report links the new customer
                described["customer_id"] = cid
            if row.digest is not None:  # name-only rows too: a re-import knows them
                prints.append(self._print(row, {
                    "id": cid, "order_count": row.values.get("order_count", 0),
                    "total_spent_cents": row.values.get("total_spent_cents", 0)}, 1))
        writer.update(updates)
        bulk_execute(self.session.connection(), _upsert_fingerprint(
            self.session.connection()), prints)


def _upsert_fingerprint(conn: Connection) -> Any:
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    statement = dialect.insert(ImportFingerprint.__table__)
    return statement.on_conflict_do_update(
        index_elements=["tenant_id", "customer_id"],
        set_={c: statement.excluded[c] for c in ("digest", "version", "order_count",
                                                 "total_spent_cents", "match_rule",
                                                 "match_key")})


def _estimate_rows(stream: BinaryIO) -> int:
    """Rows a file probably holds (~120 bytes a row), to pick the bulk-load strategy."""
    try:
        size = os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        size = len(stream.getbuffer()) if isinstance(stream, io.BytesIO) else 0
    return size // 120


# Converting a row (email-validator, phonenumbers) costs ~100 µs; past this many rows it is
# done in worker processes, one per core, while this process matches and writes.
PARALLEL_ROWS = 20_000


def _workers(converter: Converter, count: int) -> Any:
    """A pool of converting processes forked from a small server that has imported only the
    converter's module (not this process's application: ~25 MB a worker instead of ~100,
    and no inherited threads, locks or sockets)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["patronage.imports.rows"])
    return context.Pool(count, initializer=start_worker, initargs=(converter,))


def _converted(converter: Converter, batches: Iterator[tuple[T, list[tuple[int, list[str]]]]],
               estimated_rows: int, stack: contextlib.ExitStack
               ) -> Iterator[tuple[T, list[Row]]]:
    """Each batch's rows converted, in file order, with what came with the batch: in worker
    processes for big files, with at most a few batches in flight (memory stays bounded
    whatever the file's size)."""
    if estimated_rows < PARALLEL_ROWS:
        yield from ((extra, [converter.row(line, cells) for line, cells in batch])
                    for extra, batch in batches)
        return
    workers = max(1, os.cpu_count() or 1)
    pool = None  # started by the first batch with rows to convert (a re-import may have none)
    pending: collections.deque[Any] = collections.deque()
    for extra, batch in batches:
        if batch and pool is None:
            pool = stack.enter_context(_workers(converter, workers))
        pending.append((extra, pool.apply_async(convert, (batch,)) if batch else None))
        if len(pending) > workers:  # each worker busy, one batch waiting: enough
            extra, result = pending.popleft()
            yield extra, result.get() if result else []
    while pending:
        extra, result = pending.popleft()
        yield extra, result.get() if result else []


def _chunks(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def run(session: Session, actor: Actor, stream: BinaryIO, *, dry_run: bool,
        saved_mapping: dict[str, str | None] | None = None,
        progress: Callable[[int, int, str], None] | None = None) -> Report:
    """Import a CSV stream; ``progress(rows_done, bytes_read, stage)`` after each chunk
    (stage "reading"), then once more before a commit's last steps ("finishing": the
    search index, the sort indexes a big load rebuilt, the commit itself)."""
    started = time.perf_counter()
    fmt: Format = sniff(stream)
    report = Report(dry_run, fmt.encoding, fmt.delimiter)
    rows = records(stream, fmt)
    header = next(rows, None)
    if header is None:
        raise ValidationFailed.field("file", "The file is empty.", "empty_file")
    headers = [h.strip().lstrip("\ufeff") for h in header[1]]
    try:
        mapping = maps.propose(headers, saved_mapping)
    except ValidationFailed:
        rows.close()
        raise
    report.mapping = mapping.as_dict()
    lists = _lists(session, actor.tenant_id)
    region = actor.principal.tenant_region
    converter = Converter(headers, mapping.fields, region, lists)
    bound_memory(session)
    if not dry_run:
        begin_writing(session)  # ids reserved per chunk stay ours
    key = fingerprint_key(headers, mapping.fields, region, lists)
    job = _Run(session, actor, report, key)
    try:
        with contextlib.ExitStack() as writing:
            if not dry_run:  # new customers join the search index at the end
                writing.enter_context(deferred_search_index(
                    session.connection(), expected_rows=_estimate_rows(stream)))
            batches = job.recognised(_chunks(rows))
            for (skipped, digests), converted in _converted(
                    converter, batches, _estimate_rows(stream), writing):
                job.chunk(skipped, digests, converted)
                if progress:
                    progress(report.total, stream.tell() if stream.seekable() else 0,
                             "reading")
            if progress and not dry_run:  # the search index and the commit, next
                progress(report.total, stream.tell() if stream.seekable() else 0,
                         "finishing")
        if report.total == 0:
            raise ValidationFailed.field("file", "The file has a header but no rows.",
                                         "no_rows")
        if dry_run:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        rows.close()
    if not dry_run and report.created + report.updated >= STATISTICS_AFTER:
        refresh_statistics(session)
    report.seconds = time.perf_counter() - started
    return report
