"""What the benchmarks share: percentiles of timings, a free loopback port, and a
command's time and peak memory."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass


def p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tree(pid: int) -> list[int]:
    """A process and its descendants (Linux /proc)."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                for child in f.read().split():
                    found += _tree(int(child))
    except OSError:
        pass
    return found


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Measured:
    seconds: float
    stdout: str
    main_peak_mb: float  # the command's own process
    tree_peak_mb: float  # it and its worker processes together


def run_measured(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Run a command to completion, sampling its memory (and its children's) every 50 ms."""
    with tempfile.TemporaryFile("w+") as sink:  # a pipe could fill up and stall it
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=sink, text=True)
        main = tree = 0
        while proc.poll() is None:
            sizes = {pid: _rss_kib(pid) for pid in _tree(proc.pid)}
            main, tree = max(main, sizes.get(proc.pid, 0)), max(tree, sum(sizes.values()))
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        sink.seek(0)
        out = sink.read()
    if proc.returncode:
        raise SystemExit(f"{command[0]} failed ({proc.returncode}): {out[:500]}")
    return Measured(seconds, out, main / 1024, tree / 1024)
