"""Imports API: upload a CSV (dry run or commit), then follow it; the history."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status

from patronage.db import as_utc, utcnow
from patronage.deps import ApiPrincipal, IdPath, SessionDep
from patronage.errors import ValidationFailed
from patronage.imports import jobs
from patronage.imports.models import Import
from patronage.imports.schemas import CommitIn, ImportOut
from patronage.settings import get_settings
from patronage.tenancy.service import require_admin

router = APIRouter(prefix="/imports", tags=["imports"])


def to_out(job: Import) -> ImportOut:
    live = jobs.PROGRESS.get(job.id)
    share = min(1.0, live.read / live.size) if live else None
    rate = left = None
    if live and job.started_at:
        elapsed = max((utcnow() - as_utc(job.started_at)).total_seconds(), 1e-3)
        rate = live.rows / elapsed
        if live.stage == "reading" and share and share >= 0.02:
            left = elapsed * (1 - share) / share
    return ImportOut(
        id=job.id, user_id=job.user_id, file_name=job.file_name, size_bytes=job.size_bytes,
        dry_run=job.dry_run,
        status=job.status, message=job.message, started_at=job.started_at,
        finished_at=job.finished_at, seconds=job.seconds,
        rows_done=live.rows if live else None,
        progress=share, stage=live.stage if live else None,
        rows_per_second=rate, seconds_left=left,
        encoding=job.encoding, delimiter=job.delimiter, mapping=job.mapping,
        created=job.created, updated=job.updated, unchanged=job.unchanged,
        rejected=job.rejected, errors=job.errors or [], rows=job.rows or [])


def parse_mapping(raw: str | None) -> dict[str, str | None] | None:
    if not raw:
        return None
    try:
        mapping = json.loads(raw)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()):
        raise ValidationFailed.field("mapping", "The mapping must be a JSON object of column "
                                     "header -> customer field (null to ignore).",
                                     "invalid_mapping")
    return mapping


@router.post("", response_model=ImportOut, status_code=status.HTTP_202_ACCEPTED,
             summary="Upload a CSV of customers: a dry run (default) or the import itself",
             responses={413: {"description": "The file is over IMPORT_MAX_BYTES"}})
def upload(file: Annotated[UploadFile, File(description="The CSV (any encoding, any "
                                                        "delimiter).")],
           principal: ApiPrincipal, session: SessionDep,
           dry_run: Annotated[bool, Form(description="Report only; write nothing.")] = True,
           mapping: Annotated[str | None, Form(description=(
               "JSON object of header -> field (null to ignore); default: proposed from "
               "the header."))] = None) -> ImportOut:
    require_admin(principal)
    chosen = parse_mapping(mapping)
    path, size = jobs.save_upload(file.file, get_settings().import_max_bytes)
    job = jobs.start(session, principal, path, file.filename or "upload.csv", size,
                     dry_run=dry_run, mapping=chosen)
    return to_out(job)


@router.post("/{import_id}:commit", response_model=ImportOut,
             status_code=status.HTTP_202_ACCEPTED,
             summary="Import for real the file a dry run previewed")
def commit(import_id: IdPath, principal: ApiPrincipal, session: SessionDep,
           body: CommitIn | None = None) -> ImportOut:
    require_admin(principal)
    preview = jobs.get(session, principal.tenant_id, import_id)
    return to_out(jobs.commit(session, principal, preview, body.mapping if body else None))


@router.get("", response_model=list[ImportOut], summary="The import history, newest first")
def history(principal: ApiPrincipal, session: SessionDep) -> list[ImportOut]:
    return [to_out(j) for j in jobs.history(session, principal.tenant_id)]


@router.get("/{import_id}", response_model=ImportOut,
            summary="One import: its progress while running, then its report")
def get_import(import_id: IdPath, principal: ApiPrincipal, session: SessionDep) -> ImportOut:
    return to_out(jobs.get(session, principal.tenant_id, import_id))
