"""A scan of a whole workspace for likely duplicates, as a background job with progress:
every customer read and compared with the ones sharing a key, then the workspace's list of
likely duplicates replaced in one short write (pairs staff dismissed stay out)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from patronage import runners
from patronage.customers.models import Customer
from patronage.db import begin_writing, session_scope, utcnow
from patronage.duplicates import finding, kept
from patronage.duplicates.codes import DuplicateCode
from patronage.duplicates.models import DuplicatePair, DuplicateScan
from patronage.duplicates.service import profiles_of, still_dismissed, values_of
from patronage.errors import Conflict, NotFound, PatronageError
from patronage.tenancy.schemas import Principal

# Writing the list waits this long for the write lock (an import may be finishing).
WRITE_WAIT = 120.0
# After an import: up to this many customers written are checked one by one (a few
# milliseconds each, REFRESH_AT_ONCE to a write); more, and the whole workspace is scanned.
FEW_CHANGED = 20_000
REFRESH_AT_ONCE = 200


class ScanRunning(Conflict):
    code = DuplicateCode.SCAN_RUNNING


class NoScan(NotFound):
    code = DuplicateCode.NO_SCAN


@dataclass
class Progress:
    stage: str = "reading"  # then comparing, saving
    customers: int = 0
    compared: int = 0
    pairs: int = 1


# Live progress of the scans this process runs (the scan's row has the outcome).
PROGRESS: dict[int, Progress] = {}
THREADS: dict[int, threading.Thread] = {}


def start(session: Session, principal: Principal, *, background: bool = True,
          since: datetime | None = None) -> DuplicateScan:
    """Record a scan of the principal's workspace and run it (in a thread unless
    ``background`` is false); one at a time per workspace. With ``since``, only the
    customers written since then are checked again (after an import), unless they are
    many: then the whole workspace is."""
    reap(session, principal.tenant_id)
    if running(session, principal.tenant_id):
        raise ScanRunning("A scan of this workspace is already running; follow it at "
                          "GET /api/v1/duplicates/scan.")
    scan = DuplicateScan(tenant_id=principal.tenant_id, user_id=principal.user_id,
                         status="running", runner=runners.this_process(), started_at=utcnow())
    session.add(scan)
    try:
        session.commit()
    except IntegrityError as exc:  # another started one at the same moment
        session.rollback()
        raise ScanRunning("A scan of this workspace is already running; follow it at "
                          "GET /api/v1/duplicates/scan.") from exc
    PROGRESS[scan.id] = Progress()
    if background:
        thread = threading.Thread(target=_run, args=(scan.id, principal.tenant_id, since),
                                  daemon=True, name=f"duplicate-scan-{scan.id}")
        THREADS[scan.id] = thread
        thread.start()
    else:
        _run(scan.id, principal.tenant_id, since)
        session.refresh(scan)
    return scan


def wait(scan_id: int, timeout: float | None = None) -> None:
    """Until a scan this process runs has finished (for the CLI and tests)."""
    thread = THREADS.get(scan_id)
    if thread is not None:
        thread.join(timeout)


def get(session: Session, tenant_id: int, scan_id: int) -> DuplicateScan:
    scan = session.scalar(select(DuplicateScan).where(DuplicateScan.tenant_id == tenant_id,
                                                      DuplicateScan.id == scan_id))
    if scan is None:
        raise NoScan(f"No scan with id {scan_id}.")
    return scan


def running(session: Session, tenant_id: int) -> int | None:
    """The id of the workspace's scan running now, if any."""
    return session.scalar(select(DuplicateScan.id).where(
        DuplicateScan.tenant_id == tenant_id, DuplicateScan.status == "running"))


def latest(session: Session, tenant_id: int) -> DuplicateScan:
    reap(session, tenant_id)
    scan = session.scalar(select(DuplicateScan).where(DuplicateScan.tenant_id == tenant_id)
                          .order_by(DuplicateScan.id.desc()).limit(1))
    if scan is None:
        raise NoScan("This workspace has not been scanned for duplicates yet; start a scan "
                     "with POST /api/v1/duplicates:scan.")
    return scan


def reap(session: Session, tenant_id: int) -> None:
    """Scans whose process died are marked failed (the list is as the last scan left it)."""
    runners.reap(session, DuplicateScan, tenant_id, "The scan was interrupted (its process "
                 "stopped); the list is as the scan before it left it. Run it again.")


def changed_since(tenant_id: int, since: datetime, progress: Progress
                  ) -> dict[str, Any] | None:
    """Check again the customers written since ``since``, a few at a time, each few in a
    short write of its own; None when they are too many for that (scan them all)."""
    with session_scope(tenant_id) as session:
        ids = list(session.scalars(select(Customer.id).where(
            Customer.tenant_id == tenant_id, Customer.updated_at >= since)
            .order_by(Customer.id)))
    if len(ids) > FEW_CHANGED:
        return None
    progress.stage, progress.customers, progress.pairs = "comparing", len(ids), max(len(ids), 1)
    for start in range(0, len(ids), REFRESH_AT_ONCE):
        with session_scope(tenant_id) as session:
            begin_writing(session, timeout=WRITE_WAIT)
            kept.refresh(session.connection(), tenant_id, ids[start:start + REFRESH_AT_ONCE])
            session.commit()
        progress.compared = min(len(ids), start + REFRESH_AT_ONCE)
    with session_scope(tenant_id) as session:
        listed = session.scalar(select(func.count()).select_from(DuplicatePair).where(
            DuplicatePair.tenant_id == tenant_id))
    return {"status": "done", "customers": len(ids), "compared": None, "found": listed}


def find(tenant_id: int, progress: Progress) -> dict[str, Any]:
    """Scan the workspace and replace its list, then check again the customers written
    meanwhile. What to record of the scan."""
    began = utcnow()
    with session_scope(tenant_id) as session:
        conn = session.connection()
        profiles = profiles_of(conn, tenant_id)
        session.rollback()  # the long read ends before the write begins
    progress.stage, progress.customers = "comparing", len(profiles)

    def compared(done: int, total: int) -> None:
        progress.compared, progress.pairs = done, max(total, 1)

    found = {(a, b): likeness for a, b, likeness in finding.scan(profiles, progress=compared)}
    ids = {i for pair in found for i in pair}
    by_id = {p.id: p for p in profiles if p.id in ids}
    del profiles
    progress.stage = "saving"
    with session_scope(tenant_id) as session:
        begin_writing(session, timeout=WRITE_WAIT)
        conn = session.connection()
        for pair in still_dismissed(conn, tenant_id, found, by_id):
            del found[pair]
        # the pairs' customers not deleted since the scan read them
        existing = {row["id"] for row in values_of(conn, tenant_id, ids)}
        rows = [{"tenant_id": tenant_id, "low_id": low, "high_id": high,
                 "score": likeness.score, "reasons": list(likeness.reasons), "found_at": began}
                for (low, high), likeness in found.items()
                if low in existing and high in existing]
        conn.execute(delete(DuplicatePair).where(DuplicatePair.tenant_id == tenant_id))
        kept.save_pairs(conn, rows)
        session.commit()
    meanwhile = changed_since(tenant_id, began, Progress()) or {}
    return {"status": "done", "customers": progress.customers,
            "compared": progress.compared, "found": meanwhile.get("found", len(rows))}


def _run(scan_id: int, tenant_id: int, since: datetime | None) -> None:
    progress = PROGRESS[scan_id]
    try:
        outcome = (changed_since(tenant_id, since, progress) if since else None) \
            or find(tenant_id, progress)
    except PatronageError as exc:
        outcome = {"status": "failed", "message": exc.detail}
    except Exception as exc:  # recorded, so a scan never shows running forever
        outcome = {"status": "failed", "message": f"The scan stopped: {exc}"}
    try:
        runners.record(DuplicateScan, tenant_id, scan_id, outcome)
    finally:  # only once the outcome is saved: until then the scan reads as running
        PROGRESS.pop(scan_id, None)
        THREADS.pop(scan_id, None)
