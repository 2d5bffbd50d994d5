"""The stable codes of a report's refused input."""

from __future__ import annotations

from enum import StrEnum


class ReportCode(StrEnum):
    INVALID_RANGE = "invalid_range"
