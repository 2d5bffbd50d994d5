"""Settings → Storefront: guest checkout per device, the sign-up strategy and what sales
reps may edit, on one form (admins change it; everyone sees it), with its change log."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from patronage import web
from patronage.deps import SessionDep
from patronage.errors import ValidationFailed, from_pydantic
from patronage.storefront import service
from patronage.storefront.models import DEVICES
from patronage.storefront.schemas import CheckoutSettings, PermissionSettings, SignupSettings
from patronage.tenancy.schemas import Principal

router = APIRouter()
REP_SCOPES = {"all": "Every customer", "own": "Only the customers assigned to them"}


def _page(request: Request, session: Session, member: Principal,
          values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    found = service.rules(session, member.tenant_id)
    current = {name: getattr(found, name) for name in service.SETTINGS}
    return web.render(request, "settings/storefront.html", {
        "principal": member, "values": values or current, "errors": errors or {},
        "modes": service.MODES, "devices": service.DEVICE_NAMES, "signup": service.SIGNUP,
        "scopes": REP_SCOPES, "changes": service.changes(session, member.tenant_id),
        "setting_names": {**{f"checkout_{d}": f"Guest checkout, {name}"
                             for d, name in service.DEVICE_NAMES.items()},
                          "signup_methods": "Sign-up", "rep_edit_scope": "Sales reps may edit"},
        "value_names": {**{m: label for m, (_f, label, _t) in service.MODES.items()},
                        **{m: label for m, (label, _t) in service.SIGNUP.items()},
                        **REP_SCOPES}},
        status_code=status_code)


@router.get("/settings/storefront")
def storefront_page(request: Request, member: web.Member, session: SessionDep) -> Response:
    return _page(request, session, member)


@router.post("/settings/storefront", dependencies=[web.CsrfChecked])
def save_storefront(request: Request, form: web.PostedForm, member: web.Member,
                    session: SessionDep) -> Response:
    values = {name: str(form.get(name, "")) for name in service.SETTINGS}
    errors: dict[str, str] = {}
    checks: list[tuple[Any, dict[str, Any], dict[str, str]]] = [
        (CheckoutSettings, {d: values[f"checkout_{d}"] for d in DEVICES},
         {d: f"checkout_{d}" for d in DEVICES}),
        (SignupSettings, {"methods": values["signup_methods"]},
         {"methods": "signup_methods"}),
        (PermissionSettings, {"rep_edit_scope": values["rep_edit_scope"]},
         {"rep_edit_scope": "rep_edit_scope"})]
    for model, data, names in checks:
        try:
            model.model_validate(data)
        except ValidationError as exc:
            for e in from_pydantic(exc.errors()):
                errors[names.get(e.name.strip("/"), e.name)] = "Choose one of the options."
    if errors:
        return _page(request, session, member, values, errors, ValidationFailed.status)
    service.change(session, member, values)
    web.flash(request, "Storefront settings saved.")
    return RedirectResponse("/settings/storefront", status_code=303)
