"""Connecting to the database (SQLite by default, PostgreSQL by URL); one writer at a time."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool, QueuePool

from upheld.errors import UpheldError, UsageError

DEFAULT_URL = "sqlite:///upheld.db"
ENVIRONMENT_VARIABLE = "UPHELD_DB"
WRITER_WAIT_SECONDS = 3600
"""How long a command that writes waits for another to finish writing before it gives up."""


def database_url(explicit: str | None = None) -> str:
    """The database to use: the --db option, else $UPHELD_DB, else upheld.db here."""
    url = explicit or os.environ.get(ENVIRONMENT_VARIABLE) or DEFAULT_URL
    if "://" not in url:
        url = f"sqlite:///{url}"
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def connect(url: str, *, read_only: bool = False) -> Engine:
    """An engine for a database URL, set up for upheld's work on SQLite or PostgreSQL."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UsageError(f"{url!r} is not a database URL") from None
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, parsed.database, read_only)
    if parsed.get_backend_name() == "postgresql":
        options: dict[str, Any] = {}
        if read_only:
            options["execution_options"] = {"postgresql_readonly": True}
        return create_engine(url, pool_pre_ping=True, **options)
    raise UsageError(
        f"unsupported database {parsed.get_backend_name()!r}; use SQLite or PostgreSQL"
    )


def _sqlite_engine(url: str, database: str | None, read_only: bool) -> Engine:
    if database and database != ":memory:" and not read_only:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {"check_same_thread": False}
    if read_only and database and database != ":memory:":
        url = f"sqlite:///file:{Path(database).resolve()}?mode=ro&uri=true"
    if read_only:
        # The website: each connection keeps its parsed schema and search index warm between
        # requests; opening one per request made every search read the index afresh, one at a
        # time. As many as the server has worker threads, so none waits for another.
        engine = create_engine(
            url, connect_args=connect_args, poolclass=QueuePool, pool_size=8, max_overflow=32
        )
    else:
        engine = create_engine(url, connect_args=connect_args, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that
        # schema changes and bulk loads are inside the same all-or-nothing transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={_BUSY_MILLISECONDS}")
        if not read_only:
            _write_ahead(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-65536")
        if read_only:
            # Readers share the file's pages through the operating system instead of copying
            # them into each connection's own cache.
            cursor.execute("PRAGMA mmap_size=1073741824")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        on_wait = connection.get_execution_options().get(_WRITER)
        if on_wait is None:
            connection.exec_driver_sql("BEGIN")
        else:
            raw = connection.connection.driver_connection
            assert raw is not None
            _begin_writing(raw, on_wait)

    return engine


_WRITER = "upheld_writer"
"""The execution option that makes a SQLite connection begin as the writer: what to call when
it has to wait."""
_WRITER_LOCK = 0x7570_6865_6C64
"""The key of the PostgreSQL advisory lock held by the writer ("upheld" in ASCII)."""
_BUSY_MILLISECONDS = 10_000
_SQLITE_BUSY = 5
_SQLITE_ENVIRONMENT = {3, 5, 6, 7, 8, 10, 11, 13, 14, 15, 22, 23, 26}
"""SQLite's codes for trouble with the file itself: permission, locked, out of memory,
read-only, I/O, damaged, disk full, cannot open, not a database, ..."""
_POSTGRES_ENVIRONMENT = ("08", "28", "3D", "42501", "53", "57", "58", "25006")
"""PostgreSQL's codes for trouble with the server or the user's rights, not with upheld's SQL."""


@contextmanager
def writing(engine: Engine, on_wait: Callable[[], None] | None = None) -> Iterator[Connection]:
    """A connection in a transaction that holds the database's one writer lock.

    Commands that write take turns: one that finds another writing calls `on_wait` once and
    waits (up to an hour), rather than failing or interleaving with it.
    """
    wait = on_wait or _nothing
    with engine.connect() as connection:
        postgres = connection.dialect.name == "postgresql"
        if not postgres:
            connection.execution_options(**{_WRITER: wait})
        with connection.begin():
            if postgres:
                _lock_postgres(connection, wait)
            yield connection
    global _commits
    _commits += 1


_commits = 0


def commits() -> int:
    """How many writing transactions this process has committed (so a command can tell whether
    it changed the database)."""
    return _commits


def _nothing() -> None:
    pass


def _begin_writing(raw: sqlite3.Connection, on_wait: Callable[[], None]) -> None:
    # BEGIN IMMEDIATE takes the write lock at once. A deferred BEGIN takes it at the first write,
    # and SQLite gives up at once, without waiting, if another connection wrote in between.
    raw.execute("PRAGMA busy_timeout=0")
    try:
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != _SQLITE_BUSY:
                raise
            on_wait()
            raw.execute(f"PRAGMA busy_timeout={WRITER_WAIT_SECONDS * 1000}")
            try:
                raw.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as again:
                if again.sqlite_errorcode & 0xFF == _SQLITE_BUSY:
                    raise _gave_up() from None
                raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={_BUSY_MILLISECONDS}")


def _write_ahead(cursor: sqlite3.Cursor) -> None:
    # Turning a new file to write-ahead logging needs it alone, and SQLite answers "locked" at
    # once, without its busy wait, when two connections turn it together: so wait here instead.
    deadline = time.monotonic() + _BUSY_MILLISECONDS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != _SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _lock_postgres(connection: Connection, on_wait: Callable[[], None]) -> None:
    # Advisory locks belong to the database, so every upheld process writing to it shares one;
    # a transaction's lock is let go when it commits or rolls back.
    take = f"SELECT pg_try_advisory_xact_lock({_WRITER_LOCK})"
    if connection.exec_driver_sql(take).scalar():
        return
    on_wait()
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITER_WAIT_SECONDS}s'")
    try:
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_WRITER_LOCK})")
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) == "55P03":  # lock_not_available
            raise _gave_up() from None
        raise
    connection.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")


def _gave_up() -> UpheldError:
    waited = WRITER_WAIT_SECONDS
    how_long = f"{waited // 60} minutes" if waited >= 120 else f"{waited} seconds"
    return UpheldError(
        f"gave up after waiting {how_long} for another upheld command to finish writing to "
        "the database"
    )


def shown(url: str) -> str:
    """A database URL as it may be shown: any password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def unusable(url: str, error: BaseException) -> UpheldError | None:
    """An error from the database itself (cannot connect, no such role, not a database,
    permission denied), as one line naming the database; None for any other error."""
    cause = getattr(error, "orig", None) or error
    if isinstance(cause, sqlite3.Error):
        code = getattr(cause, "sqlite_errorcode", None)
        if code is None or code & 0xFF not in _SQLITE_ENVIRONMENT:
            return None
    elif type(cause).__module__.split(".")[0] == "psycopg":
        import psycopg

        state = getattr(cause, "sqlstate", None) or ""
        if not (
            isinstance(cause, psycopg.OperationalError) or state.startswith(_POSTGRES_ENVIRONMENT)
        ):
            return None
    else:
        return None
    # Server messages can run over several lines and pad with spaces; one line is enough.
    reason = " ".join(str(cause).split())
    return UpheldError(f"cannot use the database {shown(url)}: {reason}")
