"""The stream of an import: rows in chunks, converted in file order — in worker processes
for big files, with a bounded number of chunks in flight."""

from __future__ import annotations

import collections
import contextlib
import io
import multiprocessing
import os
from collections.abc import Iterator
from typing import Any, BinaryIO, TypeVar

from patronage.imports.rows import Converter, Row, convert, start_worker

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


def _workers(converter: Converter, count: int) -> Any:
    """A pool of converting processes forked from a small server that has imported only the
    converter's module (not this process's application: ~25 MB a worker instead of ~100,
    and no inherited threads, locks or sockets)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["patronage.imports.rows"])
    return context.Pool(count, initializer=start_worker, initargs=(converter,))


def converted(converter: Converter, batches: Iterator[tuple[T, list[tuple[int, list[str]]]]],
               estimated_rows: int, stack: contextlib.ExitStack
               ) -> Iterator[tuple[T, list[Row]]]:
    """Each batch's rows converted, in file order, with what came with the batch: in worker
    processes for big files, with at most a few batches in flight (memory stays bounded
    whatever the file's size)."""
    if estimated_rows < PARALLEL_ROWS:
        yield from ((extra, [converter.row(line, cells) for line, cells in batch])
                    for extra, batch in batches)
        return
    workers = max(1, os.cpu_count() or 1)
    pool = None  # started by the first batch with rows to convert (a re-import may have none)
    pending: collections.deque[Any] = collections.deque()
    for extra, batch in batches:
        if batch and pool is None:
            pool = stack.enter_context(_workers(converter, workers))
        pending.append((extra, pool.apply_async(convert, (batch,)) if batch else None))
        if len(pending) > workers:  # each worker busy, one batch waiting: enough
            extra, result = pending.popleft()
            yield extra, result.get() if result else []
    while pending:
        extra, result = pending.popleft()
        yield extra, result.get() if result else []


def chunks(rows: Iterator[tuple[int, list[str]]]) -> Iterator[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch
