"""Finding published decisions: one page of a search with its facet counts, or one decision."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    select,
)

from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.core.references import reference_key
from upheld.search.bits import Ranges, bit_set_of, bit_sets, numbers_of, pick, ranges, union
from upheld.search.index import PUBLIC_COLUMNS, State, index_state, published_now, unchanged
from upheld.search.query import (
    FACETS,
    SNIPPET_WORDS,
    WORD,
    DecisionQuery,
    SearchResult,
    Terms,
    read_terms,
)
from upheld.search.words import START, STOP, TextIndex
from upheld.store.schema import cases, search_decisions


def decision(
    connection: Connection, reference: str, publication: Publication
) -> dict[str, Any] | None:
    """One published decision's public fields, or None if it is not (or not yet) published."""
    row = connection.execute(
        select(*(cases.c[n] for n in PUBLIC_COLUMNS)).where(
            cases.c.reference == reference, published_now(publication)
        )
    ).first()
    return None if row is None else _public(row._mapping)


def references(connection: Connection, typed: str, publication: Publication) -> list[str]:
    """The published decisions a reference as typed means: itself if it is one, else every
    published decision whose reference has the same key (`core.references`), in order."""
    c = cases.c
    exact = connection.execute(
        select(c.reference).where(c.reference == typed, published_now(publication))
    ).scalar()
    if exact is not None:
        return [exact]
    key = reference_key(typed)
    if not key:
        return []
    found = connection.execute(
        select(c.reference)
        .where(c.reference_key == key, published_now(publication))
        .order_by(c.reference)
    )
    return list(found.scalars())


def search(connection: Connection, query: DecisionQuery, publication: Publication) -> SearchResult:
    """Find published decisions by words and filters, with one page of them and facet counts."""
    result = _empty(query)
    for _attempt in range(3):
        state = index_state(connection)
        if state is None:
            return result
        result = _search(connection, query, publication, state)
        # PostgreSQL reads each statement afresh, so a rebuild committed part-way through would
        # have renumbered the decisions: start again on the new build.
        after = index_state(connection)
        if after is not None and after.build == state.build:
            break
    return result


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
    connection: Connection, query: DecisionQuery, publication: Publication, state: State
) -> SearchResult:
    index = bit_sets(connection, state.build)
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
        visible &= union(index.facets["year"], record_years)
        shown = ranges(index.facets["year"], record_years, last)
    if not state.current:
        visible &= ~bit_set_of(numbers_of(connection, select(s.id).where(~unchanged())))
    words = TextIndex.of(connection)
    words.prepare(connection)
    terms = read_terms(query.text)
    found = visible
    by_reference = _by_reference(connection, query.text) & visible
    if by_reference:
        # What was typed is a decision's reference, however written: find that decision, not
        # the words (the digits of a reference are in no summary).
        found, terms = by_reference, Terms()
    elif terms.wanted:
        found &= bit_set_of(words.matching(connection, terms, shown))
    elif terms.unwanted:
        found &= ~bit_set_of(words.matching(connection, terms, shown))

    chosen = query.chosen()
    allowed = {facet: union(index.facets[facet], values) for facet, values in chosen.items()}
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
                conditions.append(unchanged())
            numbers = words.ranked(connection, terms, shown, conditions, offset, query.per_page)
        else:
            numbers = pick(selected, offset, query.per_page, newest=query.sort != "oldest")
    items = _items(connection, words, terms, numbers, publication)
    pages = max(1, math.ceil(total / query.per_page))
    return SearchResult(total, query.page, query.per_page, pages, items, facets)


def _by_reference(connection: Connection, typed: str) -> int:
    """The indexed decisions whose reference has the key of what was typed, as a bit set."""
    key = reference_key(typed)
    if not key:
        return 0
    s = search_decisions.c
    return bit_set_of(
        list(connection.execute(select(s.id).where(s.reference_key == key)).scalars())
    )


def _items(
    connection: Connection,
    words: TextIndex,
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
        .where(s.id.in_(numbers), published_now(publication))
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
    for piece in re.split(f"([{START}{STOP}])", raw):
        if piece == START:
            opened = length
        elif piece == STOP and opened is not None:
            marks.append((opened, length))
            opened = None
        elif piece not in (START, STOP):
            plain.append(piece)
            length += len(piece)
    excerpt = "".join(plain)
    summary: str = item["summary"]
    at = summary.find(excerpt)
    if at < 0 or not excerpt:
        return {"text": excerpt, "marks": marks}
    end = at + len(excerpt)
    # Only punctuation left out after the excerpt: show it rather than "…".
    if not WORD.search(summary, end):
        excerpt, end = excerpt + summary[end:].rstrip(), len(summary)
    if at > 0:
        excerpt = "…" + excerpt
        marks = [(start + 1, stop + 1) for start, stop in marks]
    if end < len(summary):
        excerpt += "…"
    return {"text": excerpt, "marks": marks}
