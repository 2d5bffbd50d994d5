"""How many requests the app serves at once, and what the others get.

A request inside the app holds at most one database connection and one worker thread at a
time; letting in more requests than there are connections would make threads wait for
connections held by requests that are themselves waiting for a thread (the 30-second
stall, then a 500, that a crowd of 60 clients caused). So at most MAX_CONCURRENT_REQUESTS
are served at once, the rest wait their turn in arrival order, and one that has waited
REQUEST_QUEUE_TIMEOUT seconds is answered 503 with Retry-After at once: never a hang, never
a 500. Static files and the health check are not counted.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import JSONResponse, PlainTextResponse

from patronage.errors import PROBLEM_JSON, Busy

EXEMPT = ("/static/", "/api/v1/health")


class ConcurrencyLimit:
    def __init__(self, app: Any, *, limit: int, queue_timeout: float) -> None:
        self.app, self.limit, self.queue_timeout = app, limit, queue_timeout
        self._slots: asyncio.Semaphore | None = None  # made in the server's event loop

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.limit)  # wakes waiters first come first
        try:
            await asyncio.wait_for(self._slots.acquire(), self.queue_timeout)
        except TimeoutError:
            await self._busy(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self._slots.release()

    async def _busy(self, scope: Any, receive: Any, send: Any) -> None:
        error = Busy(f"The server is serving {self.limit} requests and could not take this "
                     f"one within {self.queue_timeout:g} seconds; nothing was changed. Send "
                     "it again shortly.", retry_after=2)
        if scope["path"].startswith("/api/"):
            response: Any = JSONResponse(error.problem(scope["path"]), status_code=503,
                                         media_type=PROBLEM_JSON, headers=error.headers)
        else:
            response = PlainTextResponse(f"{error.title}. {error.detail}", status_code=503,
                                         headers=error.headers)
        await response(scope, receive, send)
