"""Imports as jobs: the upload saved to a temporary file, recorded in the history, run in a
background thread with live progress, the report kept with the history entry."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from patronage import runners
from patronage.customers.writes import Actor
from patronage.db import session_scope, utcnow
from patronage.duplicates import scans
from patronage.errors import Conflict, NotFound, PatronageError
from patronage.imports import service
from patronage.imports.models import Import
from patronage.settings import get_settings
from patronage.tenancy.schemas import Principal


class TooLarge(PatronageError):
    status, code, title = 413, "too_large", "File too large"


@dataclass
class Progress:
    rows: int = 0
    read: int = 0
    size: int = 1
    stage: str = "reading"  # then waiting, rechecking, finishing (service.run)


# Live progress of the imports this process runs (the history row has the outcome).
PROGRESS: dict[int, Progress] = {}
THREADS: dict[int, threading.Thread] = {}
CHUNK = 1024 * 1024
# After an import, how long its check for duplicates waits for a scan already running.
SCAN_WAIT = 600.0


def save_upload(source: BinaryIO, limit: int) -> tuple[Path, int]:
    """Copy an upload to a temporary file, refusing it (413) past ``limit`` bytes."""
    folder = Path(get_settings().import_dir)
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix="upload-", suffix=".csv", dir=folder)
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"The file is larger than the {limit:,}-byte limit "
                                   "(IMPORT_MAX_BYTES).")
                out.write(chunk)
    except BaseException:
        os.unlink(name)
        raise
    return Path(name), size


def start(session: Session, principal: Principal, path: Path, file_name: str, size: int, *,
          dry_run: bool, mapping: dict[str, str | None] | None, owned: bool = True,
          background: bool = True, check_duplicates: bool = True) -> Import:
    """Record the import and run it (in a thread unless ``background`` is false). An
    ``owned`` file (a saved upload) is kept after a dry run, for its commit, and deleted
    after a commit."""
    job = Import(tenant_id=principal.tenant_id, user_id=principal.user_id,
                 file_name=file_name[:255] or "upload.csv", size_bytes=size, dry_run=dry_run,
                 status="running", started_at=utcnow(),
                 runner=runners.this_process(),
                 source_path=str(path) if owned else None)
    session.add(job)
    session.commit()
    PROGRESS[job.id] = Progress(size=max(size, 1))
    args = (job.id, principal, path, dry_run, mapping, owned, check_duplicates)
    if background:
        thread = threading.Thread(target=_run, args=args, daemon=True,
                                  name=f"import-{job.id}")
        THREADS[job.id] = thread
        thread.start()
    else:
        _run(*args)
        session.refresh(job)
    return job


def wait(job_id: int, timeout: float | None = None) -> None:
    """Until a job this process runs has finished (for the CLI and tests)."""
    thread = THREADS.get(job_id)
    if thread is not None:
        thread.join(timeout)


def _run(job_id: int, principal: Principal, path: Path, dry_run: bool,
         mapping: dict[str, str | None] | None, owned: bool, check_duplicates: bool) -> None:
    progress = PROGRESS[job_id]

    def moved(rows: int, read: int, stage: str) -> None:
        progress.rows, progress.read, progress.stage = rows, read, stage

    outcome: dict[str, Any] = {}
    try:
        with session_scope(principal.tenant_id) as session, path.open("rb") as stream:
            report = service.run(session, Actor(principal, "import"), stream,
                                 dry_run=dry_run, saved_mapping=mapping, progress=moved)
        outcome = {"status": "done", "encoding": report.encoding,
                   "delimiter": report.delimiter, "mapping": report.mapping,
                   "created": report.created, "updated": report.updated,
                   "unchanged": report.unchanged, "rejected": report.rejected,
                   "errors": report.errors, "rows": report.rows, "seconds": report.seconds}
    except PatronageError as exc:
        outcome = {"status": "failed", "message": exc.detail,
                   "errors": [{"line": None, "column": e.name, "code": str(e.code),
                               "message": e.detail} for e in exc.errors]}
    except Exception as exc:  # recorded, so the history never shows a job running forever
        outcome = {"status": "failed", "message": f"The import stopped: {exc}"}
    finally:
        if owned and not (dry_run and outcome.get("status") == "done"):
            with contextlib.suppress(OSError):
                path.unlink()
    try:
        runners.record(Import, principal.tenant_id, job_id, outcome)
        if check_duplicates and not dry_run and (outcome.get("created") or
                                                 outcome.get("updated")):
            _check_duplicates(principal, job_id)
    finally:  # only once the outcome is saved: until then the job reads as running
        PROGRESS.pop(job_id, None)
        THREADS.pop(job_id, None)


def _check_duplicates(principal: Principal, job_id: int) -> None:
    """After an import wrote customers: check them for duplicates in a scan job of their
    own (the customers it wrote, or the whole workspace if they are many), unless a scan is
    already running."""
    with session_scope(principal.tenant_id) as session:
        job = session.get(Import, job_id)
        if job is None:
            return
        ahead = scans.running(session, principal.tenant_id)
        if ahead is not None:  # it read the workspace before this import's customers
            session.rollback()
            scans.wait(ahead, SCAN_WAIT)  # one of this process's: let it finish first
        with contextlib.suppress(scans.ScanRunning):
            scans.start(session, principal, since=job.started_at)


def commit(session: Session, principal: Principal, preview: Import,
           mapping: dict[str, str | None] | None = None, *, dry_run: bool = False) -> Import:
    """Import for real the file a dry run previewed (with its mapping, or a changed one);
    with ``dry_run``, preview it again (say, with a changed mapping)."""
    path = Path(preview.source_path or "")
    if not preview.dry_run or preview.status != "done" or not path.is_file():
        raise Conflict("Only a finished dry run whose file is still here can be committed; "
                       "upload the file again.")
    preview.source_path = None  # the new run owns the file now
    session.commit()
    return start(session, principal, path, preview.file_name, preview.size_bytes,
                 dry_run=dry_run, mapping=mapping if mapping is not None else preview.mapping)


def reap(session: Session, tenant_id: int) -> None:
    """Imports whose process died (killed, crashed) are marked failed; run them again."""
    runners.reap(session, Import, tenant_id, "The import was interrupted (its process "
                 "stopped) before it finished; nothing of it was written. Run it again.")


def get(session: Session, tenant_id: int, import_id: int) -> Import:
    reap(session, tenant_id)
    job = session.scalar(select(Import).where(Import.tenant_id == tenant_id,
                                              Import.id == import_id))
    if job is None:
        raise NotFound(f"No import with id {import_id}.")
    return job


STALE_UPLOAD_SECONDS = 24 * 3600


def _forget_old_uploads(session: Session, tenant_id: int) -> None:
    """Previews never committed give their file back after a day (the report stays)."""
    cutoff = utcnow() - timedelta(seconds=STALE_UPLOAD_SECONDS)
    old = list(session.scalars(select(Import).where(
        Import.tenant_id == tenant_id, Import.source_path.is_not(None),
        Import.finished_at < cutoff)))
    for job in old:
        with contextlib.suppress(OSError):
            Path(job.source_path or "").unlink()
        job.source_path = None
    if old:
        session.commit()


def history(session: Session, tenant_id: int, limit: int = 50) -> list[Import]:
    reap(session, tenant_id)
    _forget_old_uploads(session, tenant_id)
    return list(session.scalars(select(Import).where(Import.tenant_id == tenant_id)
                                .order_by(Import.started_at.desc(), Import.id.desc())
                                .limit(limit)))
