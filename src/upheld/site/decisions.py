"""The decisions pages: a search of the published decisions with its filters, and one decision
with what followed it: the compliance outcome, service improvements and public reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, select

from upheld import search
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.core.vocabulary import COMPLIANCE_OUTCOMES, OUTCOMES
from upheld.core.wording import long_date
from upheld.errors import BadParameter, NotFound
from upheld.site import lists
from upheld.site.identity import council_name, decision_path
from upheld.site.model import Site
from upheld.store import schema

_SORT_WORDS = {"relevance": "Best match", "newest": "Newest first", "oldest": "Oldest first"}
SORTS = {sort: _SORT_WORDS[sort] for sort in search.SORTS}
"""The search's orders with the words the form gives them (a new order without words fails
here, as upheld loads)."""


class Facet(TypedDict):
    """One value a search can be narrowed to, how many decisions have it, and whether it is on."""

    value: Any
    label: str
    count: int
    chosen: bool


class Asked(TypedDict):
    """What a search asked for, as written in its address."""

    q: str
    council: list[str]
    category: list[str]
    outcome: list[str]
    year: list[str]
    remedy: str | None
    sort: str


class DecisionsPage(TypedDict):
    """A page of search results, with the filters and their counts."""

    title: str
    query: Asked
    sorts: dict[str, str]
    total: int
    page: int
    pages: int
    per_page: int
    items: list[dict[str, Any]]
    facets: dict[str, list[Facet]]
    delay_months: int
    decisions_rule: str


def decision_query(
    *,
    text: str = "",
    councils: Sequence[str] = (),
    categories: Sequence[str] = (),
    outcomes: Sequence[str] = (),
    years: Sequence[str] = (),
    remedy: bool | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
) -> search.DecisionQuery:
    """A search as the page and the API both ask for it; BadParameter for one that cannot be."""
    try:
        starts = tuple(ReviewYear.parse(y).start_year for y in years if y)
        return search.DecisionQuery(
            text=text.strip(),
            councils=tuple(c.upper() for c in councils if c),
            categories=tuple(c for c in categories if c),
            outcomes=tuple(o for o in outcomes if o),
            years=starts,
            remedy=remedy,
            sort=sort,
            page=page,
            per_page=per_page,
        )
    except ValueError as exc:
        raise BadParameter(str(exc)) from None


def decisions_page(
    site: Site, publication: Publication, query: search.DecisionQuery
) -> DecisionsPage:
    """A search's page: results, facets with labels, and what was asked."""
    with site.engine.connect() as connection:
        found = search.search(connection, query, publication)
    register = site.register()
    labels: dict[str, Callable[[Any], str]] = {
        "council": lambda code: council_name(register, code),
        "category": str,
        "outcome": OUTCOMES.label,
        "year": lambda y: ReviewYear(int(y)).label,
        "remedy": lambda r: "Satisfactory remedy" if r else "No satisfactory remedy",
    }
    asked: dict[str, set[Any]] = {
        "council": set(query.councils),
        "category": set(query.categories),
        "outcome": set(query.outcomes),
        "year": set(query.years),
        "remedy": set() if query.remedy is None else {query.remedy},
    }
    facets: dict[str, list[Facet]] = {
        name: [
            {
                "value": _facet_value(name, value),
                "label": labels[name](value),
                "count": count,
                "chosen": value in asked[name],
            }
            # Years read best in order, newest first; other facets by how many they hold.
            for value, count in (sorted(values, reverse=True) if name == "year" else values)
        ]
        for name, values in found.facets.items()
    }
    items = [
        item
        | {
            "council_name": council_name(register, item["authority"]),
            "outcome_label": OUTCOMES.label(item["outcome"]),
        }
        for item in found.items
    ]
    return {
        "title": "Decisions",
        "query": {
            "q": query.text,
            "council": list(query.councils),
            "category": list(query.categories),
            "outcome": list(query.outcomes),
            "year": [ReviewYear(y).label for y in query.years],
            "remedy": None if query.remedy is None else ("yes" if query.remedy else "no"),
            "sort": query.sort,
        },
        "sorts": SORTS,
        "total": found.total,
        "page": found.page,
        "pages": found.pages,
        "per_page": found.per_page,
        "items": items,
        "facets": facets,
        "delay_months": publication.delay_months,
        "decisions_rule": publication.decisions_rule,
    }


class Compliance(TypedDict):
    """Whether the council did what was recommended, as assessed."""

    outcome: str
    outcome_label: str
    assessed: str
    assessed_text: str
    year: str
    due: str | None
    due_text: str | None
    recommendation: str | None


NO_SUCH_DECISION = "There is no such published decision."


def references_for(site: Site, publication: Publication, typed: str) -> list[str]:
    """The references of the published decisions a reference as typed means, however it is
    written (usually one; several only if their references differ just in punctuation or case);
    NotFound if there is none."""
    with site.engine.connect() as connection:
        found = search.references(connection, typed, publication)
    if not found:
        raise NotFound(NO_SUCH_DECISION)
    return found


def published_decision(site: Site, publication: Publication, reference: str) -> dict[str, Any]:
    """A published decision's public fields; NotFound if it is not (or not yet) published."""
    with site.engine.connect() as connection:
        found = search.decision(connection, reference, publication)
    if found is None:
        raise NotFound(NO_SUCH_DECISION)
    return found


def decision_page(site: Site, publication: Publication, reference: str) -> dict[str, Any]:
    """One published decision's page: its public fields, how to read them, and what followed it
    that is published: the compliance outcome, service improvements and public reports."""
    with site.engine.connect() as connection:
        found = search.decision(connection, reference, publication)
        if found is None:
            raise NotFound(NO_SUCH_DECISION)
        compliance = _compliance(connection, publication, reference)
        improvements = lists.case_records(connection, "improvements", publication, reference)
        reports = lists.case_records(connection, "reports", publication, reference)
    return found | {
        "title": f"Decision {reference}",
        "url": decision_path(reference),
        "council_name": council_name(site.register(), found["authority"]),
        "outcome_label": OUTCOMES.label(found["outcome"]),
        "decided_text": _in_words(found["decided"]),
        "compliance": compliance,
        "improvements": [i | {"agreed_text": _in_words(i["agreed"])} for i in improvements],
        "reports": [r | {"issued_text": _in_words(r["issued"])} for r in reports],
    }


def _compliance(
    connection: Connection, publication: Publication, reference: str
) -> Compliance | None:
    """A decision's compliance outcome, if one is recorded and published now."""
    row = connection.execute(
        select(schema.compliance).where(schema.compliance.c.reference == reference)
    ).first()
    # An outcome counts towards its year's compliance rate: it is public when that year's
    # records are, as improvements and reports are.
    if row is None or not publication.record_is_public(row.assessed, row.assessed_year):
        return None
    due: date | None = row.due
    return {
        "outcome": row.outcome,
        "outcome_label": COMPLIANCE_OUTCOMES.label(row.outcome),
        "assessed": row.assessed.isoformat(),
        "assessed_text": long_date(row.assessed),
        "year": ReviewYear(row.assessed_year).label,
        "due": None if due is None else due.isoformat(),
        "due_text": None if due is None else long_date(due),
        "recommendation": row.recommendation,
    }


def _in_words(iso: str) -> str:
    return long_date(date.fromisoformat(iso))


def _facet_value(name: str, value: Any) -> Any:
    if name == "year":
        return ReviewYear(int(value)).label
    if name == "remedy":
        return "yes" if value else "no"
    return value
