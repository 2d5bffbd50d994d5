"""What every CSV file the product hands out shares: cells a spreadsheet would run as a
formula are neutralised, and the download is named safely whatever its language."""

from __future__ import annotations

from urllib.parse import quote

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """A cell a spreadsheet would run as a formula is prefixed with ' (shown, not run)."""
    return "'" + value if value.startswith(FORMULA_START) else value


def attachment(filename: str) -> str:
    """A Content-Disposition naming the download: the name as UTF-8 (RFC 6266 / 5987), and
    a plain-ASCII fallback for clients that read only that."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                       for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
