"""The decisions handlers: the search (a few at a time) and one decision's page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlencode

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from upheld.errors import Busy
from upheld.search import MAX_PER_PAGE, DecisionQuery
from upheld.site import decisions
from upheld.site.identity import decision_path
from upheld.site.model import Site
from upheld.web import params
from upheld.web.render import Renderer, split_format

MAX_WAITING_SEARCHES = 200
"""Searches queued beyond this many are refused with 503 and asked to retry."""

T = TypeVar("T")


def read_query(request: Request) -> DecisionQuery:
    """The search a request's address asks for; nonsense is a 400, not a crash."""
    query = request.query_params
    remedy = {"yes": True, "no": False, "": None}.get(query.get("remedy", "").lower())
    return decisions.decision_query(
        text=params.text(query, "q"),
        councils=query.getlist("council"),
        categories=query.getlist("category"),
        outcomes=query.getlist("outcome"),
        years=query.getlist("year"),
        remedy=remedy,
        sort=params.choice(query, "sort", "relevance", decisions.SORTS),
        page=params.page_number(query),
        per_page=params.whole_number(query, "per_page", 20, 1, MAX_PER_PAGE),
    )


class DecisionRoutes:
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

    async def search(self, request: Request) -> Response:
        """The decisions search page, and its .json twin (the .csv is a download: every
        decision found, streamed)."""
        fmt = split_format(request.url.path, "json")[1]
        query = read_query(request)

        def respond() -> Response:
            publication = self.site.publication()
            return self.render.respond(
                request,
                publication,
                fmt,
                "decisions.html",
                functools.partial(decisions.decisions_page, self.site, publication, query),
                # Searches are too varied to be worth keeping, and fast enough not to need it.
                cache=False,
            )

        return await self.limited(respond)

    def decision(self, request: Request) -> Response:
        """One published decision; its reference written any other way redirects to it."""
        publication = self.site.publication()
        typed, fmt = split_format(request.path_params["reference"], "json")
        found = decisions.references_for(self.site, publication, typed)
        if found != [typed]:
            return RedirectResponse(
                moved_to(found, fmt, request.url.query), status_code=301 if len(found) == 1 else 302
            )
        page = decisions.decision_page(self.site, publication, typed)
        return self.render.respond(request, publication, fmt, "decision.html", lambda: page)


def moved_to(found: list[str], fmt: str, query: str, prefix: str = "") -> str:
    """Where a decision's address written another way goes: the decision's own address, in the
    same format; or, for the rare reference shared by several decisions, a search for them."""
    suffix = ".json" if fmt == "json" else ""
    if len(found) == 1:
        return f"{prefix}{decision_path(found[0])}{suffix}" + (f"?{query}" if query else "")
    return f"{prefix}/decisions{suffix}?{urlencode({'q': found[0]})}"
