"""The decisions pages: full-text search with facets, and a page per published decision."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from upheld.periods import ReviewYear
from upheld.site import Site
from upheld.vocabulary import OUTCOMES
from upheld.web.render import Renderer, split_format

if TYPE_CHECKING:
    from upheld import search

SORTS = {"relevance": "Best match", "newest": "Newest first", "oldest": "Oldest first"}


def read_query(request: Request) -> search.DecisionQuery:
    """The search a request asks for, from its query string; nonsense is a 404, not a crash."""
    from upheld import search

    params = request.query_params
    try:
        years = tuple(ReviewYear.parse(y).start_year for y in params.getlist("year") if y)
        page = int(params.get("page", "1"))
        per_page = int(params.get("per_page", "20"))
    except ValueError:
        raise HTTPException(404, "There is no such page of decisions.") from None
    remedy_text = params.get("remedy", "")
    remedy = {"yes": True, "no": False}.get(remedy_text.lower())
    sort = params.get("sort", "relevance")
    if sort not in SORTS or page < 1 or not 1 <= per_page <= 100:
        raise HTTPException(404, "There is no such page of decisions.")
    return search.DecisionQuery(
        text=params.get("q", "").strip(),
        councils=tuple(c.upper() for c in params.getlist("council") if c),
        categories=tuple(c for c in params.getlist("category") if c),
        outcomes=tuple(o for o in params.getlist("outcome") if o),
        years=years,
        remedy=remedy,
        sort=sort,
        page=page,
        per_page=per_page,
    )


class Decisions:
    """Handlers for the decisions search and decision pages."""

    def __init__(self, site: Site, renderer: Renderer) -> None:
        self.site = site
        self.render = renderer

    def results(self, query: search.DecisionQuery) -> dict[str, Any]:
        """A search's page dict: results, facets with labels, and what was asked."""
        from upheld import search

        today = self.site.now().date()
        delay = self.site.settings.web.decision_delay_months
        with self.site.engine.connect() as connection:
            found = search.search(connection, query, today=today, delay_months=delay)
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
            "delay_months": self.site.settings.web.decision_delay_months,
        }

    async def search(self, request: Request) -> Response:
        """The decisions search page, and its .json and .csv twins."""
        fmt = split_format(request.url.path, "json", "csv")[1]
        query = read_query(request)
        return self.render.respond(
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

    async def decision(self, request: Request) -> Response:
        """One published decision."""
        from upheld import search

        reference, fmt = split_format(request.path_params["reference"], "json")
        today = self.site.now().date()
        delay = self.site.settings.web.decision_delay_months
        with self.site.engine.connect() as connection:
            found = search.decision(connection, reference, today=today, delay_months=delay)
        if found is None:
            raise HTTPException(404, "There is no such published decision.")
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
