"""How many requests the app serves at once, and what the others get.

A request inside the app holds at most one database connection and one worker thread at a
time; letting in more requests than there are connections would make threads wait for
connections held by requests that are themselves waiting for a thread (the 30-second
stall, then a 500, that a crowd of 60 clients caused). So at most MAX_CONCURRENT_REQUESTS
reads and MAX_CONCURRENT_WRITES writes are served at once, the rest wait their turn in
arrival order, and one that has waited REQUEST_QUEUE_TIMEOUT seconds is answered 503 with
Retry-After at once: never a hang, never a 500. Static files and the health check are not
counted.

Reads, changes and events wait in separate lines: changes queue for SQLite's one write
lock, and a crowd of them must not take every place a read needs (a read never waits for a
writer), nor every place the sales channel's events need (while an import holds the lock,
staff edits wait for it and may be refused, but events are kept in the inbox within a
second, events.inbox: they must reach the app to be kept). Few
places rather than many: the Python part of every request runs one thread at a time, so
more threads only make each one slower, and a writer slowed that way holds the write lock
longer (found with bench/load.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.responses import PlainTextResponse

from patronage import write_notice
from patronage.db import busy_writing
from patronage.errors import Busy, problem_response
from patronage.settings import get_settings

EXEMPT = ("/static/", "/api/v1/health")


READS = frozenset({"GET", "HEAD", "OPTIONS"})
EVENTS = "/api/v1/events"  # POST /events and /events:batch


def line_of(method: str, path: str) -> str:
    if method in READS:
        return "reads"
    return "events" if path.startswith(EVENTS) else "changes"


class ConcurrencyLimit:
    def __init__(self, app: Any, *, reads: int, writes: int, queue_timeout: float) -> None:
        self.app, self.queue_timeout = app, queue_timeout
        self.limits = {"reads": reads, "changes": writes, "events": writes}
        # Made in the server's event loop, on first use; they wake waiters first come first.
        self._lines: dict[str, asyncio.Semaphore] = {}

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        kind = line_of(scope["method"], scope["path"])
        line = self._lines.get(kind)
        if line is None:
            line = self._lines[kind] = asyncio.Semaphore(self.limits[kind])
        if kind == "changes" and line.locked() and write_notice.current(
                get_settings().database_url) is not None:
            # Every place taken by changes waiting for an import's lock: no use queueing.
            await self._answer(scope, receive, send, busy_writing(0, importing={}))
            return
        try:
            await asyncio.wait_for(line.acquire(), self.queue_timeout)
        except TimeoutError:
            await self._busy(scope, receive, send, kind)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            line.release()

    async def _busy(self, scope: Any, receive: Any, send: Any, what: str) -> None:
        await self._answer(scope, receive, send, Busy(
            f"The server is serving {self.limits[what]} {what} at once and could not take "
            f"this one within {self.queue_timeout:g} seconds; nothing was changed. Send it "
            "again shortly.", retry_after=2))

    @staticmethod
    async def _answer(scope: Any, receive: Any, send: Any, error: Busy) -> None:
        if scope["path"].startswith("/api/"):
            response: Any = problem_response(error, scope["path"])
        else:
            response = PlainTextResponse(f"{error.title}. {error.detail}", status_code=503,
                                         headers=error.headers)
        await response(scope, receive, send)
