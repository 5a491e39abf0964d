"""What a searcher asks for: the query, its words and phrases, and what a search returns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

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
WORD = re.compile(r"[^\W_]+")


def read_terms(typed: str) -> Terms:
    """Read search text: words, "phrases", and -word or -"phrase" to leave out."""
    wanted: list[tuple[str, ...]] = []
    unwanted: list[tuple[str, ...]] = []
    for part in _PART.finditer(typed):
        minus, quoted, bare_minus, bare = part.groups()
        words = [w.lower() for w in WORD.findall(quoted if bare is None else bare)]
        # A phrase's common words at either end match anything on PostgreSQL: drop them here too.
        while words and words[0] in STOP_WORDS:
            words.pop(0)
        while words and words[-1] in STOP_WORDS:
            words.pop()
        if words and len(wanted) + len(unwanted) < MAX_TERMS:
            (unwanted if (minus or bare_minus) else wanted).append(tuple(words))
    return Terms(tuple(wanted), tuple(unwanted))
