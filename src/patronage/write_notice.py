"""A notice beside the SQLite database while an import holds its write lock, so that other
writers know at once why they cannot write: a staff edit is then refused within a second
(503, Retry-After, "an import is finishing") instead of holding its place for the whole
lock timeout, and events go to the inbox (events.inbox). A notice whose process is gone
(a kill -9) is ignored."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from patronage import beside_db


@contextmanager
def holding(database_url: str, what: str) -> Iterator[None]:
    """Post the notice for as long as the block runs (SQLite only)."""
    path = beside_db.path(database_url, "import")
    if path is None:
        yield
        return
    path.write_text(json.dumps({"pid": os.getpid(), "what": what,
                                "since": datetime.now(UTC).isoformat()}))
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def current(database_url: str) -> dict[str, Any] | None:
    """The import holding the database now, if any."""
    path = beside_db.path(database_url, "import")
    if path is None:
        return None
    try:
        notice = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return notice if beside_db.alive(int(notice.get("pid", 0))) else None
