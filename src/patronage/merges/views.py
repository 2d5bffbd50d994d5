"""Admin pages for merging: customers side by side, the customer kept and each field's value
picked, and undoing a merge from the survivor's timeline."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from patronage import web
from patronage.customers import access, fields, queries, rules
from patronage.deps import IdPath, SessionDep
from patronage.errors import PatronageError, ValidationFailed
from patronage.merges import plan, service
from patronage.merges.codes import MergeCode
from patronage.tenancy.service import require_writer
from patronage.types import MAX_INT, format_phone

router = APIRouter()
MAX_SHOWN = 4  # customers side by side on the page (the API merges up to MAX_MERGED)


def _ids(raw: str) -> list[int]:
    """Customer ids as the page's address names them (``3,5``), each once, in order."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or len(parts) > MAX_SHOWN or not all(re.fullmatch(r"[0-9]{1,10}", p)
                                                       for p in parts):
        raise ValidationFailed.field("ids", f"Pick 2 to {MAX_SHOWN} customers to merge.",
                                     MergeCode.INVALID_MERGE)
    ids = list(dict.fromkeys(int(p) for p in parts))
    if len(ids) < 2 or not all(0 < i <= MAX_INT for i in ids):
        raise ValidationFailed.field("ids", f"Pick 2 to {MAX_SHOWN} customers to merge.",
                                     MergeCode.INVALID_MERGE)
    return ids


def _shown(session: SessionDep, tenant_id: int, rows: dict[int, dict[str, Any]]
           ) -> dict[int, dict[str, str]]:
    """Each customer's kept fields as the page shows them (a list item by its name)."""
    names: dict[str, dict[int, str]] = {}
    for field, (model, _label) in rules.REFERENCES.items():
        wanted = {r[field] for r in rows.values() if r[field] is not None}
        names[field] = dict(session.execute(select(model.id, model.name).where(
            model.tenant_id == tenant_id, model.id.in_(wanted))).all()) if wanted else {}
    out: dict[int, dict[str, str]] = {}
    for cid, row in rows.items():
        shown = {}
        for field in plan.KEPT:
            value = row[field]
            if value is None or value == "":
                text = "—"
            elif field in names:
                text = names[field].get(value, f"#{value}")
            elif isinstance(value, bool):
                text = "Yes" if value else "No"
            elif isinstance(value, datetime):
                text = value.strftime("%b %d, %Y")
            elif isinstance(value, date):
                text = value.strftime("%b %d, %Y")
            elif field == "phone":
                text = format_phone(value)
            else:
                text = str(value)
            shown[field] = text
        out[cid] = shown
    return out


def _page(request: Request, session: SessionDep, member: web.Member, ids: list[int],
          survivor: int, picked: dict[str, int] | None = None, error: str | None = None,
          status_code: int = 200) -> Response:
    rows, defaults = service.preview(session, member.tenant_id, survivor,
                                     [i for i in ids if i != survivor])
    records = {c.id: c for c in queries.read_many(session, member.tenant_id, ids)}
    chosen = defaults | (picked or {})
    differing, same = [], []
    for name in plan.KEPT:
        values = [rows[i][name] for i in ids]
        if all(plan.empty(v) for v in values):
            continue
        (differing if len({repr(v) for v in values}) > 1 else same).append(fields.BY_NAME[name])
    return web.render(request, "customers/merge.html", {
        "principal": member, "ids": ids, "survivor": survivor, "customers": records,
        "rows": rows, "shown": _shown(session, member.tenant_id, rows),
        "differing": differing, "same": same, "chosen": chosen,
        "may_merge": all(access.editable(session, member, list(records.values()))),
        "tags": sorted({t for c in records.values() for t in c.tags}),
        "error": error, "undo_days": service.UNDO_DAYS}, status_code=status_code)


@router.get("/customers/merge")
def merge_page(request: Request, member: web.Member, session: SessionDep, ids: str = "",
               survivor: int | None = None) -> Response:
    try:
        wanted = _ids(ids)
        kept = survivor if survivor in wanted else wanted[0]
        return _page(request, session, member, wanted, kept)
    except PatronageError as exc:
        web.flash(request, exc.detail, "error")
        return RedirectResponse("/customers/duplicates", status_code=303)


@router.post("/customers/merge", dependencies=[web.CsrfChecked])
def merge(request: Request, form: web.PostedForm, member: web.Member,
          session: SessionDep) -> Response:
    require_writer(member)
    try:
        ids = _ids(str(form.get("ids", "")))
        survivor = int(str(form.get("survivor", "")) or 0)
        if survivor not in ids:
            raise ValidationFailed.field("survivor", "Pick the customer to keep.",
                                         MergeCode.INVALID_MERGE)
    except (ValueError, PatronageError) as exc:
        web.flash(request, getattr(exc, "detail", "Pick the customers to merge."), "error")
        return RedirectResponse("/customers/duplicates", status_code=303)
    keep: dict[str, int] = {}
    for name in plan.KEPT:
        value = str(form.get(f"keep_{name}", ""))
        if value.isascii() and value.isdigit() and int(value) in ids:
            keep[name] = int(value)
    versions = {i: int(v) for i in ids
                if (v := str(form.get(f"version_{i}", ""))).isascii() and v.isdigit()
                and len(v) <= 10}
    others = [i for i in ids if i != survivor]
    try:
        service.merge(session, member, survivor, others, keep, versions, source="admin")
    except PatronageError as exc:
        session.rollback()
        try:  # the page again, with the reason (a customer changed, a key in use...)
            return _page(request, session, member, ids, survivor, keep, exc.detail,
                         status_code=exc.status if 400 <= exc.status < 500 else 409)
        except PatronageError:  # a customer is not there to show (gone, or not ours)
            web.flash(request, exc.detail, "error")
            return RedirectResponse("/customers/duplicates", status_code=303)
    names = ", ".join(f"#{i}" for i in others)
    web.flash(request, f"Merged customer{'s' if len(others) > 1 else ''} {names} into this "
                       f"one. You can undo it from the timeline for {service.UNDO_DAYS} days.")
    return RedirectResponse(f"/customers/{survivor}", status_code=303)


@router.post("/customers/merges/{merge_id}/undo", dependencies=[web.CsrfChecked])
def undo(request: Request, merge_id: IdPath, member: web.Member,
         session: SessionDep) -> Response:
    require_writer(member)
    found = service.get(session, member.tenant_id, merge_id)  # 404 for another's
    try:
        m = service.undo(session, member, merge_id, source="admin")
        names = ", ".join(f"#{i}" for i in m.merged_ids)
        web.flash(request, f"Merge undone: customer{'s' if len(m.merged_ids) > 1 else ''} "
                           f"{names} {'are' if len(m.merged_ids) > 1 else 'is'} back with "
                           f"{'their' if len(m.merged_ids) > 1 else 'its'} own history.")
    except PatronageError as exc:
        session.rollback()
        web.flash(request, exc.detail, "error")
    return RedirectResponse(f"/customers/{found.survivor_id}#timeline", status_code=303)

