"""REST endpoints about the caller and their team."""

from __future__ import annotations

from fastapi import APIRouter, Response

from patronage.deps import ApiPrincipal, IdPath, SessionDep
from patronage.tenancy import service, team
from patronage.tenancy.schemas import (
    Me,
    MemberCreated,
    MemberIn,
    RoleIn,
    TokenCreated,
    TokenIn,
    TokenOut,
    UserOut,
)

router = APIRouter(tags=["team"])


@router.get("/me", response_model=Me, summary="Who this token acts as")
def me(principal: ApiPrincipal) -> Me:
    return principal


@router.get("/users", response_model=list[UserOut], summary="Team members of the tenant")
def users(principal: ApiPrincipal, session: SessionDep) -> list[UserOut]:
    return service.list_users(session, tenant_id=principal.tenant_id)


@router.post("/users", response_model=MemberCreated, status_code=201,
             summary="Add a member with a role (admins); their password is shown once")
def add_member(data: MemberIn, principal: ApiPrincipal, session: SessionDep) -> MemberCreated:
    service.require_admin(principal)
    return team.add_member(session, principal, data)


@router.patch("/users/{user_id}", response_model=UserOut,
              summary="Change a member's role (admins); their sessions end")
def change_role(user_id: IdPath, data: RoleIn, principal: ApiPrincipal,
                session: SessionDep) -> UserOut:
    service.require_admin(principal)
    return team.change_role(session, principal, user_id, data.role)


@router.delete("/users/{user_id}", status_code=204, response_class=Response,
               summary="Deactivate a member (admins): their sessions and tokens stop at once")
def deactivate(user_id: IdPath, principal: ApiPrincipal, session: SessionDep) -> Response:
    service.require_admin(principal)
    team.deactivate(session, principal, user_id)
    return Response(status_code=204)


@router.get("/tokens", response_model=list[TokenOut], summary="The workspace's API tokens "
            "(admins)")
def tokens(principal: ApiPrincipal, session: SessionDep) -> list[TokenOut]:
    service.require_admin(principal)
    return team.list_tokens(session, principal)


@router.post("/tokens", response_model=TokenCreated, status_code=201,
             summary="Issue an API token (admins); the secret is shown once")
def issue_token(data: TokenIn, principal: ApiPrincipal, session: SessionDep) -> TokenCreated:
    service.require_admin(principal)
    return team.issue_token(session, principal, data)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response,
               summary="Revoke a token (admins): the next request with it is refused")
def revoke_token(token_id: IdPath, principal: ApiPrincipal, session: SessionDep) -> Response:
    service.require_admin(principal)
    team.revoke_token(session, principal, token_id)
    return Response(status_code=204)
