"""Files kept beside the SQLite database by its writers (the events inbox, an import's
notice), and whether the local process that wrote one still runs."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url


def path(database_url: str, suffix: str) -> Path | None:
    """``<database file>-<suffix>``; None for PostgreSQL or an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(f"{url.database}-{suffix}")


def alive(pid: int | None) -> bool:
    """A process of this machine still runs (SQLite's writers are all local)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
