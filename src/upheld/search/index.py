"""The decision search index: built from the case records, kept up to date with the cases each
import changes, and which decisions it may show."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    select,
    table,
    text,
    true,
    update,
)

from upheld import __version__
from upheld.core.periods import start_year_of
from upheld.core.publication import Publication
from upheld.store import replacement
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

WHOLE_SHARE = 0.25
"""An update that would index again more than this share of the decisions rebuilds them all:
emptying the index and filling it costs less than taking that many out one by one."""


class Update(NamedTuple):
    """What bringing the search index up to date did."""

    decisions: int
    """Decisions in the index afterwards."""
    written: int
    """Decisions indexed again (every one when the index was rebuilt whole)."""
    whole: bool
    """Whether the index was rebuilt whole."""


def refresh_index(connection: Connection) -> int:
    """Rebuild the decision search index from the case records; returns the decisions indexed."""
    # Read first: a cases import committed while this runs then makes the index look stale.
    last_import = latest_cases_import(connection)
    if connection.dialect.name == "postgresql":
        _rebuild_beside(connection)
    else:
        connection.execute(delete(search_decisions))
        _number_afresh(connection)
        connection.execute(text(f"INSERT INTO {TEXT_INDEX}({TEXT_INDEX}) VALUES ('rebuild')"))
        connection.execute(text(f"INSERT INTO {TEXT_INDEX}({TEXT_INDEX}) VALUES ('optimize')"))
    return _record(connection, last_import)


def update_index(connection: Connection) -> Update:
    """Bring the decision search index up to date with the cases imports changed since it was
    built, indexing only those (and those decided after them): the index a rebuild would make."""
    last_import = latest_cases_import(connection)
    state = connection.execute(select(search_state.c.last_import, search_state.c.decisions)).first()
    if state is None or state.last_import is None:
        # Built from no known import, or never: which cases it lacks cannot be told.
        return _whole(connection)
    since, decisions = state
    c, s = cases.c, search_decisions.c
    changed = c.changed_in > since
    count = connection.execute(select(func.count()).where(changed)).scalar_one()
    if count == 0:
        if last_import != since:
            connection.execute(update(search_state).values(last_import=last_import))
        return Update(decisions, 0, whole=False)
    if count > WHOLE_SHARE * decisions:
        return _whole(connection)
    # Led by the changed cases (their index on changed_in) to the decisions' reference keys,
    # never by a scan of the whole index.
    ours = s.reference_key.in_(select(c.reference_key).where(changed)) & s.reference.in_(
        select(c.reference).where(changed)
    )
    held = select(s.reference, s.decided).where(ours)
    before: dict[str, date] = dict(connection.execute(held).all())
    shown = select(c.reference, c.decided).where(changed, publishable())
    after: dict[str, date] = dict(connection.execute(shown).all())
    # Decisions are numbered in date order: one added, taken out or moved to another date
    # renumbers every decision after it, so from the first such date on the decisions are
    # numbered and indexed again. One still on its date keeps its number and is indexed again
    # in its place.
    moved = [d for r, d in before.items() if after.get(r) != d]
    moved += [d for r, d in after.items() if before.get(r) != d]
    last = connection.execute(select(func.max(s.id))).scalar() or 0
    kept = last
    if moved:
        kept = (
            connection.execute(select(func.max(s.id)).where(s.decided < min(moved))).scalar() or 0
        )
    if last - kept > WHOLE_SHARE * decisions:
        return _whole(connection)
    in_place = ours & (s.id <= kept)
    renumbered = s.id > kept
    _remove_words(connection, in_place)
    _remove_words(connection, renumbered)
    case = cases.alias("changed_case")
    written = connection.execute(
        update(search_decisions)
        .where(in_place)
        .values(
            {
                n: select(case.c[n]).where(case.c.reference == s.reference).scalar_subquery()
                for n in (*PUBLIC_COLUMNS[1:], "reference_key")
            }
        )
    ).rowcount
    if moved:
        connection.execute(delete(search_decisions).where(renumbered))
        _number(connection, after=kept, since=min(moved))
    _add_words(connection, in_place)
    _add_words(connection, renumbered)
    _merge_pending(connection)
    indexed = _record(connection, last_import)
    # Numbered from kept + 1 on, every decision after kept was indexed again.
    return Update(indexed, written + (indexed - kept if moved else 0), whole=False)


def _whole(connection: Connection) -> Update:
    indexed = refresh_index(connection)
    return Update(indexed, indexed, whole=True)


def _number(
    connection: Connection, *, after: int, since: date | None, into: str = "search_decisions"
) -> None:
    """Number the publishable decisions (those decided on or after `since`, if given) in date
    order, from after + 1, into search_decisions (or the table named)."""
    c = cases.c
    number = func.row_number().over(order_by=_date_order(connection)) + after
    chosen = select(number, *(c[n] for n in PUBLIC_COLUMNS), c.reference_key).where(publishable())
    if since is not None:
        # The review year too: the index of decisions by year then finds them.
        chosen = chosen.where(c.decided_year >= start_year_of(since), c.decided >= since)
    names = ["id", *PUBLIC_COLUMNS, "reference_key"]
    target = table(into, *(column(n) for n in names))
    connection.execute(insert(target).from_select(names, chosen))


def _date_order(connection: Connection) -> tuple[ColumnElement[Any], ...]:
    """The order decisions are numbered in: by date, then by reference."""
    c = cases.c
    # Byte order on both databases, so that decisions are numbered the same way on each.
    postgres = connection.dialect.name == "postgresql"
    return (c.decided, c.reference.collate("C") if postgres else c.reference)


def _number_afresh(connection: Connection) -> None:
    """On SQLite, number every publishable decision into the emptied table, in date order."""
    c = cases.c
    # Each row inserted takes the next rowid, which is its number: in the order the query gives
    # them, a third quicker than numbering them with a window function. The table's indexes are
    # built once it is full, rather than kept up to date row by row.
    indexes = sorted(search_decisions.indexes, key=lambda index: str(index.name))
    for index in indexes:
        index.drop(connection)
    chosen = (
        select(*(c[n] for n in PUBLIC_COLUMNS), c.reference_key)
        .where(publishable())
        .order_by(*_date_order(connection))
    )
    connection.execute(
        insert(search_decisions).from_select([*PUBLIC_COLUMNS, "reference_key"], chosen)
    )
    for index in indexes:
        index.create(connection)


_WORDS = table(
    TEXT_INDEX, column(TEXT_INDEX), column("rowid"), column("summary"), column("subcategory")
)
"""The FTS5 table, whose own name as a column takes commands such as 'delete'."""
_DOCUMENTS = table(TEXT_INDEX, column("id"), column("document"))
"""PostgreSQL's table of each decision's words (a tsvector)."""
_WORDS_OF = (
    "setweight(to_tsvector('english', {0}.summary), 'A') || "
    "setweight(to_tsvector('english', coalesce({0}.subcategory, '')), 'B')"
)
"""A decision's words (PostgreSQL's tsvector) from its row in the named table."""
_DOCUMENT: ColumnElement[Any] = literal_column(_WORDS_OF.format("search_decisions"))


def _remove_words(connection: Connection, which: ColumnElement[bool]) -> None:
    """Take the chosen decisions' words out of the text index, as it holds them now."""
    s = search_decisions.c
    if connection.dialect.name == "postgresql":
        connection.execute(delete(_DOCUMENTS).where(_DOCUMENTS.c.id.in_(select(s.id).where(which))))
        return
    # FTS5 reads a decision's words back from what it was given: give it the same text.
    removal = select(literal("delete"), s.id, s.summary, s.subcategory).where(which)
    connection.execute(
        insert(_WORDS).from_select([TEXT_INDEX, "rowid", "summary", "subcategory"], removal)
    )


def _add_words(connection: Connection, which: ColumnElement[bool]) -> None:
    """Put the chosen decisions' words into the text index."""
    s = search_decisions.c
    if connection.dialect.name == "postgresql":
        documents = select(s.id, _DOCUMENT).where(which)
        connection.execute(insert(_DOCUMENTS).from_select(["id", "document"], documents))
        return
    words = select(s.id, s.summary, s.subcategory).where(which)
    connection.execute(insert(_WORDS).from_select(["rowid", "summary", "subcategory"], words))


def _rebuild_beside(connection: Connection) -> None:
    """On PostgreSQL, the whole index built beside the one the website reads, then put in its
    place at the end of the transaction: the website searches the old one meanwhile."""
    # Filled with no index to keep up to date, then each index made in one sorted pass. (More
    # memory than 256 MB does not make the text index faster to build.)
    # SET LOCAL: the setting ends with the transaction.
    connection.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
    decisions = replacement.begin_like(connection, "search_decisions")
    _number(connection, after=0, since=None, into=decisions)
    # Counted now, so that the words are worked out with a plan made for their number.
    connection.execute(text(f"ANALYZE {decisions}"))
    # Working out the words (to_tsvector, 17 s of one core for a million) is most of the time:
    # a table made from a query is filled by parallel workers, which an INSERT never has.
    replacement.make_from_query(
        connection,
        TEXT_INDEX,
        f"SELECT id, {_WORDS_OF.format(decisions)} AS document FROM {decisions}",
    )
    replacement.add_indexes(connection, "search_decisions")
    replacement.add_indexes(connection, TEXT_INDEX)
    connection.execute(text(f"ANALYZE {replacement.rebuilt_name(TEXT_INDEX)}"))
    replacement.swap(connection, ["search_decisions", TEXT_INDEX])


BUILD_MEMORY = "256MB"
"""The memory PostgreSQL may use to build each index of a rebuilt search index (its
maintenance_work_mem, for that transaction only)."""


def _merge_pending(connection: Connection) -> None:
    """On PostgreSQL, new entries wait in the GIN index's pending list, which every search would
    read through until autovacuum merged it: merge it now."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT gin_clean_pending_list('decision_search_document')"))


def _record(connection: Connection, last_import: int | None) -> int:
    """Note a new build of the index (what the website's caches watch), and the import it is up
    to date with; returns the decisions it holds."""
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
    """After a rebuild, mark the new index's pages as seen by everyone, at once rather than
    when autovacuum runs."""
    if engine.dialect.name != "postgresql":
        return  # SQLite reuses the freed pages as it goes.
    # The old index went with its tables, and the rebuild counted what the new one holds
    # (ANALYZE). Until VACUUM marks the pages all-visible, a search reads the table for the
    # numbers its index already has: 0.4 s here saves a search of every decision a year
    # 0.1 s. VACUUM cannot run inside a transaction.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"VACUUM search_decisions, {TEXT_INDEX}"))


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
