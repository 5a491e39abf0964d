"""The database: schema (SQLAlchemy Core), connecting by URL, and creating or upgrading it."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    inspect,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.pool import NullPool, QueuePool

from upheld.errors import UpheldError, UsageError

DEFAULT_URL = "sqlite:///upheld.db"
ENVIRONMENT_VARIABLE = "UPHELD_DB"
MIGRATIONS = resources.files("upheld") / "store" / "migrations"
WRITER_WAIT_SECONDS = 3600
"""How long a command that writes waits for another to finish writing before it gives up."""

metadata = MetaData()

authorities = Table(
    "authorities",
    metadata,
    Column("code", String(20), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("short_name", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("region", String(100)),
    Column("parent", String(20)),
    Column("valid_from", Date),
    Column("valid_to", Date),
    Column("successors", Text),
    Column("aliases", Text),
    Column("lat", Float),
    Column("lon", Float),
    comment="Councils imported to extend or override the built-in register",
)

populations = Table(
    "populations",
    metadata,
    Column("authority", String(20), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("population", Integer, nullable=False),
    Column("vintage", String(100), nullable=False),
    comment="Population figures imported to override the register's",
)

cases = Table(
    "cases",
    metadata,
    Column("reference", String(40), primary_key=True),
    Column("authority", String(20), nullable=False),
    Column("received", Date, nullable=False),
    Column("received_year", Integer, nullable=False),
    Column("category", String(100), nullable=False),
    Column("subcategory", String(200)),
    Column("decided", Date),
    Column("decided_year", Integer),
    Column("outcome", String(40)),
    Column("satisfactory_remedy", Boolean, nullable=False),
    Column("summary", Text),
    Column("publish", Boolean, nullable=False),
    Column("complainant", String(200)),
    Index("cases_received", "received_year", "authority", "category"),
    Index("cases_decided", "decided_year", "authority", "outcome", "satisfactory_remedy"),
)

compliance = Table(
    "compliance",
    metadata,
    Column("reference", String(40), ForeignKey("cases.reference"), primary_key=True),
    Column("assessed", Date, nullable=False),
    Column("assessed_year", Integer, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("due", Date),
    Column("recommendation", Text),
    Index("compliance_assessed", "assessed_year"),
)

improvements = Table(
    "improvements",
    metadata,
    Column("reference", String(40), ForeignKey("cases.reference"), primary_key=True),
    Column("description", String(2000), primary_key=True),
    Column("agreed", Date, nullable=False),
    Column("agreed_year", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("category", String(100)),
)

reports = Table(
    "reports",
    metadata,
    Column("reference", String(40), ForeignKey("cases.reference"), primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("issued", Date, nullable=False),
    Column("issued_year", Integer, nullable=False),
    Column("title", String(500), nullable=False),
    Column("url", String(1000)),
)

contacts = Table(
    "contacts",
    metadata,
    Column("authority", String(20), primary_key=True),
    Column("role", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("title", String(40)),
)

events = Table(
    "events",
    metadata,
    Column("date", Date, primary_key=True),
    Column("kind", String(20), primary_key=True),
    Column("title", String(300), primary_key=True),
    Column("location", String(200), primary_key=True, comment="'' when not given"),
    Column("year", Integer, nullable=False),
    Column("attendees", Integer, nullable=False),
    Column("authorities", Text),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("file", String(1000), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("inserted", Integer, nullable=False),
    Column("updated", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("version", String(40), nullable=False),
    comment="Every file imported: what, when, and what it changed",
)


letters = Table(
    "letters",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("authority", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("format", String(10), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("generated_at", DateTime(timezone=True), nullable=False),
    Column("version", String(40), nullable=False),
    Index("letters_by_council", "authority", "year", "format"),
    comment="Every annual review letter generated, each version kept",
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("authority", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("recipients", Text),
    Column("letter_sha256", String(64)),
    Column("message_id", String(300)),
    Column("error", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("deliveries_by_council", "authority", "year", "status"),
    comment="Every attempt to email a letter: sent, failed or no address",
)

search_decisions = Table(
    "search_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("reference", String(40), nullable=False),
    Column("decided", Date, nullable=False),
    Column("decided_year", Integer, nullable=False),
    Column("authority", String(20), nullable=False),
    Column("category", String(100), nullable=False),
    Column("subcategory", String(200)),
    Column("outcome", String(40)),
    Column("satisfactory_remedy", Boolean, nullable=False),
    Column("summary", Text, nullable=False),
    Index("search_decisions_decided", "decided", "id"),
    comment="Decisions that may be published, numbered in date order (rebuilt by upheld index)",
)

search_state = Table(
    "search_state",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("build", String(32), nullable=False),
    Column("last_import", Integer),
    Column("decisions", Integer, nullable=False),
    Column("built_at", DateTime(timezone=True), nullable=False),
    Column("version", String(40), nullable=False),
    comment="When the decision search index was last built, and from which import",
)

boundaries = Table(
    "boundaries",
    metadata,
    Column("code", String(20), primary_key=True),
    Column(
        "year",
        Integer,
        primary_key=True,
        comment="the first review year the shape applies to, or 0 for any year",
    ),
    Column("path", Text, nullable=False, comment="SVG path in kilometres, y to the south"),
    Column("min_x", Float, nullable=False),
    Column("min_y", Float, nullable=False),
    Column("max_x", Float, nullable=False),
    Column("max_y", Float, nullable=False),
    Column("source", String(300), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    comment="Council boundaries imported for the geographic map (upheld boundaries import)",
)

TEXT_INDEX = "decision_search"
"""The decision text index: an FTS5 table on SQLite, tsvectors on PostgreSQL; not declared here."""


def include_name(name: str | None, type_: str, _parents: object) -> bool:
    """Whether to compare a database object with the declared schema: not the text index."""
    if type_ != "table" or name is None:
        return True
    # FTS5 keeps its index in shadow tables named after the virtual table.
    return name != TEXT_INDEX and not name.startswith(f"{TEXT_INDEX}_")


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
        if not read_only:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
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


def _alembic_config(connection: Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("upheld") / "store" / "migrations")
    )
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, on_wait: Callable[[], None] | None = None) -> str:
    """Create the schema or bring it up to date; safe to run again. Returns the revision."""
    return migrate(engine, on_wait)[1]


def migrate(engine: Engine, on_wait: Callable[[], None] | None = None) -> tuple[str | None, str]:
    """Create or upgrade the schema, as the one writer; the revisions (before, after)."""
    from alembic import command

    with writing(engine, on_wait) as connection:
        # Read under the lock: two commands creating one new database, one after the other.
        before = current_revision(connection)
        if before != head_revision():
            command.upgrade(_alembic_config(connection), "head")
    return before, head_revision()


def head_revision() -> str:
    """The newest schema revision this version of upheld knows."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(connection: Connection) -> str | None:
    """The schema revision a database is at, or None if it has no upheld schema."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    row = connection.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return None if row is None else str(row[0])


def require_schema(engine: Engine) -> None:
    """Stop with advice if the database has not been created or is out of date."""
    try:
        with engine.connect() as connection:
            revision = current_revision(connection)
    except Exception as exc:
        problem = unusable(str(engine.url), exc)
        if problem is None:
            raise
        raise problem from None
    if revision is None:
        raise UpheldError(
            f"the database {engine.url!r} has no upheld tables yet; run `upheld init` first"
        )
    if revision != head_revision():
        raise UpheldError(
            f"the database {engine.url!r} is at schema {revision}, this upheld needs "
            f"{head_revision()}; run `upheld init` to upgrade it"
        )


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
