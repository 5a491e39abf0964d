"""The feeds handlers: the page listing every feed (and its .json twin), the whole site's Atom
feed and each council's.

A feed is kept like any page (`Renderer.respond`): per data, configuration and publication state,
so an entry appears at the moment it becomes public and a publication moved later hides it at
once.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from upheld.core.publication import Publication
from upheld.site import feeds
from upheld.site.model import Site
from upheld.web import params
from upheld.web.render import Renderer, split_format
from upheld.web.routes import PageRoutes, not_found


class FeedRoutes:
    """The handlers for /feeds, /feeds/all.atom and /councils/{code}/feed.atom."""

    def __init__(self, site: Site, renderer: Renderer, pages: PageRoutes) -> None:
        self.site = site
        self.render = renderer
        self.pages = pages

    def _atom(self, publication: Publication) -> Callable[[feeds.Feed], bytes]:
        def write(feed: feeds.Feed) -> bytes:
            return feeds.atom_feed(feed, self.site.settings, self.site.edition().since)

        return write

    def index(self, request: Request) -> Response:
        """Every feed: the whole site's and each council's, with how to follow one."""
        publication = self.site.publication()
        text = params.text(request.query_params, "q")
        return self.render.respond(
            request,
            publication,
            split_format(request.url.path, "json")[1],
            "feeds.html",
            lambda: feeds.feeds_page(self.site, publication, text),
        )

    def everything(self, request: Request) -> Response:
        """The whole site's feed: everything published, newest first."""
        publication = self.site.publication()
        return self.render.respond(
            request,
            publication,
            "atom",
            "feeds.html",
            lambda: feeds.site_feed(self.site, publication),
            feed=self._atom(publication),
        )

    def council(self, request: Request) -> Response:
        """A council's feed; a council written by its name (or its code in lower case)
        redirects to its code, and one with no published page is not found."""
        publication = self.site.publication()
        key = request.path_params["key"]
        code = self.pages.council_code(key)
        if code != key:
            return RedirectResponse(feeds.council_feed_path(code), status_code=301)
        # A council has a feed while it has a page: nothing about it is public before that.
        if not self.site.page_years(code, publication):
            raise not_found("council")
        return self.render.respond(
            request,
            publication,
            "atom",
            "feeds.html",
            lambda: feeds.council_feed(self.site, publication, code),
            feed=self._atom(publication),
        )
