"""Admin page for the tenant-defined lists (admins add, rename and delete) and the team."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from patronage import web
from patronage.deps import IdPath, SessionDep
from patronage.errors import Conflict, NotFound, PatronageError, ValidationFailed, from_pydantic
from patronage.settings_lists import service
from patronage.settings_lists.kinds import KINDS, ListKind
from patronage.tenancy import service as tenancy
from patronage.tenancy.schemas import Principal

router = APIRouter()


def _kind(slug: str) -> ListKind:
    if slug not in KINDS:
        raise NotFound(f"No list called '{slug}'.")
    return KINDS[slug]


def _page(request: Request, session: Session, member: Principal,
          failed: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    lists = [(kind, service.list_items(session, kind, tenant_id=member.tenant_id))
             for kind in KINDS.values()]
    return web.render(request, "settings/index.html", {
        "principal": member, "lists": lists, "failed": failed or {},
        "users": tenancy.list_users(session, tenant_id=member.tenant_id)},
        status_code=status_code)


def _values(kind: ListKind, form: FormData, partial: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for field in kind.fields:
        raw = str(form.get(field.name, "")).strip()
        if field.input == "list":
            values[field.name] = [p.strip() for p in raw.split(",") if p.strip()]
        elif raw or field.input == "number" and partial:
            values[field.name] = raw or None
    return values


def _parse(model: Any, values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ValidationFailed.of(from_pydantic(exc.errors())) from exc


def _failed(slug: str, item_id: int | None, values: dict[str, Any],
            error: PatronageError) -> dict[str, Any]:
    messages = {e.name: e.detail for e in error.errors}
    return {"slug": slug, "item_id": item_id, "values": values, "errors": messages,
            "detail": error.detail}


@router.get("/settings")
def settings_page(request: Request, member: web.Member, session: SessionDep) -> Response:
    return _page(request, session, member)


def _save(request: Request, form: FormData, session: Session, member: Principal, slug: str,
          item_id: int | None) -> Response:
    """Add (item_id None) or change a list item from its form; errors re-render inline."""
    tenancy.require_admin(member)
    kind = _kind(slug)
    values = _values(kind, form, partial=item_id is not None)
    try:
        if item_id is None:
            item = service.create_item(session, kind, tenant_id=member.tenant_id,
                                       data=_parse(kind.create, values))
        else:
            item = service.update_item(session, kind, tenant_id=member.tenant_id,
                                       item_id=item_id, data=_parse(kind.update, values))
    except (ValidationFailed, Conflict) as exc:
        return _page(request, session, member, _failed(slug, item_id, values, exc), exc.status)
    web.flash(request, f"{'Added' if item_id is None else 'Saved'} {kind.singular} "
                       f"'{item.name}'.")
    return RedirectResponse(f"/settings#{slug}", status_code=303)


@router.post("/settings/{slug}", dependencies=[web.CsrfChecked])
def add_item(request: Request, form: web.PostedForm, slug: str, member: web.Member,
             session: SessionDep) -> Response:
    return _save(request, form, session, member, slug, None)


@router.post("/settings/{slug}/order", dependencies=[web.CsrfChecked])
def reorder(request: Request, form: web.PostedForm, slug: str, member: web.Member,
            session: SessionDep) -> Response:
    tenancy.require_admin(member)
    kind = _kind(slug)
    raw = [str(v) for v in form.getlist("ids")]
    try:
        if not all(v.isascii() and v.isdigit() and len(v) <= 10 for v in raw):
            raise ValidationFailed.field("ids", "Not a list of this page.", "invalid_order")
        service.reorder(session, kind, tenant_id=member.tenant_id, ids=[int(v) for v in raw])
        web.flash(request, f"Saved the order of the {kind.label.lower()}.")
    except ValidationFailed as exc:
        web.flash(request, exc.detail, "error")
    return RedirectResponse(f"/settings#{slug}", status_code=303)


@router.post("/settings/{slug}/{item_id}", dependencies=[web.CsrfChecked])
def update_item(request: Request, form: web.PostedForm,
                slug: str, item_id: IdPath, member: web.Member,
                session: SessionDep) -> Response:
    return _save(request, form, session, member, slug, item_id)


@router.post("/settings/{slug}/{item_id}/delete", dependencies=[web.CsrfChecked])
def delete_item(request: Request, slug: str, item_id: IdPath, member: web.Member,
                session: SessionDep) -> Response:
    tenancy.require_admin(member)
    kind = _kind(slug)
    item = service.get_item(session, kind, tenant_id=member.tenant_id, item_id=item_id)
    try:
        service.delete_item(session, kind, tenant_id=member.tenant_id, item_id=item_id)
    except Conflict as exc:
        web.flash(request, exc.detail, "error")
    else:
        web.flash(request, f"Deleted {kind.singular} '{item.name}'.")
    return RedirectResponse(f"/settings#{slug}", status_code=303)
