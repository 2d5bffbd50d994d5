"""Settings → Team and API tokens (admins): add a member, change a role, remove a member,
issue a token, revoke one. The same rules as the API (tenancy.team); a new member's password
and a new token's secret are shown on the page that answers the form, once, and never kept
in the session cookie."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from patronage import web
from patronage.deps import IdPath, SessionDep
from patronage.errors import Conflict, NotFound, PatronageError, ValidationFailed, from_pydantic
from patronage.tenancy import service, team
from patronage.tenancy.schemas import MemberIn, Principal, TokenIn

router = APIRouter()
ROLES = {"admin": "Admin — everything, including the team, imports and settings",
         "sales_rep": "Sales rep — keeps customers; no imports, team or settings",
         "viewer": "Viewer — reads only; may save private views"}


def _page(request: Request, session: Session, admin: Principal, *,
          shown: dict[str, Any] | None = None, failed: dict[str, Any] | None = None,
          status_code: int = 200) -> Response:
    people = team.members(session, admin.tenant_id)
    names = {u.id: u.name for u in people}
    now = datetime.now(UTC)
    tokens = [{"token": t, "owner": names.get(t.user_id, f"#{t.user_id}"),
               "state": ("revoked" if t.revoked_at else
                         "expired" if t.expires_at and t.expires_at <= now else "active")}
              for t in team.list_tokens(session, admin)]
    return web.render(request, "settings/team.html", {
        "principal": admin, "members": people, "tokens": tokens, "roles": ROLES,
        "shown": shown or {}, "failed": failed or {}}, status_code=status_code)


def _admin(member: Principal) -> Principal:
    service.require_admin(member)
    return member


def _refused(form: str, values: dict[str, Any], error: PatronageError) -> dict[str, Any]:
    return {"form": form, "values": values, "detail": error.detail,
            "errors": {e.name: e.detail for e in error.errors}}


def _parse(model: Any, values: dict[str, Any]) -> Any:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise ValidationFailed.of(from_pydantic(exc.errors())) from exc


@router.get("/settings/team")
def team_page(request: Request, member: web.Member, session: SessionDep) -> Response:
    return _page(request, session, _admin(member))


@router.post("/settings/team/members", dependencies=[web.CsrfChecked])
def add_member(request: Request, form: web.PostedForm, member: web.Member,
               session: SessionDep) -> Response:
    admin = _admin(member)
    values = {k: str(form.get(k, "")).strip() for k in ("email", "name", "role")}
    try:
        added = team.add_member(session, admin, _parse(MemberIn, values))
    except (ValidationFailed, Conflict) as exc:
        return _page(request, session, admin, failed=_refused("member", values, exc),
                     status_code=exc.status)
    return _page(request, session, admin, shown={"member": added}, status_code=201)


@router.post("/settings/team/members/{user_id}/role", dependencies=[web.CsrfChecked])
def change_role(request: Request, form: web.PostedForm, user_id: IdPath,
                member: web.Member, session: SessionDep) -> Response:
    admin = _admin(member)
    role = str(form.get("role", ""))
    if role not in ROLES:
        raise ValidationFailed.field("role", f"Choose one of: {', '.join(ROLES)}.",
                                     "invalid_choice")
    try:
        changed = team.change_role(session, admin, user_id, role)
    except Conflict as exc:
        web.flash(request, exc.detail, "error")
    else:
        web.flash(request, f"{changed.name} is now {role.replace('_', ' ')}.")
    return RedirectResponse("/settings/team#members", status_code=303)


@router.post("/settings/team/members/{user_id}/remove", dependencies=[web.CsrfChecked])
def remove_member(request: Request, user_id: IdPath, member: web.Member,
                  session: SessionDep) -> Response:
    admin = _admin(member)
    try:
        team.deactivate(session, admin, user_id)
    except Conflict as exc:
        web.flash(request, exc.detail, "error")
    else:
        web.flash(request, "Removed: their sessions and tokens stopped working; their name "
                           "stays on the history.")
    if user_id == admin.user_id:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/settings/team#members", status_code=303)


def _expiry(raw: str) -> datetime | None:
    """The last moment of the chosen day (UTC), or never."""
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationFailed.field("expires_at", "Give a date like 2027-06-30.",
                                     "invalid_date") from exc
    return datetime.combine(day, time.max, tzinfo=UTC)


@router.post("/settings/team/tokens", dependencies=[web.CsrfChecked])
def issue_token(request: Request, form: web.PostedForm, member: web.Member,
                session: SessionDep) -> Response:
    admin = _admin(member)
    values = {k: str(form.get(k, "")).strip() for k in ("name", "user_id", "expires_on")}
    try:
        data = _parse(TokenIn, {"name": values["name"], "user_id": values["user_id"] or None,
                                "expires_at": _expiry(values["expires_on"])})
        issued = team.issue_token(session, admin, data)
    except (ValidationFailed, NotFound) as exc:
        if isinstance(exc, NotFound):  # an owner who is not (or no longer) a member
            exc = ValidationFailed.field("user_id", exc.detail, "unknown_member")
        errors = {("expires_on" if e.name == "expires_at" else e.name): e.detail
                  for e in exc.errors}
        failed = {**_refused("token", values, exc), "errors": errors}
        return _page(request, session, admin, failed=failed, status_code=exc.status)
    return _page(request, session, admin, shown={"token": issued}, status_code=201)


@router.post("/settings/team/tokens/{token_id}/revoke", dependencies=[web.CsrfChecked])
def revoke_token(request: Request, token_id: IdPath, member: web.Member,
                 session: SessionDep) -> Response:
    admin = _admin(member)
    team.revoke_token(session, admin, token_id)
    web.flash(request, "Token revoked: the next request with it is refused.")
    return RedirectResponse("/settings/team#tokens", status_code=303)
