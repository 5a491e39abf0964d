"""The downloads handlers: the page, each published year's files, the data dictionary, the whole
lists behind /improvements.csv, /reports.csv and /decisions.csv, and the API's page.

Every file is streamed: its rows are written as they are read, so the first bytes leave at once
and no file is ever held whole or cut short. Everything a file could refuse (an unknown or
embargoed year, an unknown download or format, a bad parameter) is checked before the first
byte, so it is answered with an error in the format asked for (`render.error_format`), never with
half a file.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Send

from upheld.core.publication import Publication
from upheld.errors import NotFound
from upheld.present.sheets import Properties, Sheet, Value, csv_stream, csv_text, xlsx_stream
from upheld.search import MAX_PER_PAGE, search
from upheld.site import api_docs, downloads, lists
from upheld.site.datasets import (
    DATASETS,
    DECISIONS,
    DICTIONARY,
    STATISTICS,
    Dataset,
    decision_row,
    dictionary_rows,
    list_rows,
    values,
    year_rows,
)
from upheld.site.model import Site, Year
from upheld.web import params
from upheld.web.decisions import read_query
from upheld.web.render import MEDIA_TYPES, Renderer, split_format
from upheld.web.routes import list_filters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": MEDIA_TYPES["csv"], "xlsx": XLSX}
"""Every download's formats, with identical columns."""

T = TypeVar("T")
Limited = Callable[[Callable[[], T]], Awaitable[T]]


class _Counted:
    """A sheet's rows, counted as they pass, so that the "About this data" sheet after it can
    say how many there were."""

    def __init__(self, rows: Callable[[], Iterable[list[Value]]]) -> None:
        self.rows = rows
        self.count = 0

    def __call__(self) -> Iterator[list[Value]]:
        for row in self.rows():
            self.count += 1
            yield row


async def in_threads(body: Iterator[bytes]) -> AsyncIterator[bytes]:
    """A file's pieces, each made on a worker thread (reading the database must not hold up the
    event loop); the file's generator is closed as soon as the answer ends, even when the client
    goes away part-way, so its database connection goes back at once, not when it is collected."""
    try:
        while True:
            piece = await run_in_threadpool(next, body, None)
            if piece is None:
                return
            yield piece
    finally:
        with anyio.CancelScope(shield=True):
            await run_in_threadpool(getattr(body, "close", lambda: None))


class StreamedFile(StreamingResponse):
    """A streamed file whose generator is closed the moment the answer ends, however it ends:
    one left behind by a client that went away would hold its database connection until the
    garbage collector found it."""

    async def stream_response(self, send: Send) -> None:
        """Send the file, then close its generator."""
        try:
            await super().stream_response(send)
        finally:
            close = getattr(self.body_iterator, "aclose", None)
            if close is not None:
                with anyio.CancelScope(shield=True):
                    await close()


class DownloadRoutes:
    """Handlers for the downloads page, the files and the API documentation."""

    def __init__(self, site: Site, renderer: Renderer, limited: Limited[Any] | None = None) -> None:
        self.site = site
        self.render = renderer
        # Decision searches run a few at a time (`DecisionRoutes.limited`); a search's whole
        # CSV takes its turn for each page of it.
        self.limited = limited

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
        """The data dictionary; or a year's statistics at the address they had before every list
        could be downloaded (/downloads/2024-25.csv), the same file as its statistics."""
        name, fmt = split_format(request.path_params["file"], *FORMATS)
        if fmt not in FORMATS:
            raise NotFound("There is no such download.")
        publication = self.site.publication()
        if name == DICTIONARY.name:
            return self.stream(
                request, publication, DICTIONARY, None, fmt, lambda: dictionary_rows()
            )
        year = downloads.published_year(self.site, publication, name)
        return self.year_file(request, publication, year, STATISTICS, fmt)

    def year_download(self, request: Request) -> Response:
        """A published year's download: /downloads/2024-25/decisions.csv (or .xlsx)."""
        publication = self.site.publication()
        # The year first: an embargoed year says nothing about which downloads it would have.
        year = downloads.published_year(self.site, publication, request.path_params["year"])
        name, fmt = split_format(request.path_params["file"], *FORMATS)
        dataset = DATASETS.get(name)
        if dataset is None or fmt not in FORMATS:
            raise NotFound("There is no such download.")
        return self.year_file(request, publication, year, dataset, fmt)

    def year_file(
        self, request: Request, publication: Publication, year: Year, dataset: Dataset, fmt: str
    ) -> Response:
        """A year's download, streamed."""
        return self.stream(
            request,
            publication,
            dataset,
            year,
            fmt,
            lambda: year_rows(self.site, publication, year, dataset),
            filename=f"{dataset.name}-{year.label}",
        )

    def list_csv(self, request: Request) -> Response:
        """/improvements.csv and /reports.csv: the whole list as filtered, never one page of it
        (the page and per_page asked for are checked, as the page's are, and not applied)."""
        name: lists.ListName = (
            "improvements" if request.url.path.startswith("/improvements") else "reports"
        )
        chosen = list_filters(request)
        params.page_number(request.query_params)
        params.whole_number(request.query_params, "per_page", lists.PER_PAGE, 1, lists.MAX_PER_PAGE)
        publication = self.site.publication()
        return self.stream(
            request,
            publication,
            DATASETS[name],
            None,
            "csv",
            lambda: list_rows(self.site, publication, name, chosen),
            filename=name,
        )

    async def search_csv(self, request: Request) -> Response:
        """/decisions.csv: every decision the search finds, in its order, not one page of it;
        read a hundred at a time, each hundred taking its turn with the other searches."""
        query = read_query(request)  # a bad parameter is a 400 here, before any byte is sent
        limited = self.limited
        assert limited is not None, "the search's CSV needs the searches' limiter"
        publication = await limited(self.site.publication)
        register = await limited(self.site.register)
        base = self.site.last_settings.web.base_url.rstrip("/")
        header = csv_text([DECISIONS.header])

        def page(number: int) -> tuple[int, int, bytes]:
            asked = dataclasses.replace(query, page=number, per_page=MAX_PER_PAGE)
            with self.site.engine.connect() as connection:
                found = search(connection, asked, publication)
            rows = (decision_row(base, register, item) for item in found.items)
            return found.total, found.pages, csv_text(values(DECISIONS, rows))

        async def body() -> AsyncIterator[bytes]:
            yield header
            total, pages, text = await limited(functools.partial(page, 1))
            yield text
            for number in range(2, pages + 1):
                now, _pages, text = await limited(functools.partial(page, number))
                if now != total:
                    # The decisions were re-indexed part-way: stop with an error, so that the
                    # file is never silently short or doubled.
                    raise RuntimeError("the decisions changed while the CSV was being written")
                yield text

        return self.respond(request, DECISIONS, "csv", body(), "decisions")

    def stream(
        self,
        request: Request,
        publication: Publication,
        dataset: Dataset,
        year: Year | None,
        fmt: str,
        rows: Callable[[], Iterator[Mapping[str, Any]]],
        *,
        filename: str | None = None,
    ) -> Response:
        """A download as CSV or XLSX, streamed; the spreadsheet also has the download's data
        dictionary and what it is, its licence and how to cite it."""
        if fmt == "csv":
            body: Iterator[bytes] = csv_stream(dataset.header, values(dataset, rows()))
        else:
            body = self.workbook(publication, dataset, year, rows)
        return self.respond(request, dataset, fmt, body, filename or dataset.name)

    def workbook(
        self,
        publication: Publication,
        dataset: Dataset,
        year: Year | None,
        rows: Callable[[], Iterator[Mapping[str, Any]]],
    ) -> Iterator[bytes]:
        """A download as a spreadsheet: its sheet, the data dictionary, About this data."""
        counted = _Counted(lambda: values(dataset, rows()))
        columns = [r for r in dictionary_rows() if r["download"] == dataset.name]
        sheets = [
            Sheet(dataset.sheet, dataset.header, counted, dataset.widths),
            Sheet(
                "Data dictionary",
                DICTIONARY.header,
                lambda: values(DICTIONARY, iter(columns)),
                DICTIONARY.widths,
            ),
            Sheet(
                "About this data",
                ["about", "value"],
                lambda: downloads.about_rows(self.site, publication, dataset, year, counted.count),
                [20, 100],
            ),
        ]
        if dataset is DICTIONARY:
            del sheets[1]
        settings = self.site.settings
        title = dataset.title + (f", {year.label}" if year else "")
        properties = Properties(
            title=title,
            creator=settings.organisation.name,
            description=f"{settings.web.title}. Licence: {settings.organisation.licence}.",
        )
        return xlsx_stream(sheets, properties)

    def respond(
        self,
        request: Request,
        dataset: Dataset,
        fmt: str,
        body: Iterator[bytes] | AsyncIterator[bytes],
        filename: str,
    ) -> Response:
        """The streamed response: the file's name, its licence and its data dictionary in the
        headers; for HEAD, the headers alone, without reading any row."""
        licence = self.site.settings.organisation.licence_url
        headers = {
            "Content-Disposition": f'attachment; filename="{filename}.{fmt}"',
            "Link": f'<{quote(licence, safe=":/?#[]@!$&()*+,;=%~")}>; rel="license", '
            f'<{downloads.DICTIONARY_PATH}.csv>; rel="describedby"',
        }
        if request.method == "HEAD":
            body = iter(())  # a body not yet begun holds nothing open
        if isinstance(body, Iterator):
            body = in_threads(body)
        return StreamedFile(body, media_type=FORMATS[fmt], headers=headers)

    def api_page(self, request: Request) -> Response:
        """The API's documentation, read from its OpenAPI description."""
        page = api_docs.api_page(request.app.openapi())
        return self.render.respond(
            request, self.site.publication(), "html", "api.html", lambda: page
        )
