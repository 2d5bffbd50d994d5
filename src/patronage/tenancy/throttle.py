"""Failed sign-ins slow down whoever makes them: per account (workspace and email) and per
client address, each failure past a free allowance doubles the wait before the next try
(up to a cap), answered 429 with Retry-After. The answer never says whether the account
exists: unknown accounts are counted and refused the same way.

Counts live in the process (each worker counts its own); a success clears the account's.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

FREE_PER_ACCOUNT = 5
FREE_PER_ADDRESS = 20
FIRST_WAIT = 2.0  # seconds, doubled by each further failure
MAX_WAIT = 15 * 60.0
FORGET_AFTER = 60 * 60.0  # a quiet hour wipes the slate


def now() -> float:
    return time.monotonic()


@dataclass
class _Count:
    failures: int = 0
    blocked_until: float = 0.0
    last: float = 0.0


class Throttle:
    def __init__(self) -> None:
        self._counts: dict[str, _Count] = {}
        self._lock = threading.Lock()

    def wait(self, *keys: str) -> float:
        """Seconds until any of ``keys`` may try again (0: now)."""
        at = now()
        with self._lock:
            return max((c.blocked_until - at for k in keys
                        if (c := self._counts.get(k)) is not None), default=0.0) or 0.0

    def failed(self, key: str, free: int) -> None:
        at = now()
        with self._lock:
            count = self._counts.get(key)
            if count is None or at - count.last > FORGET_AFTER:
                count = self._counts[key] = _Count()
            count.failures += 1
            count.last = at
            if count.failures >= free:
                wait = min(MAX_WAIT, FIRST_WAIT * 2 ** (count.failures - free))
                count.blocked_until = at + wait
            if len(self._counts) > 100_000:  # an address sweep: forget the oldest half
                for stale in sorted(self._counts, key=lambda k: self._counts[k].last)[:50_000]:
                    del self._counts[stale]

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._counts.pop(key, None)


SIGN_INS = Throttle()


def account_key(workspace: str, email: str) -> str:
    return f"account:{workspace.strip().lower()}:{email.strip().lower()}"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"
