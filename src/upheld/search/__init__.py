"""Decision search: published decisions found by their words, counted by council, service area,
outcome, year and satisfactory remedy.

The search index is derived from `cases`: rebuilt whole by `refresh_index` (`upheld index`), and
brought up to date by `update_index` after each import of cases, indexing again only the cases
imported since that changed (each case records the import that last changed it) and those
numbered after them. It holds only decisions that may ever be published (decided, publishable,
with a summary), numbered 1, 2, ... in order of decision date and reference, and never the
complainant. Each database indexes the words its own way: SQLite with an FTS5 table
over `search_decisions`, PostgreSQL with a table of tsvectors.

What a searcher types that is a published decision's reference, written any usual way
(`24 001 234`, `24-001-234`, `24001234`), finds that decision. Anything else is read the same way
on both databases: words (all must appear, in any form: "complaining" finds "complained"),
"phrases in quotes", and -word or -"phrase" to leave decisions out. Common words ("the", "of",
...) are ignored outside phrases; other punctuation only separates words, so nothing typed is ever
read as search syntax.

Counting is done on bit sets held in memory for each build of the index (bit n stands for decision
n): a facet count is then a few thousand AND and popcount operations, not a scan of the database.
Whether a decision may be shown today is decided in SQL, and every item shown is read back from
`cases` with that rule applied again.
"""

from upheld.search.find import decision, references, search
from upheld.search.index import (
    PUBLIC_COLUMNS,
    Update,
    index_is_current,
    refresh_index,
    tidy_index,
    update_index,
)
from upheld.search.query import (
    FACETS,
    MAX_PER_PAGE,
    SORTS,
    DecisionQuery,
    SearchResult,
    Terms,
    read_terms,
)

__all__ = [
    "FACETS",
    "MAX_PER_PAGE",
    "PUBLIC_COLUMNS",
    "SORTS",
    "DecisionQuery",
    "SearchResult",
    "Terms",
    "Update",
    "decision",
    "index_is_current",
    "read_terms",
    "references",
    "refresh_index",
    "search",
    "tidy_index",
    "update_index",
]
