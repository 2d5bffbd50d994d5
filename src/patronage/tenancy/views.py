"""Admin sign-in and sign-out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from patronage import web
from patronage.deps import AdminPrincipal, SessionDep
from patronage.errors import Unauthorized
from patronage.tenancy import service, throttle
from patronage.tenancy import sessions as admin_sessions

router = APIRouter()


def _safe_next(target: str | None) -> str:
    # Only local paths: an absolute or protocol-relative URL would be an open redirect.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/customers"


MY_CUSTOMERS = "/customers?sales_rep=me"


@router.get("/login")
def login_form(request: Request, principal: AdminPrincipal, next: str | None = None) -> Response:
    if principal is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return web.render(request, "auth/login.html",
                      {"next": _safe_next(next), "workspace": request.session.get("workspace",
                                                                                   "")})


@router.post("/login", dependencies=[web.CsrfChecked])
def login(request: Request, session: SessionDep, workspace: Annotated[str, Form()] = "",
          email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/customers") -> Response:
    account = throttle.account_key(workspace, email)
    address = throttle.address_key(request.client.host if request.client else None)
    wait = throttle.SIGN_INS.wait(account, address)
    if wait > 0:  # before any password check: a blocked guess costs nothing
        seconds = max(1, int(wait + 0.999))
        response = web.render(request, "auth/login.html", {
            "error": f"Too many failed sign-ins. Try again in {seconds} seconds.",
            "workspace": workspace, "email": email, "next": _safe_next(next)},
            status_code=429)
        response.headers["Retry-After"] = str(seconds)
        return response
    try:
        principal = service.authenticate_password(session, tenant_slug=workspace, email=email,
                                                  password=password)
    except Unauthorized as exc:
        throttle.SIGN_INS.failed(account, throttle.FREE_PER_ACCOUNT)
        throttle.SIGN_INS.failed(address, throttle.FREE_PER_ADDRESS)
        return web.render(request, "auth/login.html",
                          {"error": exc.detail, "workspace": workspace, "email": email,
                           "next": _safe_next(next)}, status_code=401)
    throttle.SIGN_INS.succeeded(account)
    admin_sessions.start(request.session, principal)
    target = _safe_next(next)
    if target == "/customers" and principal.role == "sales_rep":
        target = MY_CUSTOMERS  # a rep starts on their own customers
    return RedirectResponse(target, status_code=303)


@router.post("/logout", dependencies=[web.CsrfChecked])
def logout(request: Request, session: SessionDep, principal: AdminPrincipal) -> Response:
    workspace = request.session.get("workspace", "")
    if principal is not None:  # a cookie copied before now stops working too
        service.end_sessions(session, tenant_id=principal.tenant_id,
                             user_id=principal.user_id)
    request.session.clear()
    request.session["workspace"] = workspace
    web.flash(request, "You are signed out.")
    return RedirectResponse("/login", status_code=303)
