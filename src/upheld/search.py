"""Decision search: published decisions found by their words, counted by council, service area,
outcome, year and satisfactory remedy.

The search index is derived from `cases` and rebuilt whole by `refresh_index` (the `upheld index`
step, also run after each import of cases). It holds only decisions that may ever be published
(decided, publishable, with a summary), numbered 1, 2, ... in order of decision date and reference,
and never the complainant. Each database indexes the words its own way: SQLite with an FTS5 table
over `search_decisions`, PostgreSQL with a table of tsvectors.

What a searcher types is read the same way on both databases: words (all must appear, in any
form: "complaining" finds "complained"), "phrases in quotes", and -word or -"phrase" to leave
decisions out. Common words ("the", "of", ...) are ignored outside phrases; other punctuation
only separates words, so nothing typed is ever read as search syntax.

Counting is done on bit sets held in memory for each build of the index (bit n stands for decision
n): a facet count is then a few thousand AND and popcount operations, not a scan of the database.
Whether a decision may be shown today is decided in SQL, and every item shown is read back from
`cases` with that rule applied again.
"""

from __future__ import annotations

import math
import re
import threading
import uuid
from abc import ABC, abstractmethod
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import repeat
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    Text,
    TextClause,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    true,
)

from upheld import __version__
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.store.schema import TEXT_INDEX, cases, imports, search_decisions, search_state

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_TERMS = 32
"""Words and phrases read from one search; the rest of a longer text is ignored."""
SNIPPET_WORDS = 40

FACETS = {
    "council": "authority",
    "category": "category",
    "outcome": "outcome",
    "year": "decided_year",
    "remedy": "satisfactory_remedy",
}
"""Each facet, and the column of the decision it counts."""

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

STOP_WORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can did do does doing don down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such t than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with you your yours yourself yourselves s""".split()  # noqa: SIM905 (reads as text)
)
"""The words PostgreSQL's english configuration does not index, ignored on SQLite too so that
both databases find the same decisions."""

_START, _STOP = "\x02", "\x03"
"""Marks the databases put around found words in a snippet, then turned into spans."""


@dataclass(frozen=True)
class DecisionQuery:
    """A search of the published decisions: words, filters, order and page."""

    text: str = ""
    councils: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    remedy: bool | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"unknown sort {self.sort!r}; choose one of {', '.join(SORTS)}")
        if self.page < 1:
            raise ValueError(f"page must be 1 or more, not {self.page}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"per_page must be from 1 to {MAX_PER_PAGE}, not {self.per_page}")

    def chosen(self) -> dict[str, tuple[Any, ...]]:
        """The filters in use: facet name -> the values any of which a decision must have."""
        remedy = () if self.remedy is None else (self.remedy,)
        values = (self.councils, self.categories, self.outcomes, self.years, remedy)
        return {facet: tuple(v) for facet, v in zip(FACETS, values, strict=True) if v}


@dataclass(frozen=True)
class SearchResult:
    """One page of decisions found, how many there are in all, and the counts for each facet.

    Each item has the decision's public fields (`decided` as an ISO date, `year` as a label like
    "2023-24") and `snippet`: {"text": plain text, "marks": [(start, end), ...]}, the spans of
    `text` that matched the words searched for. The text is never HTML: escape it, then mark the
    spans.
    Facets map "council", "category", "outcome", "year" (the review year's first calendar year) and
    "remedy" to (value, count) pairs, most first; each counts the decisions found with every filter
    applied except the facet's own.
    """

    total: int
    page: int
    per_page: int
    pages: int
    items: list[dict[str, Any]]
    facets: dict[str, list[tuple[Any, int]]]


@dataclass(frozen=True)
class Terms:
    """What a searcher typed, read as words and phrases to find and to leave out."""

    wanted: tuple[tuple[str, ...], ...] = ()
    unwanted: tuple[tuple[str, ...], ...] = ()


_PART = re.compile(r'(-?)"([^"]*)"?|(-?)([^\s"]+)')
_WORD = re.compile(r"[^\W_]+")


def read_terms(typed: str) -> Terms:
    """Read search text: words, "phrases", and -word or -"phrase" to leave out."""
    wanted: list[tuple[str, ...]] = []
    unwanted: list[tuple[str, ...]] = []
    for part in _PART.finditer(typed):
        minus, quoted, bare_minus, bare = part.groups()
        words = [w.lower() for w in _WORD.findall(quoted if bare is None else bare)]
        # A phrase's common words at either end match anything on PostgreSQL: drop them here too.
        while words and words[0] in STOP_WORDS:
            words.pop(0)
        while words and words[-1] in STOP_WORDS:
            words.pop()
        if words and len(wanted) + len(unwanted) < MAX_TERMS:
            (unwanted if (minus or bare_minus) else wanted).append(tuple(words))
    return Terms(tuple(wanted), tuple(unwanted))


def refresh_index(connection: Connection) -> int:
    """Rebuild the decision search index from the case records; returns the decisions indexed."""
    postgres = connection.dialect.name == "postgresql"
    # Read first: a cases import committed while this runs then makes the index look stale.
    last_import = _latest_cases_import(connection)
    c = cases.c
    connection.execute(delete(search_decisions))
    # Byte order on both databases, so that decisions are numbered the same way on each.
    reference = c.reference.collate("C") if postgres else c.reference
    number = func.row_number().over(order_by=(c.decided, reference))
    names = ["id", *PUBLIC_COLUMNS]
    connection.execute(
        insert(search_decisions).from_select(
            names, select(number, *(c[n] for n in PUBLIC_COLUMNS)).where(_publishable())
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
    state = _state(connection)
    return state is not None and state.current


def decision(
    connection: Connection, reference: str, publication: Publication
) -> dict[str, Any] | None:
    """One published decision's public fields, or None if it is not (or not yet) published."""
    row = connection.execute(
        select(*(cases.c[n] for n in PUBLIC_COLUMNS)).where(
            cases.c.reference == reference, _visible(publication)
        )
    ).first()
    return None if row is None else _public(row._mapping)


def search(connection: Connection, query: DecisionQuery, publication: Publication) -> SearchResult:
    """Find published decisions by words and filters, with one page of them and facet counts."""
    result = _empty(query)
    for _attempt in range(3):
        state = _state(connection)
        if state is None:
            return result
        result = _search(connection, query, publication, state)
        # PostgreSQL reads each statement afresh, so a rebuild committed part-way through would
        # have renumbered the decisions: start again on the new build.
        after = _state(connection)
        if after is not None and after.build == state.build:
            break
    return result


class _State(NamedTuple):
    build: str
    indexed_import: int | None
    latest_import: int | None

    @property
    def current(self) -> bool:
        return self.indexed_import == self.latest_import


def _state(connection: Connection) -> _State | None:
    latest = select(func.max(imports.c.id)).where(imports.c.kind == "cases").scalar_subquery()
    row = connection.execute(
        select(search_state.c.build, search_state.c.last_import, latest)
    ).first()
    return None if row is None else _State(*row)


def _latest_cases_import(connection: Connection) -> int | None:
    found = connection.execute(select(func.max(imports.c.id)).where(imports.c.kind == "cases"))
    return found.scalar()


def _publishable() -> ColumnElement[bool]:
    """Decisions that may ever be published: decided, publishable, with a summary."""
    c = cases.c
    return c.decided.is_not(None) & (c.publish == true()) & (func.trim(c.summary) != "")


def _visible(publication: Publication) -> ColumnElement[bool]:
    """Decisions published now: publishable, due, and in a year whose records may be shown
    (`publication.decision_is_public`, in SQL)."""
    shown = _publishable() & (cases.c.decided <= publication.cutoff)
    years = publication.record_years
    return shown if years is None else shown & cases.c.decided_year.in_(sorted(years))


def _unchanged() -> ColumnElement[bool]:
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


def _public(row: Any) -> dict[str, Any]:
    return {
        "reference": row["reference"],
        "authority": row["authority"],
        "decided": row["decided"].isoformat(),
        "year": ReviewYear(row["decided_year"]).label,
        "category": row["category"],
        "subcategory": row["subcategory"],
        "outcome": row["outcome"],
        "satisfactory_remedy": bool(row["satisfactory_remedy"]),
        "summary": row["summary"],
    }


def _empty(query: DecisionQuery) -> SearchResult:
    return SearchResult(0, query.page, query.per_page, 1, [], {f: [] for f in FACETS})


def _search(
    connection: Connection, query: DecisionQuery, publication: Publication, state: _State
) -> SearchResult:
    index = _bit_sets(connection, state.build)
    s = search_decisions.c
    last: int = (
        connection.execute(
            select(s.id)
            .where(s.decided <= publication.cutoff)
            .order_by(s.decided.desc(), s.id.desc())
            .limit(1)
        ).scalar()
        or 0
    )
    # Numbered in date order, the decisions due today are those numbered up to `last`.
    visible = index.everything & ((1 << (last + 1)) - 1)
    shown: Ranges = [(1, last)]
    record_years = publication.record_years
    if record_years is not None and not record_years.issuperset(index.facets["year"]):
        visible &= _union(index.facets["year"], record_years)
        shown = _ranges(index.facets["year"], record_years, last)
    if not state.current:
        visible &= ~_bits(_numbers(connection, select(s.id).where(~_unchanged())))
    words = _TextIndex.of(connection)
    words.prepare(connection)
    terms = read_terms(query.text)
    found = visible
    if terms.wanted:
        found &= _bits(words.matching(connection, terms, shown))
    elif terms.unwanted:
        found &= ~_bits(words.matching(connection, terms, shown))

    chosen = query.chosen()
    allowed = {facet: _union(index.facets[facet], values) for facet, values in chosen.items()}
    selected = found
    for bits in allowed.values():
        selected &= bits
    facets: dict[str, list[tuple[Any, int]]] = {}
    for facet, values in index.facets.items():
        base = found
        for other, bits in allowed.items():
            if other != facet:
                base &= bits
        offered: Iterable[tuple[Any, int]] = values.items()
        if facet == "year":
            # A year not yet published is never offered, even where its decisions are shown.
            offered = ((y, bits) for y, bits in offered if publication.year_is_public(y))
        counts = ((value, (base & bits).bit_count()) for value, bits in offered)
        facets[facet] = sorted(((v, n) for v, n in counts if n), key=lambda p: (-p[1], p[0]))

    total = selected.bit_count()
    offset = (query.page - 1) * query.per_page
    numbers: list[int] = []
    if offset < total:
        if query.sort == "relevance" and terms.wanted:
            conditions: list[ColumnElement[bool]] = [s[FACETS[f]].in_(v) for f, v in chosen.items()]
            if not state.current:
                conditions.append(_unchanged())
            numbers = words.ranked(connection, terms, shown, conditions, offset, query.per_page)
        else:
            numbers = _pick(selected, offset, query.per_page, newest=query.sort != "oldest")
    items = _items(connection, words, terms, numbers, publication)
    pages = max(1, math.ceil(total / query.per_page))
    return SearchResult(total, query.page, query.per_page, pages, items, facets)


def _items(
    connection: Connection,
    words: _TextIndex,
    terms: Terms,
    numbers: list[int],
    publication: Publication,
) -> list[dict[str, Any]]:
    """The decisions numbered, in that order, read from `cases` (and only if published now)."""
    if not numbers:
        return []
    s = search_decisions.c
    rows = connection.execute(
        select(s.id, *(cases.c[n] for n in PUBLIC_COLUMNS))
        .join_from(search_decisions, cases, cases.c.reference == s.reference)
        .where(s.id.in_(numbers), _visible(publication))
    ).all()
    marked = words.snippets(connection, terms, numbers) if terms.wanted else {}
    found = {row.id: row._mapping for row in rows}
    items = []
    for number in numbers:
        if number in found:
            item = _public(found[number])
            raw = marked.get(number)
            item["snippet"] = _opening(item["summary"]) if raw is None else _excerpt(raw, item)
            items.append(item)
    return items


def _opening(summary: str) -> dict[str, Any]:
    """The start of a summary, when no words were searched for."""
    cut = re.match(rf"(?:\S+\s+){{{SNIPPET_WORDS}}}(?=\S)", summary)
    if cut is None:
        return {"text": summary, "marks": []}
    return {"text": summary[: cut.end()].rstrip() + "…", "marks": []}


def _excerpt(raw: str, item: dict[str, Any]) -> dict[str, Any]:
    """A snippet marked by the database, as plain text and spans, with "…" where it was cut."""
    plain: list[str] = []
    marks: list[tuple[int, int]] = []
    length, opened = 0, None
    for piece in re.split(f"([{_START}{_STOP}])", raw):
        if piece == _START:
            opened = length
        elif piece == _STOP and opened is not None:
            marks.append((opened, length))
            opened = None
        elif piece not in (_START, _STOP):
            plain.append(piece)
            length += len(piece)
    excerpt = "".join(plain)
    summary: str = item["summary"]
    at = summary.find(excerpt)
    if at < 0 or not excerpt:
        return {"text": excerpt, "marks": marks}
    end = at + len(excerpt)
    # Only punctuation left out after the excerpt: show it rather than "…".
    if not _WORD.search(summary, end):
        excerpt, end = excerpt + summary[end:].rstrip(), len(summary)
    if at > 0:
        excerpt = "…" + excerpt
        marks = [(start + 1, stop + 1) for start, stop in marks]
    if end < len(summary):
        excerpt += "…"
    return {"text": excerpt, "marks": marks}


class _TextIndex(ABC):
    """The words of the indexed decisions, searched the way each database does it."""

    @staticmethod
    def of(connection: Connection) -> _TextIndex:
        return _PostgresWords() if connection.dialect.name == "postgresql" else _SQLiteWords()

    @abstractmethod
    def prepare(self, connection: Connection) -> None:
        """Set the connection up for searching."""

    @abstractmethod
    def matching(self, connection: Connection, terms: Terms, shown: Ranges) -> list[int]:
        """Decisions numbered within `shown` with every wanted term and no unwanted one, or,
        when nothing is wanted, those with any of the unwanted terms."""

    @abstractmethod
    def ranked(
        self,
        connection: Connection,
        terms: Terms,
        shown: Ranges,
        conditions: Sequence[ColumnElement[bool]],
        offset: int,
        limit: int,
    ) -> list[int]:
        """A page of the matching decisions that meet the conditions, best match first."""

    @abstractmethod
    def snippets(self, connection: Connection, terms: Terms, numbers: list[int]) -> dict[int, str]:
        """Excerpts of the decisions' summaries with the words found marked."""


_FTS = table(TEXT_INDEX, column("rowid"))


class _SQLiteWords(_TextIndex):
    def prepare(self, connection: Connection) -> None:
        pass  # SQLite plans each statement for the values it is given.

    @staticmethod
    def _match(terms: Terms) -> tuple[TextClause, dict[str, str]]:
        # Every term is a quoted FTS5 string: whatever was typed, it is only ever words to find.
        def quoted(words: tuple[str, ...]) -> str:
            return '"' + " ".join(words).replace('"', '""') + '"'

        wanted = " AND ".join(map(quoted, terms.wanted))
        unwanted = " OR ".join(map(quoted, terms.unwanted))
        if wanted and unwanted:
            wanted = f"({wanted}) NOT ({unwanted})"
        return text(f"{TEXT_INDEX} MATCH :match"), {"match": wanted or unwanted}

    def matching(self, connection: Connection, terms: Terms, shown: Ranges) -> list[int]:
        condition, values = self._match(terms)
        query = select(_FTS.c.rowid).where(condition, _within(_FTS.c.rowid, shown))
        return _numbers(connection, query, values)

    def ranked(
        self,
        connection: Connection,
        terms: Terms,
        shown: Ranges,
        conditions: Sequence[ColumnElement[bool]],
        offset: int,
        limit: int,
    ) -> list[int]:
        condition, values = self._match(terms)
        query: Select[Any] = select(_FTS.c.rowid).where(condition, _within(_FTS.c.rowid, shown))
        if conditions:
            query = query.join(search_decisions, search_decisions.c.id == _FTS.c.rowid).where(
                *conditions
            )
        # The summary counts twice as much as the subcategory; ties go to the newest.
        ordered = query.order_by(text(f"bm25({TEXT_INDEX}, 1.0, 0.5)"), _FTS.c.rowid.desc())
        return list(connection.execute(ordered.limit(limit).offset(offset), values).scalars())

    def snippets(self, connection: Connection, terms: Terms, numbers: list[int]) -> dict[int, str]:
        condition, values = self._match(terms)
        marked: ColumnElement[str] = literal_column(
            f"snippet({TEXT_INDEX}, 0, char(2), char(3), '', {min(SNIPPET_WORDS, 64)})"
        )
        query = select(_FTS.c.rowid, marked).where(condition, _FTS.c.rowid.in_(numbers))
        return {row[0]: row[1] for row in connection.execute(query, values)}


_DOCUMENTS = table(TEXT_INDEX, column("id"), column("document"))


class _PostgresWords(_TextIndex):
    def prepare(self, connection: Connection) -> None:
        # psycopg prepares a statement run five times, and PostgreSQL then plans it once for any
        # words: a plan that scans every document even for a rare word. Plan for these words.
        connection.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    @staticmethod
    def _query(terms: Terms) -> tuple[str, dict[str, str]]:
        # Each term goes in as a bound value, never as tsquery syntax.
        values: dict[str, str] = {}

        def joined(group: tuple[tuple[str, ...], ...], prefix: str, operator: str) -> str:
            parts = []
            for n, words in enumerate(group):
                values[f"{prefix}{n}"] = " ".join(words)
                kind = "plainto_tsquery" if len(words) == 1 else "phraseto_tsquery"
                parts.append(f"{kind}('english', :{prefix}{n})")
            return f" {operator} ".join(parts)

        wanted = joined(terms.wanted, "want", "&&")
        unwanted = joined(terms.unwanted, "omit", "||")
        if not wanted:
            return unwanted, values
        return (f"({wanted}) && !!({unwanted})" if unwanted else wanted), values

    def matching(self, connection: Connection, terms: Terms, shown: Ranges) -> list[int]:
        query, values = self._query(terms)
        found = select(_DOCUMENTS.c.id).where(
            text(f"{TEXT_INDEX}.document @@ ({query})"), _within(_DOCUMENTS.c.id, shown)
        )
        return _numbers(connection, found, values)

    def ranked(
        self,
        connection: Connection,
        terms: Terms,
        shown: Ranges,
        conditions: Sequence[ColumnElement[bool]],
        offset: int,
        limit: int,
    ) -> list[int]:
        query, values = self._query(terms)
        found: Select[Any] = select(_DOCUMENTS.c.id).where(
            text(f"{TEXT_INDEX}.document @@ ({query})"), _within(_DOCUMENTS.c.id, shown)
        )
        if conditions:
            found = found.join(search_decisions, search_decisions.c.id == _DOCUMENTS.c.id).where(
                *conditions
            )
        ordered = found.order_by(
            text(f"ts_rank({TEXT_INDEX}.document, {query}) DESC"), _DOCUMENTS.c.id.desc()
        )
        return list(connection.execute(ordered.limit(limit).offset(offset), values).scalars())

    def snippets(self, connection: Connection, terms: Terms, numbers: list[int]) -> dict[int, str]:
        query, values = self._query(terms)
        options = (
            f"StartSel={_START}, StopSel={_STOP}, "
            f"MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"
        )
        found = text(
            f"SELECT id, ts_headline('english', summary, {query}, :options) "
            "FROM search_decisions WHERE id IN :numbers"
        ).bindparams(bindparam("numbers", expanding=True))
        rows = connection.execute(found, {**values, "options": options, "numbers": numbers})
        return {row[0]: row[1] for row in rows}


@dataclass(frozen=True)
class _BitSets:
    """One build of the index as bit sets: bit n of each set stands for decision n."""

    everything: int
    facets: dict[str, dict[Any, int]]


_built: OrderedDict[str, _BitSets] = OrderedDict()
_built_lock = threading.Lock()
_KEEP_BUILDS = 4


def _bit_sets(connection: Connection, build: str) -> _BitSets:
    """The bit sets of a build of the index, read once per process and kept."""
    with _built_lock:
        found = _built.get(build)
        if found is not None:
            _built.move_to_end(build)
            return found
    loaded = _load_bit_sets(connection)
    with _built_lock:
        _built[build] = loaded
        while len(_built) > _KEEP_BUILDS:
            _built.popitem(last=False)
    return loaded


def _load_bit_sets(connection: Connection) -> _BitSets:
    s = search_decisions.c
    facets = {}
    for facet, name in FACETS.items():
        grouped = select(s[name], _joined(connection, s.id)).group_by(s[name])
        rows = connection.execute(grouped.where(s[name].is_not(None)))
        facets[facet] = {value: _bits(_split(joined)) for value, joined in rows}
    return _BitSets(_bits(_numbers(connection, select(s.id))), facets)


def _numbers(
    connection: Connection, query: Select[Any], values: dict[str, Any] | None = None
) -> list[int]:
    """The decision numbers a query finds."""
    found = query.subquery().columns[0]
    return _split(connection.execute(select(_joined(connection, found)), values or {}).scalar())


def _joined(connection: Connection, number: ColumnElement[Any]) -> ColumnElement[str]:
    """Decision numbers joined into one string: for tens of thousands of them, fetching one
    string is twice as fast as fetching a row for each."""
    if connection.dialect.name == "postgresql":
        return func.string_agg(cast(number, Text), literal(","))
    return func.group_concat(number)


def _split(joined: str | None) -> list[int]:
    return list(map(int, joined.split(","))) if joined else []


def _bits(numbers: Sequence[int]) -> int:
    """A bit set of decision numbers."""
    if not numbers:
        return 0
    digits = bytearray(b"0") * (max(numbers) + 1)
    # map() runs the loop in C; a search may set tens of thousands of bits.
    deque(map(digits.__setitem__, numbers, repeat(ord("1"))), maxlen=0)
    digits.reverse()
    return int(digits, 2)


Ranges = Sequence[tuple[int, int]]
"""Runs of decision numbers, first and last of each, inclusive."""


def _ranges(years: dict[Any, int], allowed: Iterable[int], last: int) -> list[tuple[int, int]]:
    """The runs of decision numbers in the allowed review years, up to `last`. Decisions are
    numbered in date order, so each review year's are one unbroken run."""
    runs: list[tuple[int, int]] = []
    for year in sorted(allowed):
        bits = years.get(year, 0)
        if not bits:
            continue
        low, high = (bits & -bits).bit_length() - 1, min(bits.bit_length() - 1, last)
        if low > high:
            continue
        if runs and low == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], high)
        else:
            runs.append((low, high))
    return runs or [(0, -1)]


def _within(number: Any, shown: Ranges) -> ColumnElement[bool]:
    """A decision number within the runs shown."""
    return or_(*(number.between(low, high) for low, high in shown))


def _union(sets: dict[Any, int], values: Iterable[Any]) -> int:
    union = 0
    for value in values:
        union |= sets.get(value, 0)
    return union


def _pick(bits: int, offset: int, limit: int, *, newest: bool) -> list[int]:
    """A page of the decisions in a bit set, newest (highest numbers) or oldest first."""
    total = bits.bit_count()
    if newest:
        first = max(total - offset - limit, 0)
        picked = _ascending(bits, first, total - offset - first)
        picked.reverse()
        return picked
    return _ascending(bits, offset, limit)


def _ascending(bits: int, skip: int, count: int) -> list[int]:
    """The numbers in a bit set from the `skip`-th lowest, `count` of them."""
    below = 0
    if skip:
        # The lowest position with `skip` set bits beneath it, by halving: a page far down a
        # long list costs a few dozen popcounts, not a walk past every decision before it.
        low, high = 0, bits.bit_length()
        while low < high:
            middle = (low + high) // 2
            if (bits & ((1 << middle) - 1)).bit_count() >= skip:
                high = middle
            else:
                low = middle + 1
        below = low
    rest = bits >> below
    picked: list[int] = []
    while rest and len(picked) < count:
        lowest = rest & -rest
        picked.append(below + lowest.bit_length() - 1)
        rest ^= lowest
    return picked
