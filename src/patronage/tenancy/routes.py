"""REST endpoints about the caller and their team."""

from __future__ import annotations

from fastapi import APIRouter

from patronage.deps import ApiPrincipal, SessionDep
from patronage.tenancy import service
from patronage.tenancy.schemas import Me, UserOut

router = APIRouter(tags=["team"])


@router.get("/me", response_model=Me, summary="Who this token acts as")
def me(principal: ApiPrincipal) -> Me:
    return principal


@router.get("/users", response_model=list[UserOut], summary="Team members of the tenant")
def users(principal: ApiPrincipal, session: SessionDep) -> list[UserOut]:
    return service.list_users(session, tenant_id=principal.tenant_id)
