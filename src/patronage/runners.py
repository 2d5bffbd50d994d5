"""Which process runs a background job (imports, duplicate scans), and whether it still
does: a job row names its runner as host:pid, and a job whose process is gone is over."""

from __future__ import annotations

import os
import socket
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from patronage.db import session_scope, utcnow


def this_process() -> str:
    """The runner name of this process."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def alive(runner: str | None) -> bool:
    """Whether the process ``runner`` names still runs (another machine's: assumed so, it
    will say for itself)."""
    host, _, pid = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap(session: Session, model: Any, tenant_id: int, message: str) -> None:
    """A workspace's jobs of ``model`` still marked running whose process is gone are
    marked failed with ``message``. Polled while a job runs: writes only when one is."""
    running = session.scalars(select(model).where(model.tenant_id == tenant_id,
                                                  model.status == "running"))
    dead = [job for job in running if not alive(job.runner)]
    for job in dead:
        job.status, job.message, job.finished_at = "failed", message, utcnow()
    if dead:
        session.commit()


def record(model: Any, tenant_id: int, job_id: int, outcome: dict[str, Any]) -> None:
    """Save how a job ended (its row's fields) with the time it finished, in a session of
    its own."""
    with session_scope(tenant_id) as session:
        job = session.get(model, job_id)
        if job is not None:
            for key, value in outcome.items():
                setattr(job, key, value)
            job.finished_at = utcnow()
            session.commit()
