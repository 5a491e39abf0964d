"""The words of the indexed decisions, searched as each database does it: FTS5 or tsvector."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    TextClause,
    bindparam,
    column,
    literal_column,
    select,
    table,
    text,
)

from upheld.search.bits import Ranges, numbers_of, within
from upheld.search.query import SNIPPET_WORDS, Terms
from upheld.store.schema import TEXT_INDEX, search_decisions

START, STOP = "\x02", "\x03"
"""Marks the databases put around found words in a snippet, then turned into spans."""


class TextIndex(ABC):
    """The words of the indexed decisions, searched the way each database does it."""

    @staticmethod
    def of(connection: Connection) -> TextIndex:
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


class _SQLiteWords(TextIndex):
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
        query = select(_FTS.c.rowid).where(condition, within(_FTS.c.rowid, shown))
        return numbers_of(connection, query, values)

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
        query: Select[Any] = select(_FTS.c.rowid).where(condition, within(_FTS.c.rowid, shown))
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


class _PostgresWords(TextIndex):
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
            text(f"{TEXT_INDEX}.document @@ ({query})"), within(_DOCUMENTS.c.id, shown)
        )
        return numbers_of(connection, found, values)

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
            text(f"{TEXT_INDEX}.document @@ ({query})"), within(_DOCUMENTS.c.id, shown)
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
            f"StartSel={START}, StopSel={STOP}, "
            f"MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"
        )
        found = text(
            f"SELECT id, ts_headline('english', summary, {query}, :options) "
            "FROM search_decisions WHERE id IN :numbers"
        ).bindparams(bindparam("numbers", expanding=True))
        rows = connection.execute(found, {**values, "options": options, "numbers": numbers})
        return {row[0]: row[1] for row in rows}
