"""The stream of an import: rows in chunks, converted in file order — in worker processes
for big files, with a bounded number of chunks in flight."""

from __future__ import annotations

import collections
import contextlib
import io
import multiprocessing
import os
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO, TypeVar

from patronage.customers import rules
from patronage.customers.staged import NewRows, StageFile
from patronage.imports.rows import Converter, Row
from patronage.types import normalize_email, normalize_phone

CHUNK = 2_500
T = TypeVar("T")


def estimate_rows(stream: BinaryIO) -> int:
    """Rows a file probably holds (~120 bytes a row), to pick the bulk-load strategy."""
    try:
        size = os.fstat(stream.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        size = len(stream.getbuffer()) if isinstance(stream, io.BytesIO) else 0
    return size // 120


# Converting a row (email-validator, phonenumbers) costs ~100 µs; past this many rows it is
# done in worker processes, one per core, while this process matches and writes.
PARALLEL_ROWS = 20_000
# Past a few workers the writing process is the bottleneck; and SQLite attaches at most
# ten files to a connection (one StageFile a worker).
MAX_WORKERS = 8


def rows_of(converter: Converter, new_rows: NewRows | None,
            batch: list[tuple[int, list[str]]]) -> tuple[list[Row], str | None]:
    """A batch's rows converted; with ``new_rows`` (a commit), each valid row also built
    as the new customer it becomes if nobody has its key (with the totals it states as
    imported ones): that work is done here, in a worker, not in the writing process. The
    built rows go into this process's StageFile (SQLite: its path is returned) or travel
    with the rows (``Row.prepared``)."""
    rows = [converter.row(line, cells) for line, cells in batch]
    if new_rows is None:
        return rows, None
    stage = _stage_file(new_rows.stem) if new_rows.stem else None
    built = []
    for row in rows:
        if not row.errors:
            values = dict(row.values)
            rules.import_totals(None, values, new_rows.now)
            prepared = new_rows.prepare(values)
            if stage is None:
                row.prepared = prepared
            else:
                built.append((row.line, *prepared))
    if stage is None:
        return rows, None
    stage.add(built)
    return rows, stage.path


# In each process: the StageFile of each import it builds rows for (a server may run two
# small imports at once, each in a thread of its own).
_stages: dict[str, StageFile] = {}
_stages_lock = threading.Lock()


def _stage_file(stem: str) -> StageFile:
    with _stages_lock:
        if stem not in _stages:
            _stages[stem] = StageFile(stem)
        return _stages[stem]


def close_stage(stem: str) -> None:
    with _stages_lock:
        stage = _stages.pop(stem, None)
    if stage is not None:
        stage.close()


# In a worker process: what it converts with.
_worker: tuple[Converter, NewRows | None] | None = None


def start_worker(converter: Converter, new_rows: NewRows | None) -> None:
    global _worker
    _worker = (converter, new_rows)


# A converted row as it travels back from a worker: (line, values, errors or None,
# prepared). Plain tuples pickle in about half the time of Row objects, on both sides, and
# the writing process unpickles every row of the file.
Packed = tuple[int, dict[str, Any], list[Any] | None, tuple[Any, ...] | None]


def convert(batch: list[tuple[int, list[str]]]) -> tuple[list[Packed], str | None]:
    assert _worker is not None, "start_worker runs first in each worker"
    # A file's addresses rarely repeat across batches: the caches hold one batch's, so a
    # worker's memory does not grow with the file.
    normalize_email.cache_clear()
    normalize_phone.cache_clear()
    rows, stage = rows_of(*_worker, batch)
    return [(r.line, r.values, r.errors or None, r.prepared) for r in rows], stage


def _unpacked(result: tuple[list[Packed], str | None]) -> tuple[list[Row], str | None]:
    packed, stage = result
    return [Row(line, values, errors or [], prepared=prepared)
            for line, values, errors, prepared in packed], stage


def _workers(converter: Converter, new_rows: NewRows | None, count: int) -> Any:
    """A pool of converting processes forked from a server that has imported only what
    converting and building rows needs (not this process's application, its threads,
    locks or sockets)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["patronage.imports.pipeline"])
    return context.Pool(count, initializer=start_worker, initargs=(converter, new_rows))


def converted(converter: Converter, new_rows: NewRows | None,
              batches: Iterator[tuple[T, list[tuple[int, list[str]]]]],
              estimated_rows: int, stack: contextlib.ExitStack
              ) -> Iterator[tuple[T, tuple[list[Row], str | None]]]:
    """Each batch's rows converted (and built, see rows_of), in file order, with what came
    with the batch: in worker processes for big files, with at most a few batches in
    flight (memory stays bounded whatever the file's size)."""
    if estimated_rows < PARALLEL_ROWS:
        if new_rows is not None and new_rows.stem:
            stack.callback(close_stage, new_rows.stem)
        yield from ((extra, rows_of(converter, new_rows, batch)) for extra, batch in batches)
        return
    workers = min(MAX_WORKERS, max(1, os.cpu_count() or 1))
    pool = None  # started by the first batch with rows to convert (a re-import may have none)
    pending: collections.deque[Any] = collections.deque()
    for extra, batch in batches:
        if batch and pool is None:
            pool = stack.enter_context(_workers(converter, new_rows, workers))
        pending.append((extra, pool.apply_async(convert, (batch,)) if batch else None))
        if len(pending) > workers:  # each worker busy, one batch waiting: enough
            extra, result = pending.popleft()
            yield extra, _unpacked(result.get()) if result else ([], None)
    while pending:
        extra, result = pending.popleft()
        yield extra, _unpacked(result.get()) if result else ([], None)


def chunks(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch
