"""Counting a query's rows within a time budget, for totals that may be shown as a bound.

``count_within(session, query, seconds)`` answers (rows counted, whether that is all of
them). The caller caps the query (LIMIT) and shows a count that is not all as a lower bound.

- SQLite counts inside its own VM, with a deadline the progress handler checks: all the
  rows, or nothing when time runs out (the page then gives the bound).
- PostgreSQL opens the query as a cursor and moves over it: MOVE counts rows without
  sending them, and it is moved in steps sized to what is left of the budget, so what it
  counted when time ran out is a true lower bound ("more than 2,000"), not nothing. A
  single MOVE that runs past a hard ceiling (over sparse rows no index finds) is stopped by
  the server, inside a savepoint, and what was counted before it still stands.
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
CURSOR = "patronage_count"  # the cursor's name, and its savepoint's
# A statement of the count is stopped by the server past this many budgets (see
# count_within): a hard ceiling, well above what the steps aim for.
CEILING = 4


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
    # A MOVE cannot be stopped part way by the budget, and one over sparse rows (300
    # matches of a filter no index answers, in a million) reads on to the end: the server
    # stops any statement past CEILING budgets. Cancelled, it would abort the transaction,
    # so the count runs in a savepoint of its own (one round trip with the limit, one with
    # the release).
    ceiling = max(1, round(seconds * CEILING * 1000))
    conn.exec_driver_sql(f"SAVEPOINT {CURSOR}; SET LOCAL statement_timeout = {ceiling}")
    progress = [0]
    try:
        conn.execute(_Declare(query))
        whole = _moved_over(conn, seconds, progress)
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != "57014":  # not query_canceled
            raise
        # Rolled back to the savepoint: the cursor and the limit go, the count stays.
        conn.exec_driver_sql(f"ROLLBACK TO SAVEPOINT {CURSOR}; RELEASE SAVEPOINT {CURSOR}")
        return progress[0], False
    # Released with the limit undone (SET LOCAL outlives a released savepoint).
    conn.exec_driver_sql(f"CLOSE {CURSOR}; SET LOCAL statement_timeout TO DEFAULT; "
                         f"RELEASE SAVEPOINT {CURSOR}")
    return progress[0], whole


def _moved_over(conn: Any, seconds: float, counted: list[int]) -> bool:
    """Moves over the cursor, adding to ``counted[0]``; whether it reached the end."""
    started, step = time.perf_counter(), FIRST_STEP
    while True:
        moved = conn.exec_driver_sql(f"MOVE FORWARD {step} IN {CURSOR}").rowcount
        counted[0] += moved
        if moved < step:
            return True
        spent = time.perf_counter() - started
        if spent >= seconds:
            return False
        # The rows the pace so far says fit in half the time left, and at most twice the
        # last step: the pace changes along the way (January's birthdays walked in date
        # order come in runs, a year apart), and a MOVE cannot be stopped part way.
        step = max(LEAST_STEP, min(2 * step, int(counted[0] / spent * (seconds - spent) / 2)))


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
