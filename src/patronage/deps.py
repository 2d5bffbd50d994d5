"""Request dependencies as Annotated aliases, so route signatures stay short."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from patronage.db import between_threads, bind_tenant, new_session
from patronage.errors import Unauthorized
from patronage.tenancy import service as tenancy
from patronage.tenancy import sessions as admin_sessions
from patronage.tenancy.schemas import Principal
from patronage.types import MAX_INT

_bearer = HTTPBearer(auto_error=False, description="A token from `patronage token create`.")


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's one session (its dependencies and its page share it: at most one
    connection at a time per request, see capacity). Made in the event loop (a session
    touches no database until used: no worker thread needed); closed in a worker thread
    when it holds a connection (giving it back may run PRAGMA optimize)."""
    session = new_session()
    request.state.db = session
    try:
        yield session
    finally:
        request.state.db = None  # an error page rendered after this opens its own
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


def api_principal(request: Request, session: SessionDep, credentials: Annotated[
        HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("Send 'Authorization: Bearer <token>'.")
    principal = tenancy.authenticate_token(session, credentials.credentials)
    between_threads(session)  # a token's hourly last-used mark is committed on its own
    bind_tenant(session, principal.tenant_id)  # from here on, ORM queries see this tenant
    # Dependencies are solved before the body: a refused body is answered with the
    # workspace's own rules too (app._validation_error).
    request.state.principal = principal
    return principal


def admin_principal(request: Request, session: SessionDep) -> Principal | None:
    """The signed-in team member of the admin session, if any."""
    tenant_id, user_id = request.session.get("tenant_id"), request.session.get("user_id")
    if not tenant_id or not user_id:
        return None
    principal = tenancy.principal_for(session, tenant_id=tenant_id, user_id=user_id)
    if principal is None or not admin_sessions.still_valid(request.session, principal):
        workspace = request.session.get("workspace", "")
        request.session.clear()  # signed out elsewhere, idle too long, or too old
        request.session["workspace"] = workspace
        session.commit()
        return None
    between_threads(session)
    bind_tenant(session, principal.tenant_id)
    return principal


ApiPrincipal = Annotated[Principal, Depends(api_principal)]
AdminPrincipal = Annotated[Principal | None, Depends(admin_principal)]

# A row id in a URL; beyond the 32-bit range it cannot name anything (422, not a 500).
IdPath = Annotated[int, Path(ge=1, le=MAX_INT)]
