"""Engine, sessions and the dialect differences between SQLite and PostgreSQL."""

from __future__ import annotations

import json
import logging
import operator
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    Connection,
    Date,
    DateTime,
    Dialect,
    Engine,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    Table,
    TypeDecorator,
    UniqueConstraint,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    sessionmaker,
    with_loader_criteria,
)
from sqlalchemy.sql.base import Executable

from patronage import write_notice, write_turns
from patronage.errors import Busy
from patronage.migration_scope import only_on
from patronage.settings import get_settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class TenantScoped:
    """A table whose every row belongs to one tenant (``tenant_id``). In a session bound to
    a tenant (``bind_tenant``: every request, once it knows who asks), each ORM query of
    these tables — select, update, delete, relationship loads — gets the tenant's criterion
    added, so a query that forgets it still sees and changes nothing of another tenant.
    Core statements on a connection (the hot paths) take the tenant explicitly."""

    tenant_id: Mapped[int] = mapped_column(Integer)  # each table declares its own


def bind_tenant(session: Session, tenant_id: int) -> None:
    """From here on, ``session`` works for ``tenant_id``: its ORM queries get the tenant's
    criterion, and on PostgreSQL each of its transactions tells the database whose rows
    it may see and write (row-level security, ``tenant_setting``)."""
    bound = session.info.get("tenant_id")
    session.info["tenant_id"] = tenant_id
    if (bound != tenant_id and session.in_transaction()
            and session.get_bind().dialect.name == "postgresql"):
        session.connection().exec_driver_sql(tenant_setting(tenant_id))


def between_threads(session: Session) -> None:
    """A request's dependencies are done and its endpoint will run in another thread: on
    SQLite, end the transaction (a read snapshot held into a write would have to be
    upgraded, and the connection goes back to the pool meanwhile). On PostgreSQL the
    request goes on in the one transaction, its connection held (capacity lets in no more
    requests than there are connections): a COMMIT, a pool ping, a BEGIN and the tenant's
    SET fewer, ~1 ms of round trips a request. What the dependencies changed through the
    session is committed on both (they write nothing else: a token's hourly last-used mark
    commits itself)."""
    if (session.get_bind().dialect.name == "sqlite"
            or session.dirty or session.new or session.deleted):
        session.commit()


# The tenant a PostgreSQL transaction works for, which every tenant table's row-level
# security policy compares with its rows' tenant_id (migration 0023). Set for the
# transaction alone (SET LOCAL), so it never outlives it on a pooled or pgbouncer-shared
# connection (and Citus passes it on to the nodes holding the rows, docs/deploy.md); a
# transaction that sets none sees and writes no rows.
TENANT_SETTING = "app.tenant_id"


def tenant_setting(tenant_id: int) -> str:
    return f"SET LOCAL {TENANT_SETTING} = '{int(tenant_id)}'"


@event.listens_for(Session, "after_begin")
def _tell_the_database(session: Session, _transaction: Any, connection: Connection) -> None:
    tenant = session.info.get("tenant_id")
    if tenant is not None and connection.dialect.name == "postgresql":
        connection.exec_driver_sql(tenant_setting(tenant))


@event.listens_for(Session, "do_orm_execute")
def _scope_to_tenant(state: ORMExecuteState) -> None:
    tenant = state.session.info.get("tenant_id")
    if tenant is None or not state.is_orm_statement:  # Core statements name their tenant
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # One option for every tenant, its tenant a bound parameter given with each execution:
    # a lambda closing over the tenant made SQLAlchemy re-run it on every statement to
    # find the value (~50 µs a statement, a sixth of a directory page's Python).
    params = state.parameters
    state.parameters = ([{**p, _TENANT_PARAM: tenant} for p in params]
                        if isinstance(params, list) else {**(params or {}), _TENANT_PARAM: tenant})
    state.statement = state.statement.options(_TENANT_CRITERIA)


_TENANT_PARAM = "scoped_tenant_id"  # spelled out in the lambda too (a name it closes
# over would be taken for a value to track)
_TENANT_CRITERIA = with_loader_criteria(
    TenantScoped, lambda cls: cls.tenant_id == bindparam("scoped_tenant_id"),
    include_aliases=True)


def tenant_fk(column: str, table: str, ondelete: str | None = "RESTRICT"
              ) -> ForeignKeyConstraint:
    """A reference within one tenant: (tenant_id, column) -> (table.tenant_id, table.id),
    so no row can point at another tenant's."""
    return ForeignKeyConstraint(["tenant_id", column], [f"{table}.tenant_id", f"{table}.id"],
                                ondelete=ondelete)


def tenant_row_key() -> UniqueConstraint:
    """(tenant_id, id), the key every reference to a tenant's row names (``tenant_fk``). On
    PostgreSQL it is the table's primary key (migration 0024: a table distributed by tenant
    must lead every key with it); SQLite keeps ``id``, its rowid, as the primary key and
    this as a unique key beside it."""
    return only_on("sqlite", UniqueConstraint("tenant_id", "id"))


def as_utc(value: datetime) -> datetime:
    """The same instant in UTC; a time without an offset is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way out on every engine (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # On SQLite the value is text in one fixed shape (see _sqlite_datetime): convert it
    # directly, instead of SQLAlchemy's regular-expression parse and then ours (~5x faster
    # on pages and batches that read thousands of timestamps).
    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_datetime
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object
                         ) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _from_sqlite_datetime
        return super().result_processor(dialect, coltype)


def _from_sqlite_datetime(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


# How long a statement outside begin_writing waits for another writer (then "database is
# locked", answered 503 by the app).
BUSY_TIMEOUT_MS = 5000


@contextmanager
def _busy_timeout(raw: Any, ms: int) -> Iterator[None]:
    """SQLite waits at most ``ms`` for another writer inside; the usual wait after."""
    raw.execute(f"PRAGMA busy_timeout={ms}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def is_locked(exc: BaseException) -> bool:
    """SQLite's refusal when another writer held the database past the wait."""
    text = str(getattr(exc, "orig", exc))
    return "database is locked" in text or "database is busy" in text


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA cache_size=-131072")
    cur.execute("PRAGMA temp_store=MEMORY")
    # A bulk load writes its whole transaction to the WAL (2 GB for a million demo
    # customers); once checkpointed, the file is cut back to this size instead of keeping
    # its largest size on disk for good.
    cur.execute(f"PRAGMA journal_size_limit={64 * 1024 * 1024}")
    cur.close()


# Statistics are taken whole (analysis_limit 0): SQLite's sampling reads an index's first
# entries, which all belong to one tenant, and then tells the planner that ~1,000 rows share
# a tenant_id — so a probe by 2,500 keys walked a whole workspace instead of the key index
# (found measuring issue 11: imports into a million-customer workspace at half speed). A
# whole ANALYZE of the tables bulk loads fill costs ~2 s at a million customers.
ANALYSIS_LIMIT = 0
ANALYZED = ("customers", "customer_tags", "import_fingerprints")
# A pooled connection lives for the server's life; every this many returns to the pool it
# runs PRAGMA optimize (which re-analyses only the tables whose size moved a lot).
OPTIMIZE_EVERY = 1000


# ANALYZE is the tables' owner's to run; on PostgreSQL the application (another role) asks
# for it through this function, which runs as their owner (migration 0023).
ANALYZE_FUNCTION = "analyze_table"


def refresh_statistics(session: Session) -> None:
    """Planner statistics after a bulk load has committed. SQLite keeps none of its own:
    on a freshly loaded database a search may walk the wrong index. PostgreSQL's
    autovacuum would catch up, later. A failure (a busy database, say) is logged, never
    raised: the load itself is done and must not read as failed."""
    try:
        conn = session.connection()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            # ANALYZE reads every index: with the usual 128 MB cache it added ~75 MB to an
            # import's peak memory, on a connection that keeps it after.
            bound_memory(session)
        begin_writing(session)  # in turn with the events the inbox records meanwhile
        for table in ANALYZED:
            conn.exec_driver_sql(f"ANALYZE {table}" if conn.dialect.name == "sqlite" else
                                 f"SELECT {ANALYZE_FUNCTION}('{table}')")
        session.commit()
    except Busy:
        session.rollback()
        logging.getLogger(__name__).warning(
            "Planner statistics not refreshed: the database stayed busy (PRAGMA optimize "
            "will catch up)")
    except Exception:  # noqa: BLE001 - see above
        session.rollback()
        logging.getLogger(__name__).warning("Could not refresh statistics", exc_info=True)


def _optimize_now_and_then(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    """SQLite's advice for long-lived connections: PRAGMA optimize from time to time."""
    record.info["returns"] = returns = record.info.get("returns", 0) + 1
    if dbapi_conn is None or returns % OPTIMIZE_EVERY:
        return
    try:
        # Never wait for the write lock here (a connection going back to the pool, maybe
        # under a crowd): if another writer holds it, optimise another time.
        with _busy_timeout(dbapi_conn, 0):
            dbapi_conn.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
            dbapi_conn.execute("PRAGMA optimize")
    except Exception:  # noqa: BLE001 - statistics are an optimisation, never an error
        logging.getLogger(__name__).info("PRAGMA optimize skipped", exc_info=True)


_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def compact_json(value: Any) -> str:
    """JSON columns as stored: no spaces after separators, text as itself (the audit trail
    holds a snapshot of every customer created, so its bytes count). One encoder, made
    once: json.dumps with options builds one per call (~1–2 µs, twice per imported row)."""
    return _COMPACT.encode(value)


def make_engine(url: str) -> Engine:
    settings = get_settings()
    # capacity's lines (reads, changes, events) and room for background work (the inbox)
    pool_size = settings.max_concurrent_requests + 2 * settings.max_concurrent_writes + 2
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # As many connections as requests served at once (capacity), plus room for
        # background work (imports, exports' streams); a request holds at most one.
        engine = create_engine(url, connect_args={"check_same_thread": False},
                               json_serializer=compact_json, pool_size=pool_size,
                               max_overflow=8, pool_timeout=settings.request_queue_timeout)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "commit", _end_of_turn)
        event.listen(engine, "rollback", _end_of_turn)
        event.listen(engine, "checkin", _returned)
        event.listen(engine, "checkin", _restore_pragmas)
        event.listen(engine, "checkin", _detach)
        event.listen(engine, "checkin", _optimize_now_and_then)
        return engine
    # No server-side prepared statements: a generic plan for `LIKE $1` cannot use the
    # trigram index, and psycopg would switch to one after five runs of the same query.
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=8,
                         pool_timeout=settings.request_queue_timeout,
                         connect_args={"prepare_threshold": None}, json_serializer=compact_json)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def _session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


def new_session() -> Session:
    return _session_factory()()


@contextmanager
def session_scope(tenant_id: int | None = None) -> Iterator[Session]:
    """A session for CLI and background work (bound to ``tenant_id``'s rows when given:
    ``bind_tenant``); services own the commits."""
    session = new_session()
    if tenant_id is not None:
        bind_tenant(session, tenant_id)
    try:
        yield session
    finally:
        session.close()


BULK_CACHE_KIB = 48 * 1024


def bound_memory(session: Session) -> None:
    """For a long bulk job (an import) on SQLite, before its transaction: temporary tables
    and sorts (CREATE INDEX, big GROUP BYs) spill to files instead of memory and the page
    cache is capped, so the process's memory stays bounded whatever the job's size. The
    connection's usual settings come back when it returns to the pool
    (``_restore_pragmas``), which also drops the job's temporary tables."""
    if session.get_bind().dialect.name != "sqlite":
        return
    proxied = session.connection().connection
    raw = proxied.driver_connection
    assert raw is not None
    proxied.info.setdefault(_RESTORE, [(name, raw.execute(f"PRAGMA {name}").fetchone()[0])
                                       for name in ("temp_store", "cache_size")])
    raw.execute("PRAGMA temp_store=FILE")
    raw.execute(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")


_RESTORE = "patronage_restore_pragmas"


def _restore_pragmas(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    """On the way back to the pool, outside any transaction (changing temp_store inside one
    fails): the settings bound_memory changed. A failure leaves the connection working,
    only slower or leaner, so it is logged, never raised into the caller's commit."""
    usual = record.info.pop(_RESTORE, None)
    if not usual or dbapi_conn is None:
        return
    try:
        for name, value in usual:
            dbapi_conn.execute(f"PRAGMA {name}={int(value)}")
    except Exception:  # noqa: BLE001 - see above
        logging.getLogger(__name__).warning("Could not restore %s on a pooled connection",
                                            [n for n, _ in usual], exc_info=True)


def among_ids(column: Any, ids: list[int] | None = None, name: str | None = None) -> Any:
    """PostgreSQL: ``column`` is one of ``ids`` (or of the parameter ``name``), sent as one
    array (`= ANY`) rather than a parameter per id, which SQLAlchemy expands and psycopg
    parses anew on every statement."""
    return column == any_(bindparam(name, ids, type_=ARRAY(Integer)))


def among(conn: Connection, column: Any, values: Iterable[Any]) -> Any:
    """``column`` is one of ``values``: on PostgreSQL one array of the column's type, on
    SQLite an IN list. An events batch names ~1,000 keys, orders and customers a query: as
    a parameter each, SQLAlchemy expanded them and psycopg parsed the long statement anew
    (~40 ms a batch), and PostgreSQL planned a list of 1,000 constants."""
    values = list(values)
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def unnested(name: str, columns: Mapping[str, Any]) -> Any:
    """PostgreSQL: a batch of rows as a table ``name`` to join or select from, each column
    (name: type) one array parameter ``{name}_{column}`` unnested beside the others (see
    ``unnested_values``). One statement for the batch where an executemany is a statement
    a row, each parsed and planned anew (no prepared statements: make_engine)."""
    return select(*(func.unnest(bindparam(f"{name}_{column}", type_=ARRAY(kind))).label(column)
                    for column, kind in columns.items())).subquery(name)


def unnested_values(name: str, columns: Iterable[str], rows: Sequence[Mapping[str, Any]]
                    ) -> dict[str, list[Any]]:
    """The parameters of ``unnested(name, columns)`` for ``rows``."""
    return {f"{name}_{column}": [row[column] for row in rows] for column in columns}


def temporary_table(conn: Connection, name: str, *columns: Column, **options: Any) -> Table:
    """A bulk job's scratch table on this connection, made afresh (an earlier run's, left
    on a pooled connection, is dropped first). On PostgreSQL it goes with its transaction:
    behind a transaction-pooling pgbouncer the server connection, temporary tables and
    all, passes to other clients, and a tenant's rows here have no row-level security."""
    if conn.dialect.name == "postgresql":
        options.setdefault("postgresql_on_commit", "DROP")
    table = Table(name, MetaData(), *columns, prefixes=["TEMPORARY"], **options)
    table.drop(conn, checkfirst=True)
    table.create(conn)
    return table


_ATTACHED = "patronage_attached"


def attach(conn: Connection, path: str) -> str:
    """On SQLite, open another database file on this connection (as ``attachedN``, the
    name returned) to read from it in this transaction. It stays attached until the
    connection returns to the pool (``_detach``): SQLite cannot detach a file that a
    transaction has read."""
    attached = conn.connection.info.setdefault(_ATTACHED, [])
    alias = f"attached{len(attached)}"
    conn.exec_driver_sql(f"ATTACH DATABASE ? AS {alias}", (path,))
    attached.append(alias)
    return alias


def _detach(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    """On the way back to the pool, after its transaction ended: the files ``attach``
    opened. A failure leaves the connection working (logged, as in _restore_pragmas)."""
    for alias in record.info.pop(_ATTACHED, ()):
        if dbapi_conn is None:
            return
        try:
            dbapi_conn.execute(f"DETACH DATABASE {alias}")
        except Exception:  # noqa: BLE001 - see above
            logging.getLogger(__name__).warning("Could not detach %s", alias, exc_info=True)


def begin_writing(session: Session, timeout: float | None = None) -> None:
    """On SQLite, take the write lock now (BEGIN IMMEDIATE) rather than at the first write:
    for work that reads, decides and then writes, and that reserves ids (reserve_ids).
    Writers of this process take it in turn, in order (write_turns); one that cannot have
    it within WRITE_LOCK_TIMEOUT seconds raises Busy (503, Retry-After) having changed
    nothing (``timeout``: another bound). PostgreSQL needs nothing here (row locks and
    sequences do it)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    proxied = conn.connection
    raw = proxied.dbapi_connection
    if raw.in_transaction:
        return
    settings = get_settings()
    timeout = timeout or settings.write_lock_timeout
    importing = write_notice.current(settings.database_url)
    if importing is not None and importing["pid"] != os.getpid():
        # An import holds the database: say so within a second, keep nobody's place.
        timeout = min(timeout, settings.event_queue_after)
    deadline = time.monotonic() + timeout
    if not write_turns.take(proxied.info, timeout):
        raise busy_writing(timeout, importing)
    # Another process may hold SQLite's lock: wait for it only as long as remains.
    remaining = max(1, int((deadline - time.monotonic()) * 1000))
    try:
        with _busy_timeout(raw, remaining):
            raw.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        write_turns.give_back(proxied.info)
        if is_locked(exc):
            raise busy_writing(timeout, importing) from exc
        raise


def end_reading(session: Session) -> None:
    """On SQLite, end the connection's open transaction, which has read the database and
    written only to its temporary tables (an import's decisions): its read snapshot is let
    go, so the next begin_writing takes the lock fresh; the temporary tables stay, as does
    the connection. PostgreSQL keeps its one transaction (no lock to take)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    raw = conn.connection.dbapi_connection
    if raw.in_transaction:  # type: ignore[union-attr]
        raw.commit()  # type: ignore[union-attr]


@contextmanager
def without_waiting(session: Session) -> Iterator[None]:
    """Writes inside give up at once (OperationalError) if another writer holds SQLite's
    lock, for writes that can be made another time (a token's last-used mark)."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield
        return
    with _busy_timeout(conn.connection.dbapi_connection, 0):
        yield


def busy_writing(timeout: float, importing: dict[str, Any] | None = None) -> Busy:
    """The answer to a change that could not have the write lock within ``timeout``."""
    if importing is not None:
        return Busy("An import is finishing; this change was not made. Send it again in a "
                    "minute.", retry_after=30)
    return Busy(f"Other changes have held the database for {timeout:g} seconds (a large "
                "import, say); this one was not made. Send it again shortly.", retry_after=5)


def _end_of_turn(conn: Connection) -> None:
    """A transaction committed or rolled back: the next writer in line may go."""
    write_turns.give_back(conn.connection.info)


def _returned(dbapi_conn, record) -> None:  # type: ignore[no-untyped-def]
    write_turns.give_back(record.info)


def reserve_ids(conn: Connection, table: Table, count: int, above: int = 0) -> list[int]:
    """Ids for a bulk insert that must know them up front (to write child rows with them).

    PostgreSQL hands them out from the table's sequence, so concurrent writers never clash;
    SQLite has one writer at a time, so the next ids after the current maximum (and after
    ``above``, ids once used that must not be handed out again) are free.
    """
    if count <= 0:
        return []
    if conn.dialect.name == "postgresql":
        sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                               {"t": table.name})
        rows = conn.execute(text("SELECT nextval(:s) FROM generate_series(1, :n)"),
                            {"s": sequence, "n": count})
        return [r[0] for r in rows]
    start = max(conn.scalar(select(func.max(table.c.id))) or 0, above) + 1
    return list(range(start, start + count))


@lru_cache(maxsize=8192)  # a batch formats each event's timestamps several times
def _sqlite_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"A datetime is needed, not {type(value).__name__}.")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    # The same text SQLAlchemy's SQLite DATETIME writes, so both paths sort and parse alike.
    return value.isoformat(" ", "microseconds")


def _sqlite_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _sqlite_json(value: object) -> str | None:
    return compact_json(value) if value is not None else None


def sqlite_converter(column_type: object) -> Callable[[object], object] | None:
    if isinstance(column_type, UTCDateTime | DateTime):
        return _sqlite_datetime  # type: ignore[return-value]
    if isinstance(column_type, Date):
        return _sqlite_date  # type: ignore[return-value]
    if isinstance(column_type, JSON):
        return _sqlite_json
    return None


def sqlite_values(columns: Sequence[Column[Any]]) -> Callable[[Mapping[str, Any]],
                                                               tuple[Any, ...]]:
    """A row's values for ``columns``, in their order, as SQLite's driver takes them: read
    at once (one C-level itemgetter), then only the few that need it (dates, JSON)
    converted, by position (a Python step per value costs more than the insert itself)."""
    names = [c.name for c in columns]
    pick = (operator.itemgetter(*names) if len(names) > 1
            else lambda row: (row[names[0]],))
    converted = [(i, f) for i, c in enumerate(columns)
                 if (f := sqlite_converter(c.type)) is not None]
    if not converted:
        return pick

    def values(row: Mapping[str, Any]) -> tuple[Any, ...]:
        out = list(pick(row))
        for i, convert in converted:
            if out[i] is not None:  # None is stored as None
                out[i] = convert(out[i])
        return tuple(out)
    return values


def bulk_insert(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert many rows that all carry the same keys, on the hot paths (seed, import).

    On SQLite the rows go straight to the driver's executemany with the few conversions
    SQLite needs done per column (about twice as fast as Core's per-value bind processing).
    On PostgreSQL they go in by one statement, so the tables' statement triggers (the
    customer counts) fire once, not once a row as an executemany of INSERTs made them (an
    import crawled at ~900 rows/s on that): a few rows by one INSERT … VALUES, more by
    COPY into a scratch table and one INSERT … SELECT from it (row-level security refuses
    COPY into the tenant tables themselves).
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        _insert_on_postgresql(conn, table, rows)
        return
    names = list(rows[0])
    values = sqlite_values([table.c[name] for name in names])
    sql = (f"INSERT INTO {table.name} ({', '.join(names)}) "
           f"VALUES ({', '.join('?' for _ in names)})")
    conn.exec_driver_sql(sql, [values(row) for row in rows])


# Up to this many rows, one INSERT … VALUES (its parameters stay far below PostgreSQL's
# 65,535 for the widest table); beyond, COPY through a scratch table.
VALUES_AT_MOST = 100


def _insert_on_postgresql(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    names = list(rows[0])
    encoded = {n for n in names if isinstance(table.c[n].type, JSON)}
    values = ([compact_json(row[n]) if n in encoded and row[n] is not None else row[n]
               for n in names] for row in rows)
    columns = ", ".join(names)
    if len(rows) <= VALUES_AT_MOST:
        one = f"({', '.join(['%s'] * len(names))})"
        conn.exec_driver_sql(
            f"INSERT INTO {table.name} ({columns}) VALUES {', '.join([one] * len(rows))}",
            tuple(value for row in values for value in row))
        return
    scratch = temporary_table(conn, f"bulk_{table.name}",
                              *(Column(n, table.c[n].type) for n in names))
    copy_rows(conn, scratch.name, names, values)
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({columns}) SELECT {columns} "
                         f"FROM {scratch.name}")


def copy_rows(conn: Connection, table: str, names: Sequence[str],
                 rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL's COPY of rows of values in the order of ``names`` into ``table``; its
    errors raised as SQLAlchemy raises a statement's (IntegrityError: a unique key)."""
    sql = f"COPY {table} ({', '.join(names)}) FROM STDIN"
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    dbapi = conn.dialect.loaded_dbapi
    try:
        with cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    except dbapi.Error as exc:
        raise DBAPIError.instance(sql, None, exc, dbapi.Error) from exc


def bulk_execute(conn: Connection, statement: Executable, rows: Sequence[dict]) -> None:
    """Run one statement for many parameter sets (an UPDATE with expressions, say).

    SQLite gets the driver's own executemany with the statement compiled once and each
    value converted by its bind's type, as in bulk_insert; PostgreSQL takes Core's.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(statement, list(rows))
        return
    compiled = statement.compile(dialect=conn.dialect)
    binds = compiled.binds
    order = compiled.positiontup or []
    plan = [(name, sqlite_converter(binds[name].type)) for name in order]
    fixed = {name: binds[name].value for name in order if name not in rows[0]}
    conn.exec_driver_sql(str(compiled), [
        tuple([(row[n] if n in row else fixed[n]) if f is None
               else f(row[n] if n in row else fixed[n]) for n, f in plan]) for row in rows])


def fetch_plain(conn: Connection, statement: Executable) -> list[tuple[Any, ...]]:
    """A SELECT's rows as plain tuples, for hot loops with big ``IN`` lists.

    On SQLite the statement is compiled with its lists spelled out and run by the driver,
    skipping Core's per-value work (~5 µs a row at 5,000 values), so it suits columns
    whose stored values need no conversion (integers, text, bytes); PostgreSQL takes Core.
    """
    if conn.dialect.name != "sqlite":
        return [tuple(row) for row in conn.execute(statement)]
    compiled = statement.compile(dialect=conn.dialect,
                                 compile_kwargs={"render_postcompile": True})
    values = compiled.params
    sql = str(compiled)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    return cursor.execute(sql, [values[n] for n in compiled.positiontup or []]).fetchall()


class PlainQuery:
    """A SELECT with a fixed list of named parameters (say an ``IN`` of ``bindparam``s,
    padded to one size), compiled once and run many times, its rows plain tuples: the
    driver's own execute on SQLite (no compile, no per-value work per run), Core's on
    PostgreSQL."""

    def __init__(self, conn: Connection, statement: Executable) -> None:
        self.statement = statement
        self.sqlite = conn.dialect.name == "sqlite"
        if self.sqlite:
            compiled = statement.compile(dialect=conn.dialect)
            self.sql, self.order = str(compiled), list(compiled.positiontup or [])
            self.fixed = dict(compiled.params)  # the statement's own values (literals)

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        if not self.sqlite:
            return [tuple(row) for row in conn.execute(self.statement, params)]
        values = {**self.fixed, **params}
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        return cursor.execute(self.sql, [values[n] for n in self.order]).fetchall()


class ListParam:
    """A list bound as ``size`` named parameters ``<prefix>0`` .. (an ``IN`` list with one
    compiled shape for a PlainQuery), padded with ``filler``, a value that matches nothing."""

    def __init__(self, prefix: str, size: int, filler: Any) -> None:
        self.names = [f"{prefix}{i}" for i in range(size)]
        self.filler = filler

    def binds(self) -> list[Any]:
        return [bindparam(name) for name in self.names]

    def values(self, items: Iterable[Any]) -> dict[str, Any]:
        listed = list(items)
        if len(listed) > len(self.names):
            raise ValueError(f"{len(listed)} values for a list of {len(self.names)}")
        listed += [self.filler] * (len(self.names) - len(listed))
        return dict(zip(self.names, listed, strict=True))


def insert_plain(conn: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert tuples of every column of ``table`` in order, needing no conversion (the
    driver's executemany on SQLite; COPY on PostgreSQL)."""
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        copy_rows(conn, table.name, [c.name for c in table.columns], rows)
        return
    marks = ", ".join("?" for _ in table.columns)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(f"INSERT INTO {table.name} VALUES ({marks})", rows)
