"""Each server process records what waits in the events inbox (events.inbox), oldest
first, as soon as the database is free: after an import commits, after a restart (a kill
-9 included), whenever an event is kept. A background thread, started and stopped with the
app (SQLite only)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from patronage.events import inbox, service

IDLE_SECONDS = 1.0  # how often an idle applier looks (an event kept here wakes it at once)
log = logging.getLogger(__name__)


def start() -> Callable[[], None]:
    """Start this process's applier; returns what stops it."""
    box = inbox.get()
    if box is None:
        return lambda: None
    stopping = threading.Event()

    def run() -> None:
        while not stopping.is_set():
            try:
                if service.drain():
                    continue  # more may wait: go on at once
            except Exception:  # noqa: BLE001 - kept events wait for the next round, logged
                log.exception("Recording events from the inbox failed; trying again")
            box.arrived.wait(IDLE_SECONDS)
            box.arrived.clear()

    thread = threading.Thread(target=run, name="events-inbox", daemon=True)
    thread.start()

    def stop() -> None:
        stopping.set()
        box.arrived.set()
        thread.join(timeout=30)

    return stop
