"""The downloads handlers: the page, each published year's CSV and XLSX, and the API's page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from upheld.core.output import flat
from upheld.errors import NotFound
from upheld.present.export import as_csv, statistics_workbook
from upheld.site import api_docs, downloads
from upheld.site.model import Site
from upheld.web.render import Renderer, split_format

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class DownloadRoutes:
    """Handlers for the downloads page, the per-year files and the API documentation."""

    def __init__(self, site: Site, renderer: Renderer) -> None:
        self.site = site
        self.render = renderer

    def index(self, request: Request) -> Response:
        """The downloads page."""
        publication = self.site.publication()
        fmt = split_format(request.url.path, "json")[1]
        return self.render.respond(
            request,
            publication,
            fmt,
            "downloads.html",
            lambda: downloads.downloads_page(self.site, publication),
        )

    def file(self, request: Request) -> Response:
        """A year's statistics for every council, as CSV or XLSX."""
        label, fmt = split_format(request.path_params["file"], "csv", "xlsx")
        if fmt == "html":
            raise NotFound("There is no such download.")
        result = downloads.year_statistics(self.site, self.site.publication(), label)
        headers = {"Content-Disposition": f'attachment; filename="upheld-{label}.{fmt}"'}
        if fmt == "csv":
            body = as_csv([flat(row) for row in result["authorities"]]).encode("utf-8")
            return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
        content = self.site.cached(("xlsx", label), lambda: statistics_workbook(result))
        return Response(content, media_type=XLSX, headers=headers)

    def api_page(self, request: Request) -> Response:
        """The API's documentation, read from its OpenAPI description."""
        page = api_docs.api_page(request.app.openapi())
        return self.render.respond(
            request, self.site.publication(), "html", "api.html", lambda: page
        )
