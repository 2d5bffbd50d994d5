"""The headers every response carries: no content sniffing and a same-origin referrer; on
admin pages a Content-Security-Policy that runs only our own script files and forbids
framing; no caching of what a signed-in member or a token holder sees; HSTS in
production."""

from __future__ import annotations

from typing import Any

from patronage.settings import get_settings

ADMIN_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
                "base-uri 'none'; object-src 'none'; frame-ancestors 'none'")
# The API's own documentation page runs Swagger UI's inline start-up script.
DOCS_POLICY = ADMIN_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
HSTS = "max-age=31536000; includeSubDomains"


def hsts() -> bool:
    return get_settings().environment == "production"


class SecurityHeaders:
    """ASGI middleware (inside the session middleware, so it sees who is signed in)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"),
                            (b"referrer-policy", b"same-origin")]
                if not path.startswith(("/api/", "/static/")):
                    headers.append((b"content-security-policy", ADMIN_POLICY.encode()))
                elif path == "/api/docs":
                    headers.append((b"content-security-policy", DOCS_POLICY.encode()))
                session = scope.get("session") or {}
                signed_in = bool(session.get("user_id")) or any(
                    k == b"authorization" for k, _ in scope["headers"])
                if signed_in and not path.startswith("/static/"):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                if hsts():
                    headers.append((b"strict-transport-security", HSTS.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
