"""The decisions pages: full-text search with facets, and a page per published decision."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from upheld.core.periods import ReviewYear
from upheld.core.vocabulary import OUTCOMES
from upheld.errors import Busy, NotFound
from upheld.site.model import Site
from upheld.web import params
from upheld.web.render import Renderer, split_format

if TYPE_CHECKING:
    from upheld import search

SORTS = {"relevance": "Best match", "newest": "Newest first", "oldest": "Oldest first"}
MAX_WAITING_SEARCHES = 200
"""Searches queued beyond this many are refused with 503 and asked to retry."""

T = TypeVar("T")


def read_query(request: Request) -> search.DecisionQuery:
    """The search a request asks for, from its query string; nonsense is a 400, not a crash."""
    from upheld import search

    query = request.query_params
    years = tuple(params.review_year(y).start_year for y in query.getlist("year") if y)
    remedy = {"yes": True, "no": False, "": None}.get(query.get("remedy", "").lower())
    return search.DecisionQuery(
        text=params.text(query, "q"),
        councils=tuple(c.upper() for c in query.getlist("council") if c),
        categories=tuple(c for c in query.getlist("category") if c),
        outcomes=tuple(o for o in query.getlist("outcome") if o),
        years=years,
        remedy=remedy,
        sort=params.choice(query, "sort", "relevance", SORTS),
        page=params.page_number(query),
        per_page=params.whole_number(query, "per_page", 20, 1, search.MAX_PER_PAGE),
    )


class Decisions:
    """Handlers for the decisions search and decision pages."""

    def __init__(self, site: Site, renderer: Renderer) -> None:
        self.site = site
        self.render = renderer
        self.searches = anyio.CapacityLimiter(site.settings.web.concurrent_searches)

    async def limited(self, work: Callable[[], T]) -> T:
        """Run a search on a worker thread, a few at a time, so that however many people search
        at once, other pages and files still have threads and processor time to answer."""
        self.searches.total_tokens = self.site.settings.web.concurrent_searches
        if self.searches.statistics().tasks_waiting >= MAX_WAITING_SEARCHES:
            raise Busy("The search is busy; please try again in a moment.")
        return await anyio.to_thread.run_sync(work, limiter=self.searches)

    def results(self, query: search.DecisionQuery) -> dict[str, Any]:
        """A search's page dict: results, facets with labels, and what was asked."""
        from upheld import search

        publication = self.site.publication()
        with self.site.engine.connect() as connection:
            found = search.search(connection, query, publication)
        register = self.site.register()

        def council_name(code: str) -> str:
            known = register.get(code)
            return known.name if known else code

        labels: dict[str, Callable[[Any], str]] = {
            "council": council_name,
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
        facets = {
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
                "council_name": council_name(item["authority"]),
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

    async def search(self, request: Request) -> Response:
        """The decisions search page, and its .json and .csv twins."""
        fmt = split_format(request.url.path, "json", "csv")[1]
        query = read_query(request)
        respond = functools.partial(
            self.render.respond,
            request,
            fmt,
            "decisions.html",
            lambda: self.results(query),
            rows=lambda page: [
                {k: v for k, v in item.items() if k != "snippet"} for item in page["items"]
            ],
            # Searches are too varied to be worth keeping, and fast enough not to need it.
            cache=False,
        )
        return await self.limited(respond)

    def decision(self, request: Request) -> Response:
        """One published decision."""
        from upheld import search

        reference, fmt = split_format(request.path_params["reference"], "json")
        with self.site.engine.connect() as connection:
            found = search.decision(connection, reference, self.site.publication())
        if found is None:
            raise NotFound("There is no such published decision.")
        council = self.site.register().get(found["authority"])
        page = found | {
            "title": f"Decision {reference}",
            "council_name": council.name if council else found["authority"],
            "outcome_label": OUTCOMES.label(found["outcome"]),
        }
        return self.render.respond(request, fmt, "decision.html", lambda: page)


def _facet_value(name: str, value: Any) -> Any:
    if name == "year":
        return ReviewYear(int(value)).label
    if name == "remedy":
        return "yes" if value else "no"
    return value
