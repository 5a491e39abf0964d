"""The decision search index: rebuilt from the case records, and which decisions it may show."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    delete,
    exists,
    func,
    insert,
    select,
    text,
    true,
)

from upheld import __version__
from upheld.core.publication import Publication
from upheld.store.schema import TEXT_INDEX, cases, imports, search_decisions, search_state

PUBLIC_COLUMNS = (
    "reference",
    "authority",
    "decided",
    "decided_year",
    "category",
    "subcategory",
    "outcome",
    "satisfactory_remedy",
    "summary",
)
"""The columns of a case that may be published. Never the complainant."""


def refresh_index(connection: Connection) -> int:
    """Rebuild the decision search index from the case records; returns the decisions indexed."""
    postgres = connection.dialect.name == "postgresql"
    # Read first: a cases import committed while this runs then makes the index look stale.
    last_import = latest_cases_import(connection)
    c = cases.c
    connection.execute(delete(search_decisions))
    # Byte order on both databases, so that decisions are numbered the same way on each.
    reference = c.reference.collate("C") if postgres else c.reference
    number = func.row_number().over(order_by=(c.decided, reference))
    names = ["id", *PUBLIC_COLUMNS, "reference_key"]
    connection.execute(
        insert(search_decisions).from_select(
            names,
            select(number, *(c[n] for n in PUBLIC_COLUMNS), c.reference_key).where(publishable()),
        )
    )
    if postgres:
        connection.execute(text("DELETE FROM decision_search"))
        connection.execute(
            text(
                "INSERT INTO decision_search (id, document) SELECT id, "
                "setweight(to_tsvector('english', summary), 'A') || "
                "setweight(to_tsvector('english', coalesce(subcategory, '')), 'B') "
                "FROM search_decisions"
            )
        )
        # New entries wait in the GIN index's pending list, which every search would read
        # through until autovacuum merged it: merge it now.
        connection.execute(text("SELECT gin_clean_pending_list('decision_search_document')"))
        connection.execute(text("ANALYZE search_decisions"))
        connection.execute(text("ANALYZE decision_search"))
    else:
        connection.execute(text(f"INSERT INTO {TEXT_INDEX}({TEXT_INDEX}) VALUES ('rebuild')"))
        connection.execute(text(f"INSERT INTO {TEXT_INDEX}({TEXT_INDEX}) VALUES ('optimize')"))
    count = connection.execute(select(func.count()).select_from(search_decisions)).scalar_one()
    connection.execute(delete(search_state))
    connection.execute(
        insert(search_state).values(
            id=1,
            build=uuid.uuid4().hex,
            last_import=last_import,
            decisions=count,
            built_at=datetime.now(UTC),
            version=__version__,
        )
    )
    return int(count)


def tidy_index(engine: Engine) -> None:
    """After a rebuild, clear away the old index rows at once rather than when autovacuum runs."""
    if engine.dialect.name != "postgresql":
        return  # SQLite reuses the freed pages as it goes.
    # Until then every search would read past them. VACUUM cannot run inside a transaction.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM ANALYZE search_decisions, {TEXT_INDEX}"))


def index_is_current(connection: Connection) -> bool:
    """Whether the search index was built after the latest import of cases."""
    state = index_state(connection)
    return state is not None and state.current


class State(NamedTuple):
    build: str
    indexed_import: int | None
    latest_import: int | None

    @property
    def current(self) -> bool:
        return self.indexed_import == self.latest_import


def index_state(connection: Connection) -> State | None:
    latest = select(func.max(imports.c.id)).where(imports.c.kind == "cases").scalar_subquery()
    row = connection.execute(
        select(search_state.c.build, search_state.c.last_import, latest)
    ).first()
    return None if row is None else State(*row)


def latest_cases_import(connection: Connection) -> int | None:
    found = connection.execute(select(func.max(imports.c.id)).where(imports.c.kind == "cases"))
    return found.scalar()


def publishable() -> ColumnElement[bool]:
    """Decisions that may ever be published: decided, publishable, with a summary."""
    c = cases.c
    return c.decided.is_not(None) & (c.publish == true()) & (func.trim(c.summary) != "")


def published_now(publication: Publication) -> ColumnElement[bool]:
    """Decisions published now: publishable, due, and in a year whose records may be shown
    (`publication.decision_is_public`, in SQL)."""
    shown = publishable() & (cases.c.decided <= publication.cutoff)
    years = publication.record_years
    return shown if years is None else shown & cases.c.decided_year.in_(sorted(years))


def unchanged() -> ColumnElement[bool]:
    """An indexed decision whose case still says what the index does (for a stale index)."""
    s, c = search_decisions.c, cases.c
    return exists().where(
        c.reference == s.reference,
        c.publish == true(),
        c.decided == s.decided,
        c.authority == s.authority,
        c.category == s.category,
        c.subcategory.is_not_distinct_from(s.subcategory),
        c.outcome.is_not_distinct_from(s.outcome),
        c.satisfactory_remedy == s.satisfactory_remedy,
        c.summary == s.summary,
    )
