"""The decisions behind a figure: each count a page gives that decisions make up, linked to the
decision search for exactly those decisions, with how many of them the search shows now.

The search can show fewer than a figure counts: decisions are published some months after they
are made, and some never are. Pages say so, with both numbers.
"""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import Connection

from upheld.core.publication import Publication
from upheld.core.stats import Counts
from upheld.site.model import Year


class Evidence(TypedDict):
    """A count on a page with the decisions behind it: the count, how many of those decisions
    the search shows now, and the search that lists them."""

    label: str
    count: int
    shown: int
    url: str


EVIDENCE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("decided", "decisions", ()),
    ("investigated", "detailed investigations", ("upheld", "not_upheld")),
    ("upheld", "upheld decisions", ("upheld",)),
    (
        "satisfactory_remedies",
        "upheld decisions where the council had already offered a satisfactory remedy",
        ("upheld",),
    ),
)
"""The counts behind the key statistics that decisions make up, with the outcomes that make
each (compliance outcomes and complaints received are not decisions, so have no search)."""


def search_url(count: str, year: str, council: str | None = None) -> str | None:
    """The decision search for exactly the decisions behind a count ("upheld", ...) in a year,
    for one council or all; None for a count that is not of decisions (population, compliance
    outcomes, complaints received)."""
    chosen = next((outcomes for name, _, outcomes in EVIDENCE if name == count), None)
    if chosen is None:
        return None
    url = f"/decisions?year={year}" + (f"&council={council}" if council else "")
    url += "".join(f"&outcome={o}" for o in chosen)
    return url + ("&remedy=yes" if count == "satisfactory_remedies" else "")


def evidence(
    connection: Connection,
    publication: Publication,
    year: Year,
    counts: Counts,
    council: str | None = None,
) -> list[Evidence]:
    """Each count behind the key statistics, for one council or all, with the published
    decisions that make it up: one search of the year, its facets giving each count shown."""
    from upheld import search

    query = search.DecisionQuery(
        councils=(council,) if council else (), years=(year.year.start_year,), per_page=1
    )
    found = search.search(connection, query, publication)
    outcomes = dict(found.facets.get("outcome", []))
    remedies = dict(found.facets.get("remedy", []))
    made: list[Evidence] = []
    for name, label, chosen in EVIDENCE:
        if name == "decided":
            shown = found.total
        elif name == "satisfactory_remedies":
            shown = int(remedies.get(True, 0))
        else:
            shown = sum(int(outcomes.get(o, 0)) for o in chosen)
        url = search_url(name, year.label, council) or ""
        made.append({"label": label, "count": counts.count(name), "shown": shown, "url": url})
    return made
