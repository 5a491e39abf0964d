"""The website's page handlers: each finds its year (respecting the embargo), asks the page's
builder in `upheld.site` for its data, and renders it as HTML or as its .json / .csv twin.

They are plain functions, run on the server's worker threads: building a page reads the database
and computes, which must never hold up the event loop that answers other requests.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from upheld.core.catalogue import CATALOGUE
from upheld.core.publication import Publication
from upheld.errors import NotFound, UpheldError
from upheld.letters import archive
from upheld.site import (
    compare,
    council,
    councils,
    home,
    letters,
    lists,
    methodology,
    national,
    revisions,
)
from upheld.site.identity import slug
from upheld.site.model import Site, Year
from upheld.web import params
from upheld.web.headers import letter_policy
from upheld.web.previews import preview_grants
from upheld.web.render import Renderer, split_format


def not_found(what: str = "page") -> NotFound:
    """The 404 for anything unknown, or not yet published."""
    return NotFound(f"There is no such {what}.")


def with_query(request: Request, path: str) -> str:
    """An address with the request's query kept (a preview link's token must survive)."""
    return f"{path}?{request.url.query}" if request.url.query else path


class PageRoutes:
    """The handlers for the map, councils, council pages and letters, national figures and the
    lists of improvements and reports."""

    def __init__(self, site: Site, renderer: Renderer) -> None:
        self.site = site
        self.render = renderer

    # Years, councils and the embargo ----------------------------------------------------------

    def year(self, publication: Publication, label: str) -> Year:
        """A published year; an embargoed year is indistinguishable from one that doesn't exist."""
        found = next((y for y in self.site.published(publication) if y.label == label), None)
        if found is None:
            raise not_found("year")
        return found

    def council_code(self, key: str) -> str:
        """A council's code, from its code (any case) or its name's slug."""
        register = self.site.register()
        if key.upper() in register:
            return key.upper()
        for known in register:
            if slug(known.name) == key.lower():
                return known.code
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

    # Pages ------------------------------------------------------------------------------------

    def home(self, request: Request) -> Response:
        """The map of councils, with its table."""
        publication = self.site.publication()
        published = self.site.published(publication)
        if not published:
            return self.render.html("empty.html", {"title": self.site.settings.web.title}, request)
        query = request.query_params
        statistic = params.choice(query, "statistic", next(iter(home.STATISTICS)), home.STATISTICS)
        tier = params.choice(query, "tier", "upper", home.TIERS)
        view = params.choice(query, "view", "hexagons", home.VIEWS)
        sort = params.choice(query, "sort", "council", home.SORTS)
        order = params.choice(query, "order", "asc", home.ORDERS)
        group = self.site.group(params.text(query, "group"))
        year = self.year(publication, query.get("year") or published[-1].label)
        return self.render.respond(
            request,
            publication,
            split_format(request.url.path, "json", "csv")[1],
            "home.html",
            lambda: home.home_page(
                self.site, publication, year, statistic, tier, view, group, sort, order
            ),
            rows=lambda page: [home.csv_row(row) for row in page["councils"]],
        )

    def councils(self, request: Request) -> Response:
        """The list of councils, searchable by name."""
        publication = self.site.publication()
        text = params.text(request.query_params, "q")
        return self.render.respond(
            request,
            publication,
            split_format(request.url.path, "json", "csv")[1],
            "councils.html",
            lambda: councils.councils_page(self.site, publication, text),
            rows=lambda page: page["councils"],
        )

    def council(self, request: Request) -> Response:
        """A council: its latest published year (by code or by name)."""
        code = self.council_code(request.path_params["key"])
        if code != request.path_params["key"]:
            return RedirectResponse(with_query(request, f"/councils/{code}"), status_code=301)
        years = self.site.page_years(code)
        if years:
            return RedirectResponse(f"/councils/{code}/{years[-1].label}", status_code=302)
        raise not_found("council")

    def council_year(self, request: Request) -> Response:
        """A council's page for one year, or its preview before publication."""
        publication = self.site.publication()
        key = request.path_params["key"]
        label, fmt = split_format(request.path_params["year"], "json")
        code = self.council_code(key)
        group = self.site.group(params.text(request.query_params, "group"))
        funnel = params.choice(request.query_params, "funnel", CATALOGUE.keys[0], CATALOGUE.keys)
        preview = self.preview_year(request, code, label)
        if preview is not None:
            # Before publication a council is compared as its letter compares it, and no
            # other way: another group's averages could be narrowed down to a neighbour's.
            group = self.site.letter_group(preview)
        year = preview or self.year(publication, label)
        if not self.site.has_page(code, year.year):
            raise not_found("council")
        if code != key:
            suffix = "" if fmt == "html" else "." + fmt
            target = with_query(request, f"/councils/{code}/{label}{suffix}")
            return RedirectResponse(target, status_code=301)
        response = self.render.respond(
            request,
            publication,
            fmt,
            "council.html",
            lambda: council.council_page(
                self.site,
                publication,
                code,
                year,
                preview=preview is not None,
                group=group,
                funnel=funnel,
            ),
            cache=preview is None,
        )
        if preview is not None:
            response.headers["X-Robots-Tag"] = "noindex"
            response.headers["Cache-Control"] = "private, no-store"
        return response

    def compare(self, request: Request) -> Response:
        """Two to four councils side by side for a published year, or the form to choose them;
        a council written by its name redirects to the address with its code."""
        publication = self.site.publication()
        fmt = split_format(request.url.path, "json", "csv")[1]
        query = request.query_params
        written = query.getlist("council")
        year = group = None
        if fmt == "html" and not self.site.published(publication):
            return self.render.html("empty.html", {"title": self.site.settings.web.title}, request)
        try:
            year = params.text(query, "year") or None
            group = params.text(query, "group") or None
            if fmt != "csv" and not any(w.strip() for w in written):
                found = compare.published_year(self.site, publication, year)
                chosen = self.site.group(group)
                first = compare.starting_council(self.site, found, params.text(query, "with"))
                return self.render.respond(
                    request,
                    publication,
                    fmt,
                    "compare.html",
                    lambda: compare.form_page(
                        self.site, publication, found, written=first, group=chosen.name
                    ),
                )
            choice = compare.choose(self.site, publication, written, year, group)
        except UpheldError as error:
            if fmt != "html":
                raise
            # The form again, holding what was written, saying what is wrong, at the error's
            # status; never a year that is not published.
            try:
                shown = compare.published_year(self.site, publication, year)
            except UpheldError:
                shown = compare.published_year(self.site, publication, None)
            page = compare.form_page(
                self.site,
                publication,
                shown,
                written=written,
                group=group or "type",
                error=str(error),
            )
            return self.render.html("compare.html", page, request, status=error.http_status)
        canonical = compare_query(choice, year is not None)
        if canonical != [(k, v) for k, v in query.multi_items()]:
            return RedirectResponse(f"{request.url.path}?{urlencode(canonical)}", status_code=301)
        return self.render.respond(
            request,
            publication,
            fmt,
            "compare.html",
            lambda: compare.compare_page(self.site, publication, choice),
            rows=compare.csv_rows,
        )

    def letter(self, request: Request) -> Response:
        """A council's letter for a year, as PDF or HTML."""
        code = self.council_code(request.path_params["key"])
        label = request.path_params["year"]
        fmt = request.path_params["format"]
        if fmt not in archive.FORMATS:
            raise not_found()
        preview = self.preview_year(request, code, label)
        year = preview or self.year(self.site.publication(), label)
        number = params.whole_number(request.query_params, "version", 0, 0, 10_000) or None
        with self.site.engine.connect() as connection:
            content = letters.letter_content(connection, code, year, fmt, number)
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
        publication = self.site.publication()
        label, fmt = split_format(request.path_params["year"], "json", "csv")
        year = self.year(publication, label)
        statistic = params.choice(
            request.query_params, "statistic", CATALOGUE.keys[0], CATALOGUE.keys
        )
        return self.render.respond(
            request,
            publication,
            fmt,
            "national.html",
            lambda: national.national_page(self.site, publication, year, statistic),
            rows=lambda page: page["by_type"],
        )

    def methodology(self, request: Request) -> Response:
        """How every figure is worked out."""
        return self.render.respond(
            request,
            self.site.publication(),
            split_format(request.url.path, "json")[1],
            "methodology.html",
            methodology.methodology_page,
        )

    def lists(self, request: Request) -> Response:
        """The service improvements register, or the public reports list."""
        publication = self.site.publication()
        name: lists.ListName = (
            "improvements" if request.url.path.startswith("/improvements") else "reports"
        )
        chosen = list_filters(request)
        page = params.page_number(request.query_params)
        per_page = params.whole_number(
            request.query_params, "per_page", lists.PER_PAGE, 1, lists.MAX_PER_PAGE
        )
        # The .csv twin is the whole list, streamed (`DownloadRoutes.list_csv`).
        return self.render.respond(
            request,
            publication,
            split_format(request.url.path, "json")[1],
            "lists.html",
            lambda: lists.list_page(self.site, publication, name, chosen, page, per_page),
        )

    def revisions(self, request: Request) -> Response:
        """The revision log: every change to a published letter or its figures, and its feed."""
        publication = self.site.publication()
        fmt = split_format(request.url.path, "json", "atom")[1]
        # The feed is always the newest revisions, whatever page is asked for.
        page = 1 if fmt == "atom" else params.page_number(request.query_params)

        def feed(found: revisions.RevisionsPage) -> bytes:
            # An empty feed is dated when the site's edition began, so that it reads the same
            # from every server process, as its ETag promises.
            return revisions.atom_feed(found, self.site.settings, self.site.edition().since)

        return self.render.respond(
            request,
            publication,
            fmt,
            "revisions.html",
            lambda: revisions.revisions_page(self.site, publication, page),
            feed=feed,
        )


def compare_query(choice: compare.Choice, with_year: bool) -> list[tuple[str, str]]:
    """A comparison's own address: each council by its code, the year if one was asked for
    (written as the site writes it), and the peer group unless it is the usual one."""
    found = [("council", c.code) for c in choice.councils]
    if with_year:
        found.append(("year", choice.year.label))
    if choice.group.name != "type":
        found.append(("group", choice.group.name))
    return found


def list_filters(request: Request) -> lists.Filters:
    """What a list page is filtered by, from its address."""
    query = request.query_params
    year = params.text(query, "year") or None
    if year is not None:
        params.review_year(year)
    return {
        "council": (params.text(query, "council") or "").upper() or None,
        "category": params.text(query, "category") or None,
        "year": year,
        "status": params.text(query, "status") or None,
    }
