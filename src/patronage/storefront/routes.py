"""Storefront settings (admins change them) and the checkout policy a storefront asks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from patronage.deps import ApiPrincipal, SessionDep
from patronage.errors import ValidationFailed
from patronage.storefront import service
from patronage.storefront.codes import StorefrontCode
from patronage.storefront.models import DEVICES
from patronage.storefront.schemas import (
    CheckoutPolicy,
    CheckoutSettings,
    PermissionSettings,
    SettingChangeOut,
    SignupSettings,
)

router = APIRouter(tags=["storefront"])


@router.get("/settings/checkout", response_model=CheckoutSettings,
            summary="Guest checkout mode per device type")
def get_checkout(principal: ApiPrincipal, session: SessionDep) -> Any:
    return service.checkout(service.rules(session, principal.tenant_id))


@router.put("/settings/checkout", response_model=CheckoutSettings,
            summary="Set the guest checkout mode of every device type (admins)")
def put_checkout(data: CheckoutSettings, principal: ApiPrincipal, session: SessionDep) -> Any:
    found = service.change(session, principal, {f"checkout_{d}": getattr(data, d)
                                                for d in DEVICES})
    return service.checkout(found)


@router.get("/settings/signup", response_model=SignupSettings,
            summary="How shoppers may sign up")
def get_signup(principal: ApiPrincipal, session: SessionDep) -> Any:
    return {"methods": service.rules(session, principal.tenant_id).signup_methods}


@router.put("/settings/signup", response_model=SignupSettings,
            summary="Set how shoppers may sign up (admins)")
def put_signup(data: SignupSettings, principal: ApiPrincipal, session: SessionDep) -> Any:
    return {"methods": service.change(session, principal,
                                      {"signup_methods": data.methods}).signup_methods}


@router.get("/settings/permissions", response_model=PermissionSettings,
            summary="What sales reps may edit")
def get_permissions(principal: ApiPrincipal, session: SessionDep) -> Any:
    return {"rep_edit_scope": service.rules(session, principal.tenant_id).rep_edit_scope}


@router.put("/settings/permissions", response_model=PermissionSettings,
            summary="Set what sales reps may edit (admins)")
def put_permissions(data: PermissionSettings, principal: ApiPrincipal,
                    session: SessionDep) -> Any:
    found = service.change(session, principal, {"rep_edit_scope": data.rep_edit_scope})
    return {"rep_edit_scope": found.rep_edit_scope}


@router.get("/settings/changes", response_model=list[SettingChangeOut],
            summary="The last changes of the workspace's settings, newest first")
def get_changes(principal: ApiPrincipal, session: SessionDep,
                limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Any:
    return service.changes(session, principal.tenant_id, limit)


@router.get("/checkout-policy", response_model=CheckoutPolicy,
            summary="What a guest on a device may do (cheap: ask on every page view)")
def get_policy(principal: ApiPrincipal, session: SessionDep,
               device: Annotated[str | None, Query(
                   max_length=40, description="web, ios or android")] = None) -> Any:
    if device not in DEVICES:
        said = "Say which device: " if device is None else f"No device called '{device}'; "
        raise ValidationFailed.field("device", f"{said}one of web, ios, android.",
                                     StorefrontCode.UNKNOWN_DEVICE)
    return service.policy(service.rules(session, principal.tenant_id), device)
