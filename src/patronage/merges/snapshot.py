"""Rows as a merge keeps them for its undo: JSON, read back with their columns' types."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table


def encode(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row as JSON holds it (times and dates as ISO text, bytes as hex)."""
    out = {}
    for key, value in row.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif isinstance(value, bytes):
            value = value.hex()
        out[key] = value
    return out


def _python_type(table: Table, column: str) -> type | None:
    try:
        return table.c[column].type.python_type
    except NotImplementedError:
        return None


def decode(table: Table, data: Mapping[str, Any]) -> dict[str, Any]:
    """``encode``'s JSON back as ``table``'s row."""
    out = {}
    for key, value in data.items():
        kind = _python_type(table, key)
        if value is not None and isinstance(value, str):
            if kind is datetime:
                value = datetime.fromisoformat(value)
            elif kind is date:
                value = date.fromisoformat(value)
            elif kind is bytes:
                value = bytes.fromhex(value)
        out[key] = value
    return out
