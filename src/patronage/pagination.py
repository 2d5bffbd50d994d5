"""Opaque keyset cursors: the last row's sort key, base64-encoded JSON."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from patronage.errors import ValidationFailed


def encode_cursor(key: list[Any]) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or not key:
        raise ValidationFailed.field("cursor", "The cursor is not one this server issued.",
                                     "invalid_cursor")
    return key


def decode_id_cursor(cursor: str) -> int:
    """A cursor over rows ordered by id alone."""
    last = decode_cursor(cursor)[0]
    if not isinstance(last, int) or isinstance(last, bool) or not 0 < last <= 2**31 - 1:
        raise ValidationFailed.field("cursor", "The cursor is not one this server issued.",
                                     "invalid_cursor")
    return last
