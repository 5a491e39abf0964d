"""The public website and API: `create_app(site)` builds the ASGI application.

Nothing is configured at import time: the app is made from a Site (database, configuration and a
clock), so tests can move the clock across a publication date.
"""

from __future__ import annotations

import inspect
import logging
import os
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from typing import cast

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from upheld import __version__
from upheld.errors import BadParameter, Busy, UpheldError
from upheld.site.model import Now, Site, utc_now
from upheld.store import engines, schema
from upheld.web import api, problems
from upheld.web.caching import Caching
from upheld.web.decisions import DecisionRoutes
from upheld.web.downloads import DownloadRoutes
from upheld.web.feeds import FeedRoutes
from upheld.web.headers import SecurityHeaders
from upheld.web.methods import Methods
from upheld.web.render import Renderer, error_format
from upheld.web.routes import PageRoutes

log = logging.getLogger("upheld.web")

PLAIN_DETAIL = {
    404: "There is no page at this address.",
    405: "This address cannot answer that kind of request.",
}
"""What the error page says for the web framework's own errors, in place of "Not Found"."""

DATABASE_VARIABLE = "UPHELD_DB"
CONFIG_VARIABLE = "UPHELD_CONFIG"


def site_for(url: str, config: Path, *, now: Now = utc_now) -> Site:
    """A read-only Site over a database and a configuration folder."""
    engine = engines.connect(url, read_only=True)
    schema.require_schema(engine)
    return Site(engine, config, now=now)


def from_environment() -> FastAPI:
    """The app for a server worker process, over $UPHELD_DB and $UPHELD_CONFIG."""
    return create_app(site_for(os.environ[DATABASE_VARIABLE], Path(os.environ[CONFIG_VARIABLE])))


Handler = Callable[[Request], Response | Awaitable[Response]]
Endpoint = Callable[[Request], Awaitable[Response]]


def kept_or(renderer: Renderer, handler: Handler) -> Endpoint:
    """A page handler that answers a page already kept straight from the event loop, and builds
    any other on a worker thread, where reading the database cannot hold up other requests."""
    if inspect.iscoroutinefunction(handler):
        return cast(Endpoint, handler)  # a search minds the loop itself
    build = cast(Callable[[Request], Response], handler)

    async def answer(request: Request) -> Response:
        kept = renderer.peek(request)
        if kept is not None:
            return kept
        return await run_in_threadpool(build, request)

    return answer


def create_app(site: Site) -> FastAPI:
    """The website and its API over a Site."""
    renderer = Renderer(site)
    pages = PageRoutes(site, renderer)
    decisions = DecisionRoutes(site, renderer)
    downloads = DownloadRoutes(site, renderer, decisions.limited)
    feeds = FeedRoutes(site, renderer, pages)
    app = FastAPI(
        title=f"{site.settings.web.title}: open data API",
        version=__version__,
        description=api.DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.site = site
    app.include_router(api.router(site, decisions))
    app.openapi = api.describe(app, site)  # type: ignore[method-assign]
    html_routes: list[tuple[str, Handler]] = [
        ("/", pages.home),
        ("/index.json", pages.home),
        ("/index.csv", pages.home),
        ("/councils", pages.councils),
        ("/councils.json", pages.councils),
        ("/councils.csv", pages.councils),
        ("/councils/{key}", pages.council),
        # Before the council's years, which would take "feed.atom" for one.
        ("/councils/{key}/feed.atom", feeds.council),
        ("/councils/{key}/{year}", pages.council_year),
        ("/councils/{key}/{year}/letter.{format}", pages.letter),
        ("/methodology", pages.methodology),
        ("/methodology.json", pages.methodology),
        ("/compare", pages.compare),
        ("/compare.json", pages.compare),
        ("/compare.csv", pages.compare),
        ("/national", pages.national),
        ("/national/{year}", pages.national_year),
        ("/improvements", pages.lists),
        ("/improvements.json", pages.lists),
        ("/improvements.csv", downloads.list_csv),
        ("/reports", pages.lists),
        ("/reports.json", pages.lists),
        ("/reports.csv", downloads.list_csv),
        ("/revisions", pages.revisions),
        ("/revisions.json", pages.revisions),
        ("/revisions.atom", pages.revisions),
        ("/feeds", feeds.index),
        ("/feeds.json", feeds.index),
        ("/feeds/all.atom", feeds.everything),
        ("/decisions", decisions.search),
        ("/decisions.json", decisions.search),
        ("/decisions.csv", downloads.search_csv),
        # A reference may hold a "/" (written %2F in the address).
        ("/decisions/{reference:path}", decisions.decision),
        ("/downloads", downloads.index),
        ("/downloads.json", downloads.index),
        ("/downloads/{file}", downloads.file),
        ("/downloads/{year}/{file}", downloads.year_download),
        ("/api", downloads.api_page),
    ]
    for path, handler in html_routes:
        app.add_route(
            path, kept_or(renderer, handler), methods=["GET", "HEAD"], include_in_schema=False
        )
    static = resources.files("upheld") / "data" / "static"
    app.router.routes.append(Mount("/static", StaticFiles(directory=str(static)), name="static"))

    async def error_page(request: Request, exc: Exception) -> Response:
        if isinstance(exc, UpheldError):
            status, detail = exc.http_status, str(exc)
        elif isinstance(exc, HTTPException):
            status, detail = exc.status_code, str(exc.detail)
            # Starlette's own 404 and 405 say only "Not Found": say it as a sentence.
            if detail == HTTPStatus(status).phrase:
                detail = PLAIN_DETAIL.get(status, f"{detail}.")
        else:
            log.exception("error answering %s", request.url.path, exc_info=exc)
            status, detail = 500, "Something went wrong."
        headers: dict[str, str] | None = None
        if isinstance(exc, Busy):
            headers = {"Retry-After": "1"}
        elif isinstance(exc, HTTPException) and exc.headers:
            headers = dict(exc.headers)  # a 405 says which methods are allowed
        answer = error_format(request.url.path)
        if request.url.path.startswith("/api/"):
            invalid = []
            if isinstance(exc, BadParameter) and exc.parameter:
                invalid = [{"name": exc.parameter, "in": "query", "reason": detail}]
            return problems.problem(status, detail, invalid, headers)
        if answer == "json":
            return JSONResponse({"detail": detail}, status_code=status, headers=headers)
        if answer == "text":
            return PlainTextResponse(detail, status_code=status, headers=headers)
        titles = {400: "Bad request", 404: "Page not found", 503: "Busy"}
        page = {"title": titles.get(status, "Error"), "status": status, "detail": detail}
        response = renderer.html("error.html", page, request, status=status)
        if headers:
            response.headers.update(headers)
        return response

    async def invalid_parameters(request: Request, exc: Exception) -> Response:
        # Only the API's operations declare their parameters to FastAPI; the pages read theirs.
        assert isinstance(exc, RequestValidationError)
        return problems.from_validation(exc)

    app.add_exception_handler(RequestValidationError, invalid_parameters)
    app.add_exception_handler(HTTPException, error_page)
    app.add_exception_handler(UpheldError, error_page)
    app.add_exception_handler(Exception, error_page)
    app.add_middleware(Caching, site=lambda: site)
    app.add_middleware(Methods, routes=lambda: app.router.routes)
    app.add_middleware(
        SecurityHeaders, https=lambda: site.last_settings.web.base_url.startswith("https://")
    )
    return app
