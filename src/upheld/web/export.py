"""A copy of the public website as files, for a static host or CDN (`upheld export-site`).

Every file is asked of the website itself, in this process, at one moment: the copy is exactly
what the live site shows then, and nothing the live site hides (an embargoed year, a preview, a
letter not yet public) can be in it. The copy is built in a new folder beside the old one and
swapped in only when whole, so a failed export leaves the last one as it was.
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import json
import os
import re
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit
from xml.sax.saxutils import escape

from upheld import __version__
from upheld.config import load_settings
from upheld.errors import UpheldError, UsageError
from upheld.site.model import Site, utc_now
from upheld.store import engines, schema
from upheld.web.addresses import (
    NOTE_PAGES,
    Plan,
    file_for,
    note_page,
    redirect_page,
    static_href,
)

MARKER = ".upheld-export"
"""The file that marks a folder as an export, which a new export may replace."""

ENTRY_POINTS = [
    "/",
    "/index.json",
    "/index.csv",
    "/councils",
    "/councils.json",
    "/councils.csv",
    "/national",
    "/methodology",
    "/methodology.json",
    "/improvements",
    "/improvements.json",
    "/improvements.csv",
    "/reports",
    "/reports.json",
    "/reports.csv",
    "/revisions",
    "/revisions.json",
    "/revisions.atom",
    "/feeds",
    "/feeds.json",
    "/feeds/all.atom",
    "/downloads",
    "/downloads.json",
    "/api",
    "/api/v1/openapi.json",
    "/api/v1/years",
    "/api/v1/councils",
]
"""Where the copy starts; everything they link to follows."""

PER_YEAR = [
    "/downloads/{year}.csv",
    "/downloads/{year}.xlsx",
    "/national/{year}.json",
    "/national/{year}.csv",
    "/api/v1/years/{year}/statistics",
    "/api/v1/national/{year}",
]
COUNCIL_YEAR = re.compile(r"/councils/[^/]+/\d{4}-\d{2}")
MISSING = "/there-is-no-page-at-this-address"
"""Asked for the copy's 404.html: the site's own page for an unknown address."""

SITEMAP_LIMIT = 50_000
"""Addresses in one sitemap file, as the sitemap protocol allows."""

PROGRESS_SECONDS = 5.0


class ExportFailed(UpheldError):
    """The website could not answer for the copy; the earlier copy, if any, is untouched."""


@dataclass(frozen=True)
class Options:
    """What to export, and where."""

    out: Path
    base_url: str | None = None
    """The copy's own address, for feeds, citations, canonical links and the sitemap."""
    search_url: str | None = None
    """A live copy of the site that answers the decision search and the comparison."""
    decisions: bool = False
    """Also write every published decision's page (many files: see docs/performance.md)."""


@dataclass
class Summary:
    """What an export wrote."""

    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    broken: list[tuple[str, str, int]] = field(default_factory=list)
    """Addresses a page links to that the website did not answer: (address, page, status)."""


@dataclass(frozen=True)
class Answer:
    """The website's answer to one request."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def html(self) -> bool:
        """Whether the answer is a web page."""
        return self.headers.get("content-type", "").startswith("text/html")


def check_out(out: Path) -> Path:
    """The folder an export writes to, as a full path; a destination it must not replace is
    refused."""
    # The copy is swapped in by renaming folders: a symbolic link is followed to the folder it
    # names (renaming the link would leave the folder it names as it was), and `~` means home.
    folder = out.expanduser().resolve()
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{out} is a file; choose a folder for the website's copy")
    if Path.cwd().resolve().is_relative_to(folder):
        raise UsageError(
            f"{out} is the folder this command runs in, or holds it; the copy replaces it whole, "
            "so choose another folder (or run the command from elsewhere)"
        )
    if folder.is_dir() and any(folder.iterdir()) and not (folder / MARKER).exists():
        raise UsageError(
            f"{out} is not empty and does not hold an earlier export of the website; choose a "
            "new or empty folder (or remove this one first)"
        )
    return folder


def export_site(
    url: str,
    config: Path,
    options: Options,
    *,
    say: Callable[[str], None] = lambda _text: None,
    now: Callable[[], datetime] = utc_now,
) -> Summary:
    """Write the public website as it is now into a folder a static host can serve."""
    from upheld.web import create_app

    out = check_out(options.out)
    settings = load_settings(config)
    web = settings.web
    base_url = (options.base_url or web.base_url).rstrip("/")
    # No secret: no preview link can open anything, whatever an address holds.
    fixed = dataclasses.replace(settings, web=dataclasses.replace(web, base_url=base_url))
    fixed = dataclasses.replace(fixed, web=dataclasses.replace(fixed.web, secret_key=None))
    moment = now()
    engine = engines.connect(url, read_only=True)
    schema.require_schema(engine)
    site = Site(engine, config, now=lambda: moment, settings=fixed)
    version = site.version()
    app = create_app(site)
    live = options.search_url.rstrip("/").removesuffix("/decisions") if options.search_url else None
    plan = Plan(live, options.decisions)
    with held(out, options.out):
        say(f"Exporting the website to {out}…")
        try:
            tidy(out)
            building = beside(out, "new")
            (building / MARKER).write_text("")  # an export's own folder from the start
        except OSError as exc:
            raise ExportFailed(f"Could not make a folder beside {options.out}: {exc}") from exc
        try:
            crawl = Crawl(app, plan, building, base_url, say)
            published = [y.label for y in site.published(site.publication())]
            # On a thread of its own: the caller may already run an event loop (a notebook, a
            # test).
            with ThreadPoolExecutor(1) as worker:
                summary = worker.submit(asyncio.run, crawl.run(published)).result()
            # The clock stood still for the copy; the data must have too, or its pages disagree.
            if Site(engine, config, settings=fixed).version() != version:
                raise UpheldError(
                    "The data or the configuration changed while the copy was being made (an "
                    "import, new letters or an edit); the copy was not kept, and any earlier one "
                    "is as it was. Run upheld export-site again."
                )
            (building / MARKER).write_text(
                json.dumps(
                    {
                        "upheld": __version__,
                        "moment": moment.isoformat(),
                        "base_url": base_url,
                        "search_url": live,
                        "decisions": options.decisions,
                        "files": summary.files,
                    },
                    indent=2,
                )
                + "\n"
            )
            swap(building, out)
        except OSError as exc:
            shutil.rmtree(building, ignore_errors=True)
            raise ExportFailed(
                f"Could not write the copy to {options.out}: {exc}; any earlier copy is as it was."
            ) from exc
        except BaseException:
            shutil.rmtree(building, ignore_errors=True)
            raise
        finally:
            engine.dispose()
        summary.seconds = crawl.elapsed()
        return summary


def beside(out: Path, kind: str) -> Path:
    """A new private folder beside the copy, named for this process ("new" for the copy being
    built, "old" for the earlier one while they change places)."""
    return Path(tempfile.mkdtemp(prefix=f".{out.name}.{kind}.{os.getpid()}.", dir=out.parent))


@contextmanager
def held(out: Path, named: Path) -> Iterator[None]:
    """This export's hold on its folder while it works: a second export to the same folder is
    refused, and a folder left beside it by an export that is not running can be cleared away."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(out.parent / f".{out.name}.lock", os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise ExportFailed(f"Could not make a folder beside {named}: {exc}") from exc
    try:
        # The operating system lets go of the lock when the process ends, however it ends.
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        raise UpheldError(
            f"Another upheld export-site is writing to {named} now; wait for it to finish, or "
            "choose another folder."
        ) from None
    try:
        yield
    finally:
        os.close(lock)


def tidy(out: Path) -> None:
    """Clear away what an export stopped part way (killed, or the machine off) left beside the
    copy, and put back an earlier copy it had moved aside; only while holding the folder."""
    left = re.compile(rf"\.{re.escape(out.name)}\.(new|old)\.\d+\.\w+")
    for folder in sorted(out.parent.iterdir()):
        found = left.fullmatch(folder.name)
        # Only a folder an export made (it holds the marker), never one that merely looks so.
        if found is None or folder.is_symlink() or not (folder / MARKER).is_file():
            continue
        if found[1] == "old" and not out.exists():
            folder.rename(out)  # stopped between its two renames: the earlier copy comes back
        else:
            shutil.rmtree(folder, ignore_errors=True)


def swap(building: Path, out: Path) -> None:
    """Put the finished copy in place of the old one, in two renames."""
    if out.exists():
        old = beside(out, "old")
        old.rmdir()
        out.rename(old)
        try:
            building.rename(out)
        except OSError:
            old.rename(out)  # the earlier copy back where it was
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        building.rename(out)
    out.chmod(0o755)  # mkdtemp made it private; a web server must read it


class Crawl:
    """Asks the website for every address of the copy, from the entry points along its links."""

    def __init__(
        self, app: Any, plan: Plan, folder: Path, base_url: str, say: Callable[[str], None]
    ) -> None:
        self.app = app
        self.plan = plan
        self.folder = folder
        self.base_url = base_url
        self.say = say
        self.summary = Summary()
        self.queue: deque[tuple[str, str]] = deque()
        self.seen: set[str] = set()
        self.pages: list[str] = []
        self.started = time.monotonic()
        self.told = self.started

    def elapsed(self) -> float:
        """Seconds since the crawl began."""
        return time.monotonic() - self.started

    async def run(self, years: list[str]) -> Summary:
        """The whole copy: entry points, their links, the per-year files, static files."""
        static = resources.files("upheld") / "data" / "static"
        seeds = list(ENTRY_POINTS)
        seeds += [f"/static/{f.name}" for f in static.iterdir() if f.is_file()]
        seeds += [p.format(year=y) for y in years for p in PER_YEAR]
        for seed in seeds:
            self.add(seed, "")
        await self.drain()
        if self.plan.decisions:
            for reference in self.published_decisions():
                self.add(f"/decisions/{quote(reference, safe='')}", "")
                self.add(f"/decisions/{quote(reference, safe='')}.json", "")
            await self.drain()
        if self.plan.live is None:
            for kind, path in NOTE_PAGES.items():
                await self.note(kind, path)
        missing = await self.ask(MISSING)
        body, _links = self.plan.rewrite(MISSING, missing.body.decode())
        self.write("404.html", body.encode())
        self.sitemap()
        self.write(".nojekyll", b"")  # GitHub Pages: serve every file as it is
        self.progress(final=True)
        return self.summary

    def add(self, address: str, page: str) -> None:
        """Copy an address (as the live site writes it), once."""
        place = self.plan.place(address)
        if place.fetch is None or place.href is None:
            return
        href = place.href.partition("#")[0]
        if href not in self.seen:
            self.seen.add(href)
            self.queue.append((place.fetch, page))

    async def drain(self) -> None:
        """Copy everything waiting, and what it links to."""
        while self.queue:
            address, page = self.queue.popleft()
            await self.copy(address, page)
            self.progress()

    async def copy(self, address: str, page: str) -> None:
        """Ask for one address and write its file."""
        answer = await self.ask(address)
        href = self.plan.place(address).href
        assert href is not None
        if answer.status in (301, 302, 303, 307, 308):
            target = answer.headers.get("location", "")
            place = self.plan.place(target, address)
            if place.href is None or place.fetch is None:
                self.summary.broken.append((address, page, answer.status))
                return
            self.add(target, address)
            page_text = redirect_page(place.href, self.base_url + place.href)
            self.write(file_for(href), page_text.encode())
            return
        if answer.status >= 500:
            raise ExportFailed(
                f"The website could not answer {address} (status {answer.status}); nothing "
                "was changed in the export folder."
            )
        if answer.status != 200:
            if page:
                self.summary.broken.append((address, page, answer.status))
            return
        body = answer.body
        if answer.html:
            text, links = self.plan.rewrite(address, body.decode())
            for link in sorted(links):
                self.add(link, address)
            body = text.encode()
            if href.endswith("/"):
                self.pages.append(href)
            if COUNCIL_YEAR.fullmatch(address):
                self.add("/api/v1" + address, address)  # the same figures, from the API
        self.write(file_for(href), body)

    async def note(self, kind: str, path: str) -> None:
        """The page that says the search (or the comparison) needs the live site."""
        answer = await self.ask(path)
        if answer.status != 200:
            return
        note = note_page(self.plan.live, kind, self.plan.decisions)
        text, links = self.plan.rewrite(path, answer.body.decode(), note=note)
        for link in links:
            self.add(link, path)
        await self.drain()
        self.write(file_for(static_href(path)), text.encode())

    def published_decisions(self) -> list[str]:
        """Every published decision's reference, from the copy's own downloads."""
        import csv

        found: list[str] = []
        for path in sorted((self.folder / "downloads").glob("*/decisions.csv")):
            with path.open(encoding="utf-8", newline="") as handle:
                found += [row["reference"] for row in csv.DictReader(handle)]
        return found

    async def ask(self, address: str) -> Answer:
        """The website's answer to a GET of an address, asked in this process."""
        parts = urlsplit(address)
        host = urlsplit(self.base_url).netloc or "localhost"
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": unquote(parts.path),
            "raw_path": parts.path.encode(),
            "root_path": "",
            "query_string": parts.query.encode(),
            "headers": [(b"host", host.encode()), (b"user-agent", b"upheld export-site")],
            "client": ("127.0.0.1", 0),
            "server": ("127.0.0.1", 80),
        }
        status = 0
        headers: dict[str, str] = {}
        chunks: list[bytes] = []
        sent = False

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.Event().wait()  # the request has no more to say
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for key, value in message.get("headers", []):
                    headers[key.decode().lower()] = value.decode()
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, send)
        except Exception as exc:  # the error page has been answered; say which address failed
            raise ExportFailed(
                f"The website failed answering {address} ({type(exc).__name__}: {exc}); nothing "
                "was changed in the export folder."
            ) from exc
        return Answer(status, headers, b"".join(chunks))

    def write(self, name: str, body: bytes) -> None:
        """Write one file of the copy."""
        path = self.folder / name
        if path.is_dir() or not path.resolve().is_relative_to(self.folder.resolve()):
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        os.chmod(path, 0o644)
        self.summary.files += 1
        self.summary.bytes += len(body)

    def sitemap(self) -> None:
        """sitemap.xml (an index of several when there are many pages) and robots.txt."""
        pages = sorted(self.pages)
        chunks = [pages[i : i + SITEMAP_LIMIT] for i in range(0, len(pages), SITEMAP_LIMIT)]
        names = ["sitemap.xml"] if len(chunks) <= 1 else []
        if len(chunks) > 1:
            names = [f"sitemap-{n}.xml" for n in range(1, len(chunks) + 1)]
            index = "".join(
                f"<sitemap><loc>{escape(self.base_url)}/{name}</loc></sitemap>\n" for name in names
            )
            self.write(
                "sitemap.xml",
                (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                    f"{index}</sitemapindex>\n"
                ).encode(),
            )
        for name, chunk in zip(names, chunks or [[]], strict=False):
            urls = "".join(f"<url><loc>{escape(self.base_url + p)}</loc></url>\n" for p in chunk)
            self.write(
                name,
                (
                    '<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
                    f"{urls}</urlset>\n"
                ).encode(),
            )
        self.write("robots.txt", f"Sitemap: {self.base_url}/sitemap.xml\n".encode())

    def progress(self, final: bool = False) -> None:
        """Say how far the copy has got, every few seconds."""
        moment = time.monotonic()
        if final or moment - self.told >= PROGRESS_SECONDS:
            self.told = moment
            megabytes = self.summary.bytes / 1_000_000
            waiting = "" if final else f", {len(self.queue):,} to go"
            self.say(f"{self.summary.files:,} files, {megabytes:,.1f} MB{waiting}")
