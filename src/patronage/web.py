"""What every admin page shares: templates, the signed-in member, CSRF, flash messages."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData

from patronage import __version__
from patronage.deps import AdminPrincipal
from patronage.errors import Forbidden, Merged, PatronageError
from patronage.tenancy.schemas import Principal
from patronage.types import format_phone

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")
TEMPLATES.env.globals["version"] = __version__
TEMPLATES.env.filters["phone"] = format_phone
TEMPLATES.env.filters["size"] = lambda n: (f"{n:,} bytes" if n < 1024 else
                                           f"{n / 1024:,.0f} KB" if n < 1024**2 else
                                           f"{n / 1024**2:,.1f} MB" if n < 1024**3 else
                                           f"{n / 1024**3:,.1f} GB")
TEMPLATES.env.filters["dt"] = lambda v: v.strftime("%b %d, %Y %H:%M") if v else None
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """Raised by pages that need a signed-in member; answered with a redirect to /login."""


def to_login(request: Request, _exc: LoginRequired) -> Response:
    if request.headers.get("HX-Request"):
        return Response(status_code=204, headers={"HX-Redirect": "/login"})
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def csrf_token(request: Request) -> str:
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


async def check_csrf(request: Request) -> None:
    """Synchronizer token: the form field (or htmx header) must equal the session's token."""
    sent = request.headers.get("X-CSRF-Token")
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = request.session.get(CSRF_FIELD)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise Forbidden("This form has expired or did not come from Patronage. "
                        "Reload the page and try again.")


def _signed_in(principal: AdminPrincipal) -> Principal:
    if principal is None:
        raise LoginRequired()
    return principal


Member = Annotated[Principal, Depends(_signed_in)]


async def _posted_form(request: Request) -> FormData:
    """The posted form, read in the event loop (reading a body is async), so that views can
    be plain functions run in worker threads: their database work, waits for the write lock
    included, never holds up the loop and with it every other request (see capacity)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(_posted_form)]
CsrfChecked = Depends(check_csrf)


def flash(request: Request, message: str, kind: str = "success") -> None:
    request.session.setdefault("flash", []).append({"message": message, "kind": kind})


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status_code: int = 200) -> HTMLResponse:
    ctx = dict(context or {})
    ctx.setdefault("principal", None)
    partial = "/_" in template  # htmx fragments carry no sidebar
    if ctx["principal"] is not None and not partial and "sidebar_views" not in ctx:
        ctx["sidebar_views"] = _sidebar_views(request, ctx["principal"])
    ctx["csrf_token"] = csrf_token(request)
    ctx["flashes"] = request.session.pop("flash", [])
    return TEMPLATES.TemplateResponse(request, template, ctx, status_code=status_code)


def _sidebar_views(request: Request, principal: Principal) -> list[Any]:
    """The saved views every signed-in page lists under Customers, read with the request's
    own session (a request holds one connection at a time: see capacity)."""
    from patronage.customers import saved

    session = getattr(request.state, "db", None)
    if session is None:  # a page rendered outside a request's dependencies
        from patronage.db import session_scope

        with session_scope(principal.tenant_id) as own:
            return saved.list_views(own, principal)
    return saved.list_views(session, principal)


def error_page(request: Request, error: PatronageError) -> Response:
    if isinstance(error, Merged):
        error = error.answering(request.method)
        if error.status == 308:  # a merged customer's pages: the survivor's, with a note
            query = "&".join(q for q in (request.url.query, f"merged_from={error.merged_id}")
                             if q)
            return RedirectResponse(error.moved(request.url.path, query), status_code=303)
    response = render(request, "error.html", {"error": error}, status_code=error.status)
    response.headers.update(error.headers)
    return response
