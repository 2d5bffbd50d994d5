"""Admin pages for imports: upload, the preview with its mapping, commit, progress, and
the history with each import's report."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from starlette.datastructures import UploadFile

from patronage import web
from patronage.deps import IdPath, SessionDep
from patronage.errors import PatronageError, ValidationFailed
from patronage.imports import jobs
from patronage.imports.mapping import FIELDS, SYNONYMS
from patronage.imports.routes import to_out
from patronage.settings import get_settings
from patronage.spreadsheets import attachment, neutralise
from patronage.tenancy import service as tenancy
from patronage.tenancy.models import User

router = APIRouter()
FIELD_LABELS = {f: SYNONYMS[f][0] for f in FIELDS}


@router.get("/imports")
def imports_page(request: Request, member: web.Member, session: SessionDep) -> Response:
    people = {uid: name or email for uid, name, email in session.execute(
        select(User.id, User.name, User.email).where(User.tenant_id == member.tenant_id))}
    return web.render(request, "imports/index.html", {
        "principal": member, "history": [to_out(j) for j in jobs.history(session,
                                                                           member.tenant_id)],
        "people": people, "limit": get_settings().import_max_bytes})


@router.post("/imports", dependencies=[web.CsrfChecked])
def upload(request: Request, form: web.PostedForm,
           member: web.Member, session: SessionDep) -> Response:
    tenancy.require_admin(member)
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        web.flash(request, "Choose a CSV file to import.", "error")
        return RedirectResponse("/imports", status_code=303)
    try:
        path, size = jobs.save_upload(file.file, get_settings().import_max_bytes)
    except PatronageError as exc:
        web.flash(request, exc.detail, "error")
        return RedirectResponse("/imports", status_code=303)
    job = jobs.start(session, member, path, file.filename, size,
                     dry_run=form.get("commit") != "now", mapping=None)
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


@router.get("/imports/{import_id}")
def import_page(request: Request, import_id: IdPath, member: web.Member,
                session: SessionDep) -> Response:
    job = to_out(jobs.get(session, member.tenant_id, import_id))
    return web.render(request, "imports/detail.html", {
        "principal": member, "job": job, "fields": FIELD_LABELS,
        "outcomes": sorted((r for r in job.rows if r["outcome"] != "unchanged"),
                           key=lambda r: r["line"])[:200]})


@router.get("/imports/{import_id}/progress")
def progress(request: Request, import_id: IdPath, member: web.Member,
             session: SessionDep) -> Response:
    job = to_out(jobs.get(session, member.tenant_id, import_id))
    if not request.headers.get("HX-Request"):  # a fragment: opened by hand, show its page
        return RedirectResponse(f"/imports/{import_id}", status_code=303)
    response = web.render(request, "imports/_progress.html", {"job": job})
    if job.status != "running":
        response.headers["HX-Refresh"] = "true"  # the report replaces the progress bar
    return response


def _mapping_from(form: object, job_mapping: dict[str, str | None]) -> dict[str, str | None]:
    chosen: dict[str, str | None] = {}
    for i, header in enumerate(job_mapping):
        value = form.get(f"map-{i}")  # type: ignore[attr-defined]
        if value not in (None, "") and value not in FIELDS:
            raise ValidationFailed.field("mapping", f"'{value}' is not a field.", "unknown_field")
        chosen[header] = value or None
    return chosen


@router.post("/imports/{import_id}/run", dependencies=[web.CsrfChecked])
def run_again(request: Request, form: web.PostedForm, import_id: IdPath, member: web.Member,
              session: SessionDep) -> Response:
    """Preview again with the mapping as edited, or commit the preview."""
    tenancy.require_admin(member)
    preview = jobs.get(session, member.tenant_id, import_id)
    try:
        mapping = _mapping_from(form, preview.mapping or {})
        job = jobs.commit(session, member, preview, mapping,
                          dry_run=form.get("action") != "commit")
    except PatronageError as exc:
        web.flash(request, exc.detail, "error")
        return RedirectResponse(f"/imports/{import_id}", status_code=303)
    return RedirectResponse(f"/imports/{job.id}", status_code=303)


@router.get("/imports/{import_id}/errors.csv")
def error_report(import_id: IdPath, member: web.Member, session: SessionDep) -> Response:
    job = jobs.get(session, member.tenant_id, import_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Line", "Column", "Problem", "Code"])
    for e in job.errors or []:
        writer.writerow([e.get("line") or "", neutralise(e.get("column") or ""),
                         neutralise(e.get("message", "")), e.get("code", "")])
    stem = job.file_name.rsplit(".", 1)[0][:80] or "import"
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": attachment(f"{stem}-problems.csv")})
