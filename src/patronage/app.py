"""Builds the FastAPI app: the API under /api/v1, the admin pages, static files."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, get_type_hints

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from patronage import __version__, web, write_notice
from patronage.capacity import ConcurrencyLimit
from patronage.customers import routes as customer_routes
from patronage.customers import views as customer_views
from patronage.db import BUSY_TIMEOUT_MS, busy_writing, is_locked
from patronage.duplicates import routes as duplicate_routes
from patronage.duplicates import views as duplicate_views
from patronage.errors import (
    PROBLEM_JSON,
    Busy,
    MalformedRequest,
    Merged,
    NotFound,
    PatronageError,
    Problem,
    ValidationFailed,
    from_pydantic,
    problem_response,
    with_region_problems,
)
from patronage.events import applier
from patronage.events import routes as event_routes
from patronage.imports import routes as import_routes
from patronage.imports import views as import_views
from patronage.imports.jobs import TooLarge
from patronage.merges import routes as merge_routes
from patronage.merges import views as merge_views
from patronage.reports import routes as report_routes
from patronage.reports import views as report_views
from patronage.security_headers import SecurityHeaders
from patronage.settings import get_settings
from patronage.settings_lists import routes as settings_routes
from patronage.settings_lists import views as settings_views
from patronage.storefront import routes as storefront_routes
from patronage.storefront import views as storefront_views
from patronage.tenancy import routes as tenancy_routes
from patronage.tenancy import team_views
from patronage.tenancy import views as auth_views

STATIC_DIR = Path(__file__).parent / "static"
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": description,
             "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    for status, description in [
        (400, "Malformed request"), (401, "No or invalid bearer token"),
        (403, "The role may not do this"), (404, "Not found in this tenant"),
        (409, "Conflicts with existing data"), (412, "Stale If-Match"),
        (422, "Invalid input"), (428, "If-Match required"),
        (503, "Busy: not served in time; nothing changed (see Retry-After)")]}
API_PREFIX = "/api/v1"
logger = logging.getLogger("patronage")


def _problem(request: Request, error: PatronageError) -> Response:
    if request.url.path.startswith("/api/"):
        if isinstance(error, Merged):
            error = error.answering(request.method)
        response = problem_response(error, request.url.path)
        if isinstance(error, Merged) and error.status == 308:
            response.headers["Location"] = error.moved(request.url.path, request.url.query)
        return response
    return web.error_page(request, error)


def _pool_exhausted(request: Request, _exc: PoolTimeout) -> Response:
    return _problem(request, Busy("No database connection came free in time; nothing was "
                                  "changed. Send the request again shortly."))


def _database_error(request: Request, exc: OperationalError) -> Response:
    """SQLite's lock held past every wait (a statement outside db.begin_writing): 503."""
    if not is_locked(exc):
        raise exc
    importing = write_notice.current(get_settings().database_url)
    return _problem(request, busy_writing(BUSY_TIMEOUT_MS / 1000, importing))


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    errors = list(exc.errors())
    if any(e.get("type") == "json_invalid" for e in errors):
        ctx = errors[0].get("ctx") or {}
        return _problem(request, MalformedRequest(
            f"The body is not valid JSON: {ctx.get('error', 'parse error')}."))
    # Drop the "body"/"query"/"path" prefix so pointers name the field itself.
    field_errors = from_pydantic(errors, strip_loc=1)
    principal = getattr(request.state, "principal", None)  # deps.api_principal
    endpoint = request.scope.get("endpoint")
    if principal is not None and endpoint is not None:
        for model in get_type_hints(endpoint).values():
            field_errors = with_region_problems(model, field_errors, exc.body,
                                                principal.tenant_region)
    return _problem(request, ValidationFailed.of(field_errors))


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 404:
        return _problem(request, NotFound("Nothing lives at this address."))
    error = PatronageError(detail=str(exc.detail))
    error.status = exc.status_code
    error.code = "http_error"
    error.title = "Request refused"
    return _problem(request, error)


class Unexpected(PatronageError):
    status, code, title = 500, "internal_error", "Something went wrong"


class Faults:
    """ASGI middleware inside SecurityHeaders and the session: an exception no handler
    took is logged and answered as the usual page (or problem), with the same headers and
    session as any answer — never Starlette's plain text."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Any) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started:
                raise
            logger.exception("Unhandled error on %s %s", scope.get("method"), scope["path"])
            await _unexpected(Request(scope, receive), exc)(scope, receive, send)


def _unexpected(request: Request, _exc: Exception) -> Response:
    """A fault of ours: the usual page (or problem), never a bare traceback or plain text."""
    return _problem(request, Unexpected(
        "Something went wrong on our side, not in what you did; nothing was half-saved (each "
        "change is one transaction). Try again; if it keeps happening, tell us what you were "
        "doing and when."))


def _tune_gc() -> None:
    """A request can allocate ~100,000 short-lived objects (a batch of 1,000 events); with
    CPython's defaults that sets off full collections that walk every long-lived object and
    stall a request by ~100 ms. Move what start-up built out of the collector's sight and
    collect the young generation less often."""
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


class UploadLimit:
    """Refuse an import upload over IMPORT_MAX_BYTES from its Content-Length, before a byte
    of the body is read (jobs.save_upload counts too, for bodies without a length)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (scope["type"] == "http" and scope["method"] == "POST"
                and scope["path"].rstrip("/") in (f"{API_PREFIX}/imports", "/imports")):
            length = dict(scope["headers"]).get(b"content-length", b"")
            limit = get_settings().import_max_bytes
            if length.isdigit() and int(length) > limit + 1024 * 1024:  # room for the form
                error = TooLarge(f"The file is larger than the {limit:,}-byte limit "
                                 "(IMPORT_MAX_BYTES).")
                await problem_response(error, scope["path"])(scope, receive, send)
                return
        await self.app(scope, receive, send)


@asynccontextmanager
async def _lifespan(_app: FastAPI) -> AsyncIterator[None]:
    stop = applier.start()  # events kept in the inbox are recorded by every process
    try:
        yield
    finally:
        stop()


def create_app() -> FastAPI:
    settings = get_settings()
    app = FastAPI(title="Patronage API", version=__version__, lifespan=_lifespan,
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=None, redoc_url=None,
                  description="Customer directory and light CRM. Authenticate with "
                              "`Authorization: Bearer <token>` (`patronage token create`). "
                              "Errors are RFC 9457 problem details.")
    app.add_middleware(Faults)  # inside SecurityHeaders: a 500 gets the same headers
    app.add_middleware(SecurityHeaders)  # inside the session middleware: sees who is in
    app.add_middleware(UploadLimit)
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key,
                       session_cookie="patronage_session", max_age=settings.session_max_age,
                       same_site="lax", https_only=bool(settings.cookie_secure))
    app.add_middleware(ConcurrencyLimit, reads=settings.max_concurrent_requests,
                       writes=settings.max_concurrent_writes,
                       queue_timeout=settings.request_queue_timeout)  # outermost
    app.add_exception_handler(PatronageError, _problem)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(PoolTimeout, _pool_exhausted)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _database_error)  # type: ignore[arg-type]
    app.add_exception_handler(web.LoginRequired, web.to_login)  # type: ignore[arg-type]

    api = APIRouter(prefix=API_PREFIX, responses=PROBLEM_RESPONSES)

    @api.get("/health", tags=["health"], summary="Liveness check (no auth)")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    api.include_router(customer_routes.router)
    api.include_router(customer_routes.views_router)
    api.include_router(event_routes.router)
    api.include_router(event_routes.timeline_router)
    api.include_router(import_routes.router)
    api.include_router(duplicate_routes.router)
    api.include_router(merge_routes.router)
    api.include_router(storefront_routes.router)  # before /settings/{list}
    api.include_router(report_routes.router)
    api.include_router(settings_routes.router)
    api.include_router(tenancy_routes.router)
    app.include_router(api)

    app.include_router(auth_views.router, include_in_schema=False)
    app.include_router(duplicate_views.router, include_in_schema=False)  # before /customers/{id}
    app.include_router(merge_views.router, include_in_schema=False)  # likewise
    app.include_router(customer_views.router, include_in_schema=False)
    app.include_router(team_views.router, include_in_schema=False)  # before /settings/{slug}
    app.include_router(storefront_views.router, include_in_schema=False)  # likewise
    app.include_router(settings_views.router, include_in_schema=False)
    app.include_router(import_views.router, include_in_schema=False)
    app.include_router(report_views.router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/api/docs", include_in_schema=False)
    def api_docs() -> Response:
        # Swagger UI from our own static files: the admin works with no network but ours.
        return get_swagger_ui_html(openapi_url=app.openapi_url or "", title="Patronage API",
                                   swagger_js_url="/static/vendor/swagger-ui-bundle.js",
                                   swagger_css_url="/static/vendor/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/customers", status_code=303)

    _tune_gc()
    return app
