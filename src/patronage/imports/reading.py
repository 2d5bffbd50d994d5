"""Reading a CSV as users have it: the encoding and delimiter found out, quoted fields with
commas and newlines, CRLF or LF, each record with the line it starts on. Streams."""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from patronage.errors import ValidationFailed
from patronage.imports.codes import ImportCode

SAMPLE = 64 * 1024
DELIMITERS = ",;\t|"
# Fields may hold long notes; the csv module's default limit (128 KB) is raised a little.
csv.field_size_limit(1024 * 1024)


@dataclass(frozen=True)
class Format:
    encoding: str
    delimiter: str


def _refuse(detail: str, code: str) -> ValidationFailed:
    return ValidationFailed.field("file", detail, code)


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM), else Windows-1252, else Latin-1."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise _refuse("This is not a CSV file (it contains binary data).", ImportCode.BINARY_FILE)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def detect_delimiter(sample: str) -> str:
    """The delimiter of the header line: the candidate it holds most of (ties: comma)."""
    first = next(iter(sample.splitlines()), "")
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    if counts[best] == 0:
        try:
            return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
        except csv.Error:
            return ","
    return best


def sniff(stream: BinaryIO) -> Format:
    """Look at the start of a seekable stream; it is rewound afterwards."""
    head = stream.read(SAMPLE)
    stream.seek(0)
    if not head.strip():
        raise _refuse("The file is empty.", ImportCode.EMPTY_FILE)
    encoding = detect_encoding(head)
    text = head.decode(encoding if encoding != "utf-16" else "utf-16", errors="ignore")
    if "\ufffd" in text[:1000] or sum(not (c.isprintable() or c in "\r\n\t")
                                      for c in text[:4000]) > 40:
        raise _refuse("This is not a CSV file (it contains binary data).", ImportCode.BINARY_FILE)
    return Format(encoding, detect_delimiter(text.lstrip("\ufeff")))


def records(stream: BinaryIO, fmt: Format) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, its cells), the header included; blank lines skipped."""
    text = io.TextIOWrapper(stream, encoding=fmt.encoding, errors="strict", newline="")
    reader = csv.reader(text, delimiter=fmt.delimiter, strict=False)
    line = 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            yield start, cells
    except UnicodeDecodeError as exc:
        raise ValidationFailed.field(
            "file", f"Line {line}: the text is not valid {fmt.encoding} ({exc.reason}).",
            "bad_encoding") from exc
    except csv.Error as exc:
        raise ValidationFailed.field("file", f"Line {line}: {exc}.", ImportCode.BAD_CSV) from exc
    finally:
        with contextlib.suppress(ValueError):  # the caller may have closed the file already
            text.detach()  # leave the caller's stream open
