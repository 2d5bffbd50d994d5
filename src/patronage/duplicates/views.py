"""Admin pages for duplicates: Customers → Duplicates, the likely pairs highest score first
with the signals behind each, dismissing one, and scanning the workspace with progress."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from patronage import web
from patronage.customers import queries
from patronage.deps import SessionDep
from patronage.duplicates import scans, service
from patronage.duplicates.routes import scan_out
from patronage.errors import PatronageError, ValidationFailed
from patronage.tenancy.service import require_writer
from patronage.types import MAX_INT

router = APIRouter()
PAGE = 50
MAX_CURSOR = 200  # as the API's cursor parameter


def _latest(session: SessionDep, tenant_id: int):  # type: ignore[no-untyped-def]
    try:
        return scan_out(scans.latest(session, tenant_id))
    except scans.NoScan:
        return None


@router.get("/customers/duplicates")
def duplicates_page(request: Request, member: web.Member, session: SessionDep,
                    cursor: str | None = None) -> Response:
    try:
        if cursor is not None and len(cursor) > MAX_CURSOR:
            raise ValidationFailed.field("cursor", "Not a cursor of this page.",
                                         "invalid_cursor")
        found, after = service.page(session, member.tenant_id, PAGE, cursor)
    except PatronageError:
        return RedirectResponse("/customers/duplicates", status_code=303)
    ids = sorted({i for p in found for i in (p.low_id, p.high_id)})
    customers = {c.id: c for c in queries.read_many(session, member.tenant_id, ids)}
    return web.render(request, "customers/duplicates.html", {
        "principal": member, "pairs": [p for p in found if p.low_id in customers
                                       and p.high_id in customers],
        "customers": customers, "next_cursor": after, "first_page": cursor is None,
        "scan": _latest(session, member.tenant_id)})


@router.get("/customers/duplicates/scan")
def scan_progress(request: Request, member: web.Member, session: SessionDep) -> Response:
    if not request.headers.get("HX-Request"):  # a fragment: opened by hand, show its page
        return RedirectResponse("/customers/duplicates", status_code=303)
    return web.render(request, "customers/_scan.html", {
        "principal": member, "scan": _latest(session, member.tenant_id)})


@router.post("/customers/duplicates/scan", dependencies=[web.CsrfChecked])
def scan(request: Request, member: web.Member, session: SessionDep) -> Response:
    require_writer(member)
    try:
        scans.start(session, member)
        web.flash(request, "Scanning the workspace for duplicates: the list is replaced when "
                           "it finishes.")
    except scans.ScanRunning as exc:
        web.flash(request, exc.detail, "error")
    return RedirectResponse("/customers/duplicates", status_code=303)


@router.post("/customers/duplicates/dismiss", dependencies=[web.CsrfChecked])
def dismiss(request: Request, form: web.PostedForm, member: web.Member,
            session: SessionDep) -> Response:
    require_writer(member)
    try:
        ids = [int(str(form.get(k, ""))) for k in ("low", "high")]
        if not all(0 < i <= MAX_INT for i in ids):
            raise ValueError
        service.dismiss(session, member, ids)
        web.flash(request, f"Customers #{ids[0]} and #{ids[1]} are no longer proposed as "
                           "duplicates (unless one of them changes its email, phone, license "
                           "or external ID).")
    except ValueError:
        web.flash(request, "Name two customers to dismiss.", "error")
    except PatronageError as exc:
        web.flash(request, exc.detail, "error")
    back = str(form.get("next", ""))
    if not re.fullmatch(r"/customers/[0-9]{1,10}", back):  # only a customer page of this site
        back = "/customers/duplicates"
    return RedirectResponse(back, status_code=303)
