"""Running an import: read, map, convert, match, then report (dry run) or write (commit) —
all of the accepted rows in one transaction, or none of them."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO

from sqlalchemy import (
    Column,
    LargeBinary,
    String,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patronage import write_notice
from patronage.customers import fields, matching, rules, staged
from patronage.customers.codes import CustomerCode
from patronage.customers.models import Customer, CustomerCount, CustomerTag
from patronage.customers.search_index import deferred_search_index
from patronage.customers.staged import NewRows, Staging
from patronage.customers.writes import Actor, Writer
from patronage.db import (
    ListParam,
    PlainQuery,
    begin_writing,
    bound_memory,
    end_reading,
    refresh_statistics,
    utcnow,
)
from patronage.duplicates import kept
from patronage.errors import ValidationFailed
from patronage.imports import fingerprints, pipeline
from patronage.imports import mapping as maps
from patronage.imports.claims import ExternalIds, Seen, claim_key, duplicate
from patronage.imports.codes import ImportCode
from patronage.imports.decided import Decided
from patronage.imports.models import ImportFingerprint
from patronage.imports.reading import Format, records, sniff
from patronage.imports.rows import Converter, Row, RowError
from patronage.settings import get_settings
from patronage.settings_lists.models import LicenseType, PaymentTerm, Status, Store
from patronage.tenancy.models import User

PREVIEW = 1_000  # rows described one by one in a report (the counts cover every row)
MARKED = 200  # of a preview's new rows, those checked for likely duplicates (a page's worth)
ERRORS_KEPT = 10_000
# Fields an import compares and writes (what the converter can produce).
WRITABLE = (*fields.IMPORTED, "license_key")
AUDITED = fields.AUDITED
# Always read for a matched customer; the rest only when the file has them.
_READ = ("id", "version", "type", "company_name", "first_name", "last_name", "email",
         "phone", "registered_at", "order_count", "total_spent_cents", "imported_order_count",
         "imported_spent_cents")
# An import that writes this many customers, and at least a tenth as many as were there,
# refreshes the planner's statistics after its commit (smaller ones barely move them; the
# pool's PRAGMA optimize catches up).
STATISTICS_AFTER = 1_000


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
        self.note(row.line, "rejected", errors=[e.message for e in row.errors])
        for column, message, code in row.errors:
            if len(self.errors) < ERRORS_KEPT:
                self.errors.append({"line": row.line, "column": column, "code": str(code),
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
    """The key a row is matched by: the first it has (matching.keys)."""
    found = matching.keys(values)
    return found[0] if found else None


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, datetime) and isinstance(new, datetime):
        return current == new
    if isinstance(new, list):
        return sorted(current or []) == new
    return current == new


class _Run:
    def __init__(self, session: Session, actor: Actor, report: Report, key: bytes) -> None:
        self.session, self.actor, self.tenant = session, actor, actor.tenant_id
        self.report = report
        self.key = key
        conn = session.connection()
        self.seen = Seen(conn)
        # Fingerprints of customers this import creates never count within it.
        self.known_ids = conn.scalar(select(func.max(Customer.id))) or 0
        self.tenant_size = conn.scalar(select(CustomerCount.customers).where(
            CustomerCount.tenant_id == self.tenant)) or 0
        self.digests = ListParam("d", pipeline.CHUNK, b"")  # b"" is no fingerprint
        self.known_plan = PlainQuery(conn, fingerprints.known_query(self.digests))
        self.now = utcnow()
        # New customers wait in a staging table and are written at the end, set-based;
        # the first PREVIEW of them are linked from the report once they have ids.
        self.staging = None if report.dry_run else Staging(conn, [
            Column("digest", LargeBinary), Column("match_rule", String),
            Column("match_key", String)])
        self.described: list[tuple[int, dict[str, Any]]] = []
        self.marked = 0  # rows of a preview checked for likely duplicates
        self.decided = None if report.dry_run else Decided(conn)

    def recognised(self, batches: Iterator[list[tuple[int, list[str]]]]
                   ) -> Iterator[tuple[tuple[list[tuple[int, int]], dict[int, bytes],
                                             dict[int, int]],
                                       list[tuple[int, list[str]]]]]:
        """Each batch split into the rows whose fingerprint names a customer nobody changed
        since ((line, customer id): unchanged, no need to convert them) and the rows to
        convert (with every row's fingerprint by line, and the version of each customer
        recognised)."""
        f = ImportFingerprint.__table__.c
        any_kept = self.session.connection().scalar(
            select(f.customer_id).where(f.tenant_id == self.tenant).limit(1)) is not None
        for batch in batches:
            digests = {}
            for line, cells in batch:
                if (digest := fingerprints.fingerprint(self.key, cells)) is not None:
                    digests[line] = digest
            known = self._known(set(digests.values())) if any_kept and digests else {}
            if not known:
                yield ([], digests, {}), batch
                continue
            skipped, todo, read = [], [], {}
            for line, cells in batch:
                if (found := known.get(digests.get(line))) is not None:  # type: ignore[arg-type]
                    skipped.append((line, found[0]))
                    read[found[0]] = found[1]
                else:
                    todo.append((line, cells))
            yield (skipped, digests, read), todo

    def _known(self, digests: set[bytes]) -> dict[bytes, tuple[int, int]]:
        """Which fingerprints still describe their customer (same version and order
        figures): the customer's id and version, leaving out the customers made since this
        pass began."""
        params = {"tenant": self.tenant, **self.digests.values(digests)}
        return {digest: (cid, version) for digest, cid, version in self.known_plan.rows(
            self.session.connection(), params) if cid <= self.known_ids}

    def chunk(self, recognised: list[tuple[int, int]], digests: dict[int, bytes],
              read: dict[int, int], converted: list[Row], stage: str | None) -> None:
        """Decide a chunk's rows (``stage``: the StageFile that holds the ones built as new
        customers, see pipeline.rows_of)."""
        accepted: list[Row] = []
        for row in converted:
            if not row.errors:
                row.digest = digests.get(row.line)
                row.identity = _identity(row.values)
                accepted.append(row)
        existing = self._match(accepted)
        read.update((current["id"], current["version"]) for current in existing.values())
        keys: dict[int, str | None] = {}
        for row in accepted:
            current = existing.get(row.line)
            keys[row.line] = claim_key(row.identity, current["id"] if current else None)
        for line, cid in recognised:
            keys[line] = f"#{cid}"
        earlier = self.seen.lines([k for k in keys.values() if k])
        held = ExternalIds(self.session, self.tenant, next(
            (h for h, f in self.report.mapping.items() if f == "external_id"), ""),
            self.seen, accepted)
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
                    self.report.reject(Row(line, errors=[
                        RowError("", duplicate(first, key), ImportCode.DUPLICATE_ROW)]))
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
                self.report.reject(Row(line, errors=[
                    RowError(held.header, taken, CustomerCode.DUPLICATE_EXTERNAL_ID)]))
                continue
            if current is None:  # built as a new customer by pipeline.rows_of
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
        if self.report.dry_run:
            self._mark_likely_duplicates(creates)
        else:
            self._keep(creates, read, updates, prints, stage)

    def _mark_likely_duplicates(self, creates: list[tuple[Row, dict[str, Any] | None]]) -> None:
        """A preview says of the first rows it would create (MARKED of them, the ones its
        page shows) which existing customer each looks like: not refused, only marked."""
        conn = self.session.connection()
        for row, entry in creates:
            if entry is None or self.marked >= MARKED:
                return
            self.marked += 1
            found = kept.check(conn, self.tenant, row.values)
            if found:
                entry["looks_like"] = kept.possible(found[:1])[0].model_dump()

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

    def _keep(self, creates: list[tuple[Row, dict[str, Any] | None]], read: dict[int, int],
              updates: list[tuple[dict, dict]], prints: list[dict[str, Any]],
              stage: str | None) -> None:
        """A chunk's decisions kept (in temporary tables) until they are written."""
        assert self.staging is not None and self.decided is not None
        conn = self.session.connection()
        if stage is not None and creates:
            self.staging.holds(creates[0][0].line, stage)
        new = []
        for row, _ in creates:
            rule, key = row.identity or ("", "")
            new.append((row.line, *(row.prepared or ()), row.digest, rule, key))
        first = self.staging.add(conn, new)
        self.described += [(seq, described) for seq, (_, described) in
                           enumerate(creates, first) if described is not None]
        self.decided.add(conn, read, updates, prints)

    def still_current(self) -> bool:
        assert self.decided is not None
        return self.decided.still_current(self.session.connection(), self.tenant,
                                          self.known_ids, self.seen)

    def write(self) -> None:
        """Everything this pass decided, written under the write lock: the new customers
        (with their tags, audit entries and fingerprints: a re-import knows them), then the
        changes to existing customers and the fingerprints of the rest — last, so that on
        PostgreSQL the rows it changes are locked only for the end of its transaction (the
        storefront's orders for them wait that long, not the whole import); the report
        links the first new ones."""
        assert self.staging is not None and self.decided is not None
        conn = self.session.connection()
        self.staging.write(conn, self.actor)
        self.staging.copy(conn, ImportFingerprint.__tablename__, {
            "tenant_id": "s.tenant_id", "customer_id": "{id}", "digest": "c.digest",
            "version": "s.version", "order_count": "s.order_count",
            "total_spent_cents": "s.total_spent_cents", "match_rule": "c.match_rule",
            "match_key": "c.match_key"}, "c.digest IS NOT NULL")
        self.decided.write(self.session, Writer(self.session, self.actor, self.now))
        ids = self.staging.ids(conn, [seq for seq, _ in self.described])
        for seq, described in self.described:
            described["customer_id"] = ids[seq]
        self.staging.drop(conn)
        self.decided.drop(conn)


@dataclass
class _File:
    """An import's file and what reading it needs, for each pass over it."""

    stream: BinaryIO
    fmt: Format
    converter: Converter
    key: bytes
    progress: Callable[[int, int, str], None] | None
    stem: str | None = None  # SQLite, a commit: where its StageFiles go (staged.stage_stem)

    def told(self, report: Report, stage: str) -> None:
        if self.progress:
            self.progress(report.total, self.stream.tell() if self.stream.seekable() else 0,
                          stage)


def _pass(session: Session, actor: Actor, source: _File, report: Report) -> _Run:
    """Read the whole file, convert, match and decide every row, keeping the decisions
    (nothing is written to the customers): a dry run's report, a commit's first step."""
    source.stream.seek(0)
    rows = records(source.stream, source.fmt)
    next(rows, None)  # the header
    job = _Run(session, actor, report, source.key)
    new_rows = None if report.dry_run else NewRows(actor.tenant_id, job.now, source.stem)
    try:
        with contextlib.ExitStack() as workers:
            batches = job.recognised(pipeline.chunks(rows))
            for (skipped, digests, read), (converted, stage) in pipeline.converted(
                    source.converter, new_rows, batches,
                    pipeline.estimate_rows(source.stream), workers):
                job.chunk(skipped, digests, read, converted, stage)
                source.told(report, "reading")
    finally:
        rows.close()
    if report.total == 0:
        raise ValidationFailed.field("file", "The file has a header but no rows.",
                                     ImportCode.NO_ROWS)
    return job


# How long an import waits for the write lock (behind the storefront's and staff's changes,
# each a few milliseconds) before it gives up.
IMPORT_LOCK_WAIT = 120.0


def _commit(session: Session, actor: Actor, source: _File, job: _Run) -> _Run:
    """Write what the pass decided, under the write lock. If anything it decided on changed
    meanwhile (a customer it read, a new customer with a key of the file), or the database
    refuses a key, the file is read again while the lock is held, and that is written."""
    for locked in (False, True):
        source.told(job.report, "waiting")
        end_reading(session)
        begin_writing(session, timeout=IMPORT_LOCK_WAIT)
        with write_notice.holding(get_settings().database_url, "a spreadsheet import"):
            if locked or not job.still_current():
                staged.forget(source.stem)  # what the first pass built
                report = _fresh(job.report)
                source.told(report, "rechecking")
                job = _pass(session, actor, source, report)
                locked = True
            source.told(job.report, "finishing")
            assert job.staging is not None
            try:
                with deferred_search_index(session.connection(),
                                           expected_rows=job.staging.count):
                    job.write()
                session.commit()
                return job
            except IntegrityError:  # a key taken meanwhile: decide again, holding the lock
                session.rollback()
                if locked:
                    raise
                bound_memory(session)  # the connection it gets next is a pool's, unbounded
    raise AssertionError("the second attempt holds the lock throughout")


def _fresh(report: Report) -> Report:
    return Report(report.dry_run, report.encoding, report.delimiter, dict(report.mapping))


def run(session: Session, actor: Actor, stream: BinaryIO, *, dry_run: bool,
        saved_mapping: dict[str, str | None] | None = None,
        progress: Callable[[int, int, str], None] | None = None) -> Report:
    """Import a CSV stream; ``progress(rows_done, bytes_read, stage)`` after each chunk.
    Stages: "reading" (rows converted, checked and matched: no lock held, the storefront
    and staff go on writing), then for a commit "waiting" (for the write lock),
    "rechecking" (only if customers the file names changed meanwhile: the file is read
    again holding the lock) and "finishing" (writing, the search index, the commit)."""
    started = time.perf_counter()
    fmt: Format = sniff(stream)
    rows = records(stream, fmt)
    header = next(rows, None)
    rows.close()
    if header is None:
        raise ValidationFailed.field("file", "The file is empty.", ImportCode.EMPTY_FILE)
    headers = [h.strip().lstrip("\ufeff") for h in header[1]]
    mapping = maps.propose(headers, saved_mapping)
    lists = _lists(session, actor.tenant_id)
    region = actor.principal.tenant_region
    source = _File(stream, fmt, Converter(headers, mapping.fields, region, lists),
                   fingerprints.fingerprint_key(headers, mapping.fields, region, lists),
                   progress, None if dry_run or session.get_bind().dialect.name != "sqlite"
                   else staged.stage_stem(get_settings().database_url))
    bound_memory(session)
    try:
        job = _pass(session, actor, source,
                    Report(dry_run, fmt.encoding, fmt.delimiter, mapping.as_dict()))
        if dry_run:
            session.rollback()
        else:
            job = _commit(session, actor, source, job)
    except BaseException:
        session.rollback()
        raise
    finally:
        staged.forget(source.stem)
    report = job.report
    written = report.created + report.updated
    if not dry_run and written >= max(STATISTICS_AFTER, job.tenant_size // 10):
        refresh_statistics(session)
    report.seconds = time.perf_counter() - started
    return report
