"""Counting a query's rows within a time budget, for totals that may be shown as a bound.

``count_within(session, query, seconds)`` answers (rows counted, whether that is all of
them). The caller caps the query (LIMIT) and shows a count that is not all as a lower bound.

- SQLite counts inside its own VM, with a deadline the progress handler checks: all the
  rows, or nothing when time runs out (the page then gives the bound).
- PostgreSQL opens the query as a cursor and moves over it: MOVE counts rows without
  sending them, and it is moved in steps sized to what is left of the budget, so what it
  counted when time ran out is a true lower bound ("more than 2,000"), not nothing. No
  statement is cancelled, so no savepoint is needed around it, and it costs three round
  trips where a timeout around count(*) cost six.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.visitors import InternalTraversal

# SQLite: the deadline is checked every PROGRESS_STEPS VM steps (~2 ms). Each check needs
# the GIL, and with many requests at once a check every thousand steps waited for it so
# often that the read itself slowed several-fold (found with bench/load.py).
PROGRESS_STEPS = 10_000
# PostgreSQL: the first step, before the pace of the rows is known (~0.5-3 ms at a million
# customers), and the smallest one after it (a round trip costs about as much as 100 rows).
FIRST_STEP = 1_000
LEAST_STEP = 200
CURSOR = "patronage_count"


class QueryTimeout(Exception):
    """A read ran past the deadline ``time_limit`` gave it (and was stopped)."""


def count_within(session: Session, query: Select[Any], seconds: float) -> tuple[int, bool]:
    """(rows ``query`` gives, True), or (rows counted so far, False) past ``seconds``."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        try:
            with time_limit(session, seconds):
                found = session.scalar(select(func.count()).select_from(query.subquery()))
        except QueryTimeout:
            return 0, False
        return int(found or 0), True
    conn.execute(_Declare(query))
    counted, whole = _moved_over(conn, seconds)
    # Closed when done (an error instead aborts the transaction, and the cursor with it).
    conn.exec_driver_sql(f"CLOSE {CURSOR}")
    return counted, whole


def _moved_over(conn: Any, seconds: float) -> tuple[int, bool]:
    started, counted, step = time.perf_counter(), 0, FIRST_STEP
    while True:
        moved = conn.exec_driver_sql(f"MOVE FORWARD {step} IN {CURSOR}").rowcount
        counted += moved
        if moved < step:
            return counted, True
        spent = time.perf_counter() - started
        if spent >= seconds:
            return counted, False
        # The rows the pace so far says fit in half the time left, and at most twice the
        # last step: the pace changes along the way (January's birthdays walked in date
        # order come in runs, a year apart), and a MOVE cannot be stopped part way.
        step = max(LEAST_STEP, min(2 * step, int(counted / spent * (seconds - spent) / 2)))


@contextmanager
def time_limit(session: Session, seconds: float) -> Iterator[None]:
    """SQLite: stop the reads inside if they run longer than ``seconds`` (QueryTimeout);
    an interrupted SELECT leaves the transaction as it was."""
    raw = session.connection().connection.dbapi_connection
    deadline = time.perf_counter() + seconds
    raw.set_progress_handler(lambda: time.perf_counter() > deadline, PROGRESS_STEPS)
    try:
        yield
    except OperationalError as exc:
        if "interrupted" in str(exc.orig):
            raise QueryTimeout from exc
        raise
    finally:
        raw.set_progress_handler(None, 0)


class _Declare(Executable, ClauseElement):
    """``DECLARE patronage_count NO SCROLL CURSOR FOR <query>``, its parameters bound as the
    query's own (cached as the query is)."""

    _traverse_internals = [("query", InternalTraversal.dp_clauseelement)]
    inherit_cache = True

    def __init__(self, query: Select[Any]) -> None:
        self.query = query


@compiles(_Declare)
def _declare(element: _Declare, compiler: Any, **kw: Any) -> str:
    return f"DECLARE {CURSOR} NO SCROLL CURSOR FOR {compiler.process(element.query, **kw)}"
