"""The stable codes of the duplicate finder's answers."""

from __future__ import annotations

from enum import StrEnum


class DuplicateCode(StrEnum):
    INVALID_PAIR = "invalid_pair"
    SCAN_RUNNING = "scan_running"
    NO_SCAN = "no_scan"
