"""Rendering a page dict as HTML, JSON or CSV, keeping rendered pages until the data changes."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
import markupsafe
from markdown_it import MarkdownIt
from starlette.requests import Request
from starlette.responses import Response

from upheld import __version__
from upheld.core.catalogue import CATALOGUE
from upheld.core.publication import Publication
from upheld.core.wording import NOT_AVAILABLE, day_in_words, thousands
from upheld.errors import NotFound
from upheld.flights import Flights
from upheld.present.export import as_csv
from upheld.site.model import Site
from upheld.site.twins import without_charts

CACHE_LIMIT = 4000
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
}


FILE_SUFFIXES = (".csv", ".xlsx", ".atom")
"""Addresses of files, not pages: an error there is a line of plain text."""


def error_format(path: str) -> str:
    """How an error is answered at an address, the one rule for every route: "json" for the API
    and .json twins, "text" (a line of plain text) for a file, else "html" (a page)."""
    if path.startswith("/api/") or path.endswith(".json"):
        return "json"
    if path.endswith(FILE_SUFFIXES):
        return "text"
    return "html"


def split_format(value: str, *allowed: str) -> tuple[str, str]:
    """A path part and the format its suffix asks for: ("2024-25", "json") from "2024-25.json"."""
    for fmt in allowed:
        if value.endswith("." + fmt):
            return value[: -len(fmt) - 1], fmt
    return value, "html"


def query_with(request: Request, **changes: Any) -> str:
    """The current query string with some parameters changed (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            params += [(key, str(v)) for v in value]
        else:
            params.append((key, str(value)))
    return "?" + urlencode(params) if params else request.url.path


_INLINE = MarkdownIt("commonmark", {"html": False})


def inline_markdown(text: str) -> markupsafe.Markup:
    """A line of the API's own Markdown (`code`, *emphasis*, links) as HTML; any HTML in the
    text is shown as text, never run."""
    return markupsafe.Markup(_INLINE.renderInline(text))


class Renderer:
    """Templates, and a cache of rendered pages that empties itself when the data changes."""

    def __init__(self, site: Site) -> None:
        self.site = site
        folder = resources.files("upheld") / "data" / "templates" / "site"
        self.templates = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(folder)),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.templates.globals.update(
            statistics=list(CATALOGUE),
            version=__version__,
            quote=quote,
            query_with=query_with,
        )
        self.templates.filters["thousands"] = thousands
        self.templates.filters["day"] = day_in_words
        self.templates.filters["inline_markdown"] = inline_markdown
        self.templates.filters["pct"] = lambda n: NOT_AVAILABLE if n is None else f"{n}%"
        self.templates.filters["first_upper"] = lambda text: text[:1].upper() + text[1:]
        self.templates.filters["figure"] = lambda value, statistic: statistic.text(value)
        # A row's figure with its exact percentage where rounding would hide it: "100% (99.6%)".
        self.templates.filters["shown"] = lambda row, statistic: statistic.text(
            row[statistic.key], row.get(statistic.exact_key or "")
        )
        self._cache: dict[Any, tuple[bytes, str]] = {}
        self._version: Any = None
        self._lock = threading.Lock()
        self._making: Flights[bytes] = Flights()

    def html(
        self, template: str, page: Mapping[str, Any], request: Request, status: int = 200
    ) -> Response:
        """A page rendered as HTML, not cached."""
        return Response(
            self._render(template, page, request),
            status_code=status,
            media_type=MEDIA_TYPES["html"],
        )

    def _render(self, template: str, page: Mapping[str, Any], request: Request) -> str:
        # The settings are read for each page: they may change while the server runs.
        settings = self.site.settings
        return self.templates.get_template(template).render(
            page=page,
            request=request,
            site_title=settings.web.title,
            organisation=settings.organisation,
        )

    def respond(
        self,
        request: Request,
        publication: Publication,
        fmt: str,
        template: str,
        build: Callable[[], Mapping[str, Any]],
        *,
        rows: Callable[[Any], Sequence[Mapping[str, Any]]] | None = None,
        feed: Callable[[Any], bytes] | None = None,
        cache: bool = True,
    ) -> Response:
        """A page as HTML, JSON, CSV or an Atom feed, all from the one page data; kept until the
        data, the configuration or what is public changes."""
        if fmt == "csv" and rows is None:
            raise NotFound("There is no CSV of this page.")
        if fmt == "atom" and feed is None:
            raise NotFound("There is no feed of this page.")
        version = (self.site.version(), publication.key)
        key = (request.url.path, request.url.query)
        with self._lock:
            if version != self._version or len(self._cache) > CACHE_LIMIT:
                self._cache = {}
                self._version = version
            # A page built from data that changes meanwhile lands in a dictionary since dropped.
            kept = self._cache

        def made() -> bytes:
            page = build()
            if fmt == "json":
                return json.dumps(without_charts(page), separators=(",", ":")).encode()
            if fmt == "csv":
                assert rows is not None
                return as_csv(rows(page)).encode("utf-8")
            if fmt == "atom":
                assert feed is not None
                return feed(page)
            return self._render(template, page, request).encode("utf-8")

        def look() -> bytes | None:
            with self._lock:
                found = kept.get(key)
            return None if found is None else found[0]

        def keep() -> bytes:
            body = made()
            with self._lock:
                kept[key] = (body, MEDIA_TYPES[fmt])
            return body

        # Many asking for one page at once (at a publication): one builds it, the rest wait.
        body = self._making.kept((version, key), look, keep) if cache else made()
        return Response(body, media_type=MEDIA_TYPES[fmt])

    def peek(self, request: Request) -> Response | None:
        """The page kept for this address, if it can be told without reading the database or
        the configuration: answered on the event loop, without waiting for a worker thread."""
        version = self.site.fresh_version()
        publication = self.site.peek_publication()
        if version is None or publication is None:
            return None
        with self._lock:
            if self._version != (version, publication.key):
                return None
            found = self._cache.get((request.url.path, request.url.query))
        return None if found is None else Response(found[0], media_type=found[1])
