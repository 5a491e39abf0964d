"""The database's tables, declared once (SQLAlchemy Core), and bringing a database up to them."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from importlib import resources
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
    inspect,
)

from upheld.core.references import KEY_LENGTH
from upheld.errors import UpheldError
from upheld.store.engines import unusable, writing

MIGRATIONS = resources.files("upheld") / "store" / "migrations"

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
    Column(
        "reference_key",
        String(KEY_LENGTH),
        comment="the reference's letters and digits in one case, to find it however it is written",
    ),
    Column(
        "changed_in",
        Integer,
        comment="the import that last inserted or changed the case (imports.id)",
    ),
    Index("cases_received", "received_year", "authority", "category"),
    Index("cases_reference_key", "reference_key"),
    Index("cases_changed_in", "changed_in"),
    Index(
        "cases_decided", "decided_year", "authority", "category", "outcome", "satisfactory_remedy"
    ),
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
    Column("salutation", String(200), comment="the greeting as staff write it"),
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


letter_versions = Table(
    "letter_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("authority", String(20), nullable=False),
    Column("year", Integer, nullable=False),
    Column("number", Integer, nullable=False, comment="1, 2, ... for the council and year"),
    Column("data_sha256", String(64), nullable=False, comment="of what the letter says"),
    Column("figures", Text, nullable=False, comment="JSON: the figures the letter gives"),
    Column("state", String(12), nullable=False, comment="draft, approved, sent or superseded"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("reason", Text, comment="why this version replaced the one before"),
    Column("approved_by", String(200)),
    Column("approved_at", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("superseded_at", DateTime(timezone=True)),
    Index("letter_versions_by_council", "year", "authority", "number", unique=True),
    comment="Each version of a council's letter for a year: what it says and where it stands",
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
    Column("letter_version", Integer, ForeignKey("letter_versions.id")),
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
    Column("letter_version", Integer, ForeignKey("letter_versions.id")),
    Column("reason", Text, comment="why a corrected letter was sent again"),
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
    Column("reference_key", String(KEY_LENGTH)),
    Index("search_decisions_decided", "decided", "id"),
    Index("search_decisions_reference_key", "reference_key"),
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


@cache
def head_revision() -> str:
    """The newest schema revision this version of upheld knows."""
    # Every command asks, and loading alembic to read its scripts takes a tenth of a second:
    # the revisions are read from the scripts' own lines instead, alembic only if they are odd.
    revisions: set[str] = set()
    replaced: set[str] = set()
    for script in (MIGRATIONS / "versions").iterdir():
        if not script.name.endswith(".py"):
            continue
        source = script.read_text(encoding="utf-8")
        found = _REVISION.findall(source)
        before = _DOWN_REVISION.findall(source)
        if len(found) != 1 or len(before) != 1:
            return _alembic_head()
        revisions.add(found[0])
        replaced.update(_QUOTED.findall(before[0]))
    heads = revisions - replaced
    if len(heads) != 1:
        return _alembic_head()
    return heads.pop()


_REVISION = re.compile(r"^revision\b[^=\n]*=\s*[\"']([^\"'\n]+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\b[^=\n]*=([^\n]*)$", re.MULTILINE)
_QUOTED = re.compile(r"[\"']([^\"']+)[\"']")


def _alembic_head() -> str:
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
