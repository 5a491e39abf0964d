"""The website's pages: each handler finds its year (respecting the embargo), builds one dict and
renders it as HTML or as its .json / .csv twin.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from upheld.errors import NotFound
from upheld.letters import archive
from upheld.maps import shapes
from upheld.maps.boundaries import Shape
from upheld.register import Council
from upheld.site import pages
from upheld.site.model import Site, Year
from upheld.web import params
from upheld.web.embargo import preview_grants
from upheld.web.headers import letter_policy
from upheld.web.render import Renderer, split_format

BAND_COLOURS = {
    "much-lower": "#2c5d8f",
    "lower": "#9dbfe0",
    "similar": "#ddd8cc",
    "higher": "#f2b06b",
    "much-higher": "#a85400",
    "none": "#ffffff",
}


def not_found(what: str = "page") -> NotFound:
    """The 404 for anything unknown, or not yet published."""
    return NotFound(f"There is no such {what}.")


def with_query(request: Request, path: str) -> str:
    """An address with the request's query kept (a preview link's token must survive)."""
    return f"{path}?{request.url.query}" if request.url.query else path


class Pages:
    """The handlers for every public page.

    They are plain functions, run on the server's worker threads: building a page reads the
    database and computes, which must never hold up the event loop that answers other requests.
    """

    def __init__(self, site: Site, renderer: Renderer) -> None:
        self.site = site
        self.render = renderer

    # Years, councils and the embargo ----------------------------------------------------------

    def year(self, label: str) -> Year:
        """A published year; an embargoed year is indistinguishable from one that doesn't exist."""
        found = self.site.published_year(label)
        if found is None:
            raise not_found("year")
        return found

    def council_code(self, key: str) -> str:
        """A council's code, from its code (any case) or its name's slug."""
        register = self.site.register()
        if key.upper() in register:
            return key.upper()
        for council in register:
            if pages.slug(council.name) == key.lower():
                return council.code
        raise not_found("council")

    def preview_year(self, request: Request, code: str, label: str) -> Year | None:
        """The year a valid preview link for this very council and year unlocks, if any."""
        web = self.site.settings.web
        granted = preview_grants(
            web.secret_key, request.query_params.get("preview"), web.preview_days
        )
        year = self.site.any_year(label)
        if granted is None or year is None or granted != (code, year.year.start_year):
            return None
        return year

    def _choose(self, request: Request) -> tuple[Year, str, str, str]:
        latest = self.site.latest()
        if latest is None:
            raise not_found("year")
        query = request.query_params
        statistic = params.choice(
            query, "statistic", next(iter(pages.STATISTICS)), pages.STATISTICS
        )
        tier = params.choice(query, "tier", "upper", pages.TIERS)
        view = params.choice(query, "view", "hexagons", pages.VIEWS)
        year = self.year(query.get("year") or latest.label)
        return year, statistic, tier, view

    # Pages ------------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        """The map of councils, with its table."""
        if self.site.latest() is None:
            return self.render.html("empty.html", {"title": self.site.settings.web.title}, request)
        year, statistic, tier, view = self._choose(request)
        fmt = split_format(request.url.path, "json", "csv")[1]
        return self.render.respond(
            request,
            fmt,
            "home.html",
            lambda: self.home_page(year, statistic, tier, view),
            rows=lambda page: page["councils"],
        )

    def home_page(
        self, year: Year, statistic: str, tier: str, view: str = "hexagons"
    ) -> dict[str, Any]:
        """The home page's dict with its map drawn: hexagons, or the councils' own areas."""
        from upheld.maps import boundaries, cartogram

        page = pages.home_page(self.site, year, statistic, tier)
        councils = self.site.figures(year.year).councils
        chosen = [councils[row["code"]] for row in page["councils"]]
        outlines = self.outlines(year, tier, chosen)
        offered = bool(chosen) and len(outlines) >= shapes.GEOGRAPHIC_COVERAGE * len(chosen)
        drawn = "geographic" if view == "geographic" and offered else "hexagons"
        label = page["statistic_label"].lower()
        fills = {row["code"]: BAND_COLOURS[row["band"]] for row in page["councils"]}
        labels = {
            row["code"]: f"{row['name']}: {label} {row['value_text']}, average of similar "
            f"authorities {row['average_text']}"
            for row in page["councils"]
        }
        title = f"Map of councils by {label}, {year.label}"
        compared = (
            "coloured by how its figure compares with the average of similar authorities. The "
            "table below the map has the same figures."
        )

        def link(code: str) -> str:
            return f"/councils/{code}/{year.label}"

        if drawn == "geographic":
            page["map_chart"] = boundaries.geo_svg(
                outlines,
                {c.code: c for c in chosen},
                fills,
                labels,
                title=title,
                description=f"Each shape is a council's area, {compared}",
                link=link,
            )
        else:
            cells = self.site.cached(
                ("layout", tier, year.year.start_year), lambda: cartogram.layout(chosen)
            )
            page["map_chart"] = cartogram.map_svg(
                cells,
                {c.code: c for c in chosen},
                fills,
                labels,
                title=title,
                description=f"Each hexagon is a council, placed roughly where it is in England "
                f"and {compared}",
                link=link,
            )
        page["view"] = drawn
        # Only for the page: which map styles to offer, and why the one asked for isn't shown.
        page["map_views_chart"] = {
            "offered": offered,
            "fell_back": view != drawn,
            "missing": [r["name"] for r in page["councils"] if r["code"] not in outlines]
            if drawn == "geographic"
            else [],
        }
        page["band_colours"] = BAND_COLOURS
        return page

    def outlines(self, year: Year, tier: str, chosen: list[Council]) -> dict[str, Shape]:
        """The stored boundaries of the councils on a map, kept until the data changes."""

        def make() -> dict[str, Shape]:
            with self.site.engine.connect() as connection:
                stored = shapes.shapes_for(connection, year.year.start_year)
            return {c.code: stored[c.code] for c in chosen if c.code in stored}

        found: dict[str, Shape] = self.site.cached(
            ("map", "geographic", tier, year.year.start_year), make
        )
        return found

    def councils(self, request: Request) -> Response:
        """The list of councils, searchable by name."""
        fmt = split_format(request.url.path, "json", "csv")[1]
        text = request.query_params.get("q", "")
        return self.render.respond(
            request,
            fmt,
            "councils.html",
            lambda: pages.councils_page(self.site, text),
            rows=lambda page: page["councils"],
        )

    def council(self, request: Request) -> Response:
        """A council: its latest published year (by code or by name)."""
        code = self.council_code(request.path_params["key"])
        if code != request.path_params["key"]:
            return RedirectResponse(with_query(request, f"/councils/{code}"), status_code=301)
        for year in reversed(self.site.published()):
            if code in self.site.figures(year.year).counts:
                return RedirectResponse(f"/councils/{code}/{year.label}", status_code=302)
        raise not_found("council")

    def council_year(self, request: Request) -> Response:
        """A council's page for one year, or its preview before publication."""
        key = request.path_params["key"]
        label, fmt = split_format(request.path_params["year"], "json")
        code = self.council_code(key)
        preview = self.preview_year(request, code, label)
        year = preview or self.year(label)
        if code not in self.site.figures(year.year).counts:
            raise not_found("council")
        if code != key:
            suffix = "" if fmt == "html" else "." + fmt
            target = with_query(request, f"/councils/{code}/{label}{suffix}")
            return RedirectResponse(target, status_code=301)
        response = self.render.respond(
            request,
            fmt,
            "council.html",
            lambda: pages.council_page(self.site, code, year, preview=preview is not None),
            cache=preview is None,
        )
        if preview is not None:
            response.headers["X-Robots-Tag"] = "noindex"
            response.headers["Cache-Control"] = "private, no-store"
        return response

    def letter(self, request: Request) -> Response:
        """A council's letter for a year, as PDF or HTML."""
        code = self.council_code(request.path_params["key"])
        label = request.path_params["year"]
        fmt = request.path_params["format"]
        if fmt not in archive.FORMATS:
            raise not_found()
        preview = self.preview_year(request, code, label)
        year = preview or self.year(label)
        with self.site.engine.connect() as connection:
            content = archive.content(connection, code, year.year.start_year, fmt)
        if content is None:
            raise not_found("letter")
        headers = {"Content-Disposition": f'inline; filename="{code}-{label}.{fmt}"'}
        if fmt == "html":
            headers["Content-Security-Policy"] = letter_policy(content)
        if preview is not None:
            headers |= {"X-Robots-Tag": "noindex", "Cache-Control": "private, no-store"}
        return Response(content, media_type=archive.MEDIA_TYPES[fmt], headers=headers)

    def national(self, request: Request) -> Response:
        """National figures: the latest year."""
        latest = self.site.latest()
        if latest is None:
            raise not_found("year")
        return RedirectResponse(f"/national/{latest.label}", status_code=302)

    def national_year(self, request: Request) -> Response:
        """National figures for a year."""
        label, fmt = split_format(request.path_params["year"], "json", "csv")
        year = self.year(label)
        return self.render.respond(
            request,
            fmt,
            "national.html",
            lambda: pages.national_page(self.site, year),
            rows=lambda page: page["by_type"],
        )

    def register_list(self, request: Request) -> Response:
        """The service improvements register, or the public reports list."""
        kind = "improvements" if request.url.path.startswith("/improvements") else "reports"
        fmt = split_format(request.url.path, "json", "csv")[1]
        query = request.query_params
        year = query.get("year") or None
        if year is not None:
            params.review_year(year)
        page = params.page_number(query)
        return self.render.respond(
            request,
            fmt,
            "register.html",
            lambda: pages.register_page(
                self.site,
                kind,
                council=params.text(query, "council") or None,
                category=params.text(query, "category") or None,
                year=year,
                status=params.text(query, "status") or None,
                page=page,
            ),
            rows=lambda built: [
                {k: v for k, v in item.items() if k != "council"}
                | {"council_code": item["council"]["code"], "council": item["council"]["name"]}
                for item in built["items"]
            ],
        )
