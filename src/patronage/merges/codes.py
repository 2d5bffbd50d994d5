"""The stable codes of merging and undoing a merge."""

from __future__ import annotations

from enum import StrEnum


class MergeCode(StrEnum):
    INVALID_MERGE = "invalid_merge"
    UNKNOWN_FIELD = "unknown_field"
    NOT_IN_MERGE = "not_in_merge"
    ALREADY_UNDONE = "already_undone"
    UNDO_EXPIRED = "undo_expired"
    KEY_REUSED = "key_reused"
    SURVIVOR_GONE = "survivor_gone"
