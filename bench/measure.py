"""What the benchmarks share: percentiles of timings, a free loopback port, a command's time
and peak memory, a process's tree, and a bench workspace served by its own process."""

from __future__ import annotations

import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (Linux /proc)."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    found += process_tree(int(child))
    except OSError:
        pass
    return found


def _rss_kib(pid: int, field: str = "VmRSS:", source: str = "status") -> int:
    try:
        with open(f"/proc/{pid}/{source}") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid: int) -> int:
    """Proportional set size: pages shared between processes (a fork server's children
    share their imported modules) counted once across them."""
    return _rss_kib(pid, "Pss:", "smaps_rollup")


@dataclass
class Measured:
    seconds: float
    stdout: str
    main_peak_mb: float  # the command's own process
    tree_peak_mb: float  # it and its worker processes together (RSS summed)
    tree_pss_mb: float  # the same, shared pages counted once (PSS summed)


def run_measured(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run a command to completion, sampling its memory (and its children's) every 50 ms."""
    with tempfile.TemporaryFile("w+") as sink:  # a pipe could fill up and stall it
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=sink, text=True)
        main = tree = pss = 0
        while proc.poll() is None:
            pids = process_tree(proc.pid)
            sizes = {pid: _rss_kib(pid) for pid in pids}
            main, tree = max(main, sizes.get(proc.pid, 0)), max(tree, sum(sizes.values()))
            pss = max(pss, sum(_pss_kib(pid) for pid in pids))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        sink.seek(0)
        out = sink.read()
    if proc.returncode:
        raise SystemExit(f"{command[0]} failed ({proc.returncode}): {out[:500]}")
    return Measured(seconds, out, main / 1024, tree / 1024, pss / 1024)


def db_url(db: Path | str) -> str:
    """A database URL as given, or a SQLite file's."""
    return db if isinstance(db, str) and "://" in db else f"sqlite:///{db}"


def db_env(db: Path | str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": db_url(db)}


def cli(db: Path | str, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "patronage.cli", *args], env=db_env(db),
                          check=True, capture_output=True, text=True).stdout


def workspace(db: Path | str, slug: str) -> tuple[str, str]:
    """A bench workspace with an admin; returns (token, password)."""
    os.environ["DATABASE_URL"] = db_url(db)
    from patronage import db as database
    from patronage.db import session_scope
    from patronage.settings import get_settings

    for cached in (get_settings, database.get_engine, database._session_factory):
        cached.cache_clear()  # this process may have opened another file before
    from patronage.errors import PatronageError
    from patronage.settings_lists import service as lists
    from patronage.settings_lists.kinds import KINDS
    from patronage.tenancy import service as tenancy

    password = secrets.token_urlsafe(12)
    email = f"bench@{slug}.example"
    with session_scope() as session:
        try:
            tenant = tenancy.create_tenant(session, slug=slug)
            database.bind_tenant(session, tenant.id)  # its rows are written as its own
            for kind, item in (("stores", {"name": "Main", "code": "main"}),):
                lists.create_item(session, KINDS[kind], tenant_id=tenant.id,
                                  data=KINDS[kind].create.model_validate(item))
        except PatronageError:
            tenant = tenancy.get_tenant(session, slug)
        try:
            tenancy.create_user(session, tenant_id=tenant.id, email=email, role="admin",
                                password=password, name="Bench")
        except PatronageError:
            tenancy.set_password(session, tenant_id=tenant.id, email=email, password=password)
        token = tenancy.create_token(session, tenant_id=tenant.id, email=email, label="bench")
    return token, password


class Server:
    """`patronage serve`'s app in its own uvicorn process on a free loopback port, up once
    /health answers; ``db`` a SQLite file or a database URL, else the environment's
    DATABASE_URL."""

    def __init__(self, db: Path | str | None = None, workers: int = 1) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "patronage.app:create_app", "--factory",
             "--port", str(self.port), "--log-level", "warning", "--workers", str(workers)],
            env=db_env(db) if db is not None else {**os.environ})
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                httpx.get(f"{self.base}/api/v1/health")
                return
            except httpx.TransportError:
                time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait()


def sign_in(client: httpx.Client, slug: str, email: str, password: str) -> None:
    import re
    page = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"workspace": slug, "email": email, "password": password,
                                "csrf_token": token, "next": "/customers"})
