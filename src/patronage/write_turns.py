"""Turns at SQLite's write lock, taken in the order they were asked for.

SQLite lets one writer in at a time, and its busy handler lets waiting writers retry at
random moments: under a crowd a writer can lose every race and wait until its timeout while
later ones get in. Within a server process, writers therefore queue here first, first come
first served, and hold their turn until their transaction ends (db.begin_writing takes it,
the connection's commit, rollback or return to the pool gives it back). A writer that does
not get its turn within the bound is answered 503 with Retry-After (errors.Busy) — never a
hang, never a 500. Other processes (a second server worker, the CLI) meet at SQLite's own
lock, with the remaining time as their busy timeout.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any

HELD = "patronage.write_turn"  # in a pooled connection's info while it holds the turn


class Turns:
    """A lock handed over in arrival order, with a bounded wait."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Event] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held and not self._waiting:
                self._held = True
                return True
            mine = threading.Event()
            self._waiting.append(mine)
        if mine.wait(timeout):
            return True  # handed over by release(): the turn is ours
        with self._mutex:
            if mine.is_set():  # handed over between the timeout and here
                return True
            self._waiting.remove(mine)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # straight to the next in line
            else:
                self._held = False

    @property
    def queued(self) -> int:
        return len(self._waiting)


TURNS = Turns()


def take(info: dict[str, Any], timeout: float) -> bool:
    """Wait (at most ``timeout`` seconds) for this process's turn to write; ``info`` is the
    pooled connection's, which holds the turn until give_back."""
    if info.get(HELD):
        return True
    if not TURNS.acquire(timeout):
        return False
    info[HELD] = True
    return True


def give_back(info: dict[str, Any]) -> None:
    """The connection's transaction ended (or the connection went back to the pool)."""
    if info.pop(HELD, False):
        TURNS.release()
