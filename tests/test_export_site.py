"""The website exported as files (`upheld export-site`), crawled as a static host serves it:
every link resolves inside the copy, nothing embargoed or private is in it, and its files are
the live site's answers."""

from __future__ import annotations

import asyncio
import csv
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.test_web import AFTER, BEFORE, BURY, Clock
from upheld.cli import cli
from upheld.core.periods import ReviewYear
from upheld.errors import UpheldError, UsageError
from upheld.register import builtin
from upheld.site.model import Site
from upheld.store import engines
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app
from upheld.web import export as exporting
from upheld.web.addresses import Plan
from upheld.web.export import MARKER, Options, export_site

PUBLISHED_YEAR = "2023-24"
EMBARGOED_YEAR = "2024-25"
LIVE = "https://live.example.org"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    """Two years, the second (with its letters) still embargoed at BEFORE."""
    folder = tmp_path_factory.mktemp("export")
    spec = DemoSpec(scale=0.05, first_year=ReviewYear(2023), last_year=ReviewYear(2024))
    return demo.build(folder, builtin(), spec, say=lambda _text: None)


@pytest.fixture(scope="module")
def copy(built: demo.Demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The copy as exported without a live site to search."""
    out = tmp_path_factory.mktemp("copy") / "site"
    export_site(built.url, built.config, Options(out), now=Clock(BEFORE))
    return out


@pytest.fixture(scope="module")
def live_copy(built: demo.Demo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """After publication, with a live site for the search, and every decision's page."""
    out = tmp_path_factory.mktemp("live") / "site"
    options = Options(out, base_url="https://static.example.org", search_url=LIVE, decisions=True)
    export_site(built.url, built.config, options, now=Clock(AFTER))
    return out


class Links(HTMLParser):
    """Every address an HTML page links to or loads, and its forms' actions."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src", "xlink:href"):
                self.links.append(value)
            elif name == "action":
                self.forms.append(value)


def address_of(folder: Path, file: Path) -> str:
    """The address a static host serves a file at."""
    relative = file.relative_to(folder).as_posix()
    if relative == "index.html":
        return "/"
    if relative.endswith("/index.html"):
        return "/" + relative.removesuffix("index.html")
    return "/" + relative


def html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def dangling(folder: Path) -> list[tuple[str, str]]:
    """The links in the copy's pages that no file in the copy answers."""
    found = []
    for file in html_files(folder):
        page = address_of(folder, file)
        parser = Links()
        parser.feed(file.read_text(encoding="utf-8"))
        for link in parser.links + parser.forms:
            if link.startswith("#") or urlsplit(link).scheme:
                continue  # another site's (a live one's searches among them), or data:
            parts = urlsplit(urljoin(page, link))
            if parts.query:
                found.append((page, link))
                continue
            path = unquote(parts.path)
            target = folder / (path.lstrip("/") + ("index.html" if path.endswith("/") else ""))
            if not target.is_file():
                found.append((page, link))
    return found


def test_every_link_in_the_copy_resolves_to_a_file_in_it(copy: Path) -> None:
    assert len(html_files(copy)) > 300
    assert dangling(copy) == []


def test_pages_are_folders_and_twins_files_beside_them(copy: Path) -> None:
    assert (copy / "index.html").is_file()
    assert (copy / "councils" / BURY / PUBLISHED_YEAR / "index.html").is_file()
    assert (copy / "councils" / BURY / f"{PUBLISHED_YEAR}.json").is_file()
    assert (copy / "councils" / BURY / "feed.atom").is_file()
    assert (copy / "national" / f"{PUBLISHED_YEAR}.csv").is_file()
    assert (copy / "downloads" / PUBLISHED_YEAR / "decisions.xlsx").is_file()
    assert (copy / "downloads" / f"{PUBLISHED_YEAR}.csv").is_file()
    assert (copy / "revisions.atom").is_file()
    assert (copy / "feeds" / "all.atom").is_file()
    assert (copy / "methodology" / "index.html").is_file()
    assert (copy / "api" / "index.html").is_file()
    assert (copy / "static" / "site.css").is_file()
    assert (copy / "api" / "v1" / "years.json").is_file()
    assert (copy / "api" / "v1" / "councils" / BURY / f"{PUBLISHED_YEAR}.json").is_file()
    assert (copy / "404.html").is_file()
    assert (copy / MARKER).is_file()


def test_the_openapi_description_is_valid(copy: Path) -> None:
    from openapi_spec_validator import validate

    described = json.loads((copy / "api" / "v1" / "openapi.json").read_text())
    validate(described)
    assert "/api/v1/years" in described["paths"]


def test_redirecting_addresses_are_small_pages_that_send_the_reader_on(copy: Path) -> None:
    council = (copy / "councils" / BURY / "index.html").read_text()
    assert f'http-equiv="refresh" content="0; url=/councils/{BURY}/{PUBLISHED_YEAR}/"' in council
    assert f'rel="canonical" href="http://127.0.0.1:8000/councils/{BURY}/{PUBLISHED_YEAR}/"' in (
        council
    )
    national = (copy / "national" / "index.html").read_text()
    assert f"url=/national/{PUBLISHED_YEAR}/" in national


EXAMPLES = {"methodology/index.html", "methodology.json", "api/index.html", "api/v1/openapi.json"}
"""The pages that write a year like 2024-25 as an example of how years are written."""


def test_nothing_of_the_embargoed_year_is_in_the_copy(copy: Path) -> None:
    for file in copy.rglob("*"):
        name = file.relative_to(copy).as_posix()
        assert EMBARGOED_YEAR not in name
        if file.is_file() and file.suffix != ".xlsx" and name not in EXAMPLES:
            assert EMBARGOED_YEAR.encode() not in file.read_bytes(), file


def test_no_preview_token_secret_or_letter_not_yet_public(copy: Path, built: demo.Demo) -> None:
    secret = b"demo-only-secret-do-not-use-in-production"
    for file in copy.rglob("*"):
        if file.is_file():
            body = file.read_bytes()
            assert b"preview=" not in body, file
            assert secret not in body, file
    assert not list((copy / "councils").glob("*/*/letter.*"))  # the demo's are 2024-25's


def test_after_publication_the_letters_are_in_the_copy(live_copy: Path, built: demo.Demo) -> None:
    letters = list((live_copy / "councils").glob(f"*/{EMBARGOED_YEAR}/letter.*"))
    assert {p.suffix for p in letters} >= {".pdf", ".html"}
    site = Site(engines.connect(built.url, read_only=True), built.config, now=Clock(AFTER))
    with TestClient(create_app(site)) as client:
        for letter in letters[:20]:
            address = "/" + letter.relative_to(live_copy).as_posix()
            assert client.get(address).content == letter.read_bytes(), address


def test_the_files_are_the_live_sites_answers(copy: Path, built: demo.Demo) -> None:
    site = Site(engines.connect(built.url, read_only=True), built.config, now=Clock(BEFORE))
    plan = Plan()
    with TestClient(create_app(site)) as client:
        for address, file in [
            ("/index.json", "index.json"),
            ("/councils.csv", "councils.csv"),
            (f"/councils/{BURY}/{PUBLISHED_YEAR}.json", f"councils/{BURY}/{PUBLISHED_YEAR}.json"),
            (f"/national/{PUBLISHED_YEAR}.csv", f"national/{PUBLISHED_YEAR}.csv"),
            (
                f"/downloads/{PUBLISHED_YEAR}/statistics.csv",
                f"downloads/{PUBLISHED_YEAR}/statistics.csv",
            ),
            (f"/councils/{BURY}/feed.atom", f"councils/{BURY}/feed.atom"),
            ("/api/v1/openapi.json", "api/v1/openapi.json"),
            ("/api/v1/years", "api/v1/years.json"),
            ("/static/site.css", "static/site.css"),
        ]:
            answer = client.get(address)
            assert answer.status_code == 200, address
            assert (copy / file).read_bytes() == answer.content, address
        for address in ["/", f"/councils/{BURY}/{PUBLISHED_YEAR}", "/methodology", "/downloads"]:
            live = client.get(address).text
            written = (copy / address.lstrip("/") / "index.html").read_text()
            assert written == plan.rewrite(address, live)[0], address


def test_the_map_by_year_figure_and_tier_is_in_the_copy_as_links(copy: Path) -> None:
    home = (copy / "index.html").read_text()
    assert "<select" not in home
    assert 'href="/with/statistic-compliance_rate/tier-upper/year-2023-24/"' in home
    assert 'href="/with/statistic-uphold_rate/tier-lower/year-2023-24/"' in home
    lower = copy / "with" / "statistic-uphold_rate" / "tier-lower" / "year-2023-24"
    assert "Districts" in (lower / "index.html").read_text()
    assert json.loads(
        (copy / "with/statistic-uphold_rate/tier-lower/year-2023-24.json").read_text()
    )
    assert "cannot be changed" in home  # the peer group, which the copy does not vary


def test_without_a_live_site_the_search_is_a_note_and_no_link_searches(copy: Path) -> None:
    note = (copy / "decisions" / "index.html").read_text()
    assert "not available in this copy" in note
    assert "<form" not in note
    assert "not available in this copy" in (copy / "compare" / "index.html").read_text()
    assert not [p for p in (copy / "decisions").iterdir() if p.is_dir()]
    for file in html_files(copy):
        text = file.read_text()
        parser = Links()
        parser.feed(text)
        for link in parser.links + parser.forms:
            if link.startswith(("/decisions", "/compare")):
                assert link in ("/decisions/", "/compare/"), (file, link)  # the notes
    council = (copy / "councils" / BURY / PUBLISHED_YEAR / "index.html").read_text()
    assert 'href="/decisions/"' in council  # the menu's "Decisions", to the note
    assert "decisions about" in council  # the count is still said, unlinked


def test_with_a_live_site_searches_go_there_and_decisions_are_pages(live_copy: Path) -> None:
    assert dangling(live_copy) == []
    council = (live_copy / "councils" / BURY / PUBLISHED_YEAR / "index.html").read_text()
    assert f'href="{LIVE}/decisions?council={BURY}&amp;sort=newest"' in council
    assert f'href="{LIVE}/compare?with={BURY}' in council
    assert not (live_copy / "decisions" / "index.html").exists()
    pages = {p.name for p in (live_copy / "decisions").iterdir() if p.is_dir()}
    published = set()
    for download in (live_copy / "downloads").glob("*/decisions.csv"):
        with download.open(encoding="utf-8", newline="") as handle:
            published |= {row["reference"] for row in csv.DictReader(handle)}
    assert pages == published
    assert len(published) > 100
    feed = (live_copy / "feeds" / "all.atom").read_text()
    assert "https://static.example.org/" in feed
    assert "127.0.0.1:8000" not in feed


class Quiet(SimpleHTTPRequestHandler):
    """Python's own static file server, without a line on stderr for every request."""

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_static_web_server_serves_the_copy_as_it_is(copy: Path) -> None:
    handler = partial(Quiet, directory=str(copy))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        for address, expected in [
            ("/", "How councils handle complaints"),
            (f"/councils/{BURY}/{PUBLISHED_YEAR}", "Bury"),  # the server adds the "/"
            (f"/councils/{BURY}/{PUBLISHED_YEAR}/", "Bury"),
            (f"/councils/{BURY}/", f"url=/councils/{BURY}/{PUBLISHED_YEAR}/"),
            ("/councils/", "Councils"),
            ("/static/site.css", "--accent"),
            (f"/councils/{BURY}/{PUBLISHED_YEAR}.json", '"council"'),
        ]:
            with urllib.request.urlopen(base + address) as answer:
                assert answer.status == 200
                assert expected in answer.read().decode(), address
    finally:
        server.shutdown()
        server.server_close()


async def whole(self: exporting.Crawl, years: list[str]) -> exporting.Summary:
    """A crawl that writes one page at once, for tests of what happens around a crawl."""
    self.write("index.html", b"whole")
    return self.summary


def test_an_export_replaces_the_last_and_a_failed_one_leaves_it(
    built: demo.Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        export_site(built.url, built.config, Options(out), now=Clock(BEFORE))
    (out / "notes.txt").unlink()

    async def broken(self: exporting.Crawl, years: list[str]) -> exporting.Summary:
        self.write("index.html", b"half")
        raise exporting.ExportFailed("the website could not answer")

    monkeypatch.setattr(exporting.Crawl, "run", whole)
    export_site(built.url, built.config, Options(out), now=Clock(BEFORE))
    assert (out / "index.html").read_text() == "whole"
    monkeypatch.setattr(exporting.Crawl, "run", broken)
    with pytest.raises(exporting.ExportFailed):
        export_site(built.url, built.config, Options(out), now=Clock(BEFORE))
    assert (out / "index.html").read_text() == "whole"
    assert (out / MARKER).is_file()
    assert names_in(tmp_path) == [".site.lock", "site"]  # nothing half-built left
    monkeypatch.setattr(exporting.Crawl, "run", whole)
    export_site(built.url, built.config, Options(out), now=Clock(BEFORE))  # an export again


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def a_whole_copy(built: demo.Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """site/, exported by a crawl that writes one page (and goes on doing so)."""
    monkeypatch.setattr(exporting.Crawl, "run", whole)
    out = tmp_path / "site"
    export_site(built.url, built.config, Options(out), now=Clock(BEFORE))
    return out


def test_a_killed_export_is_cleared_away_by_the_next(
    built: demo.Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    command = [sys.executable, "-m", "upheld", "--db", built.url, "--config", str(built.config)]
    export = subprocess.Popen([*command, "export-site", "--out", str(out)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".site.new.*/*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    export.kill()  # part way through its crawl, with no chance to clear up
    assert f"Exporting the website to {out}…" in export.communicate()[1].decode()
    [left] = [p for p in tmp_path.iterdir() if p.name.startswith(".site.new.")]
    assert names_in(tmp_path) == [".site.lock", left.name]
    monkeypatch.setattr(exporting.Crawl, "run", whole)
    export_site(built.url, built.config, Options(out), now=Clock(BEFORE))
    assert names_in(tmp_path) == [".site.lock", "site"]


def test_a_copy_moved_aside_by_a_killed_export_comes_back(
    built: demo.Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Killed between the swap's two renames: the earlier copy is aside, the new one not in place.
    out = a_whole_copy(built, tmp_path, monkeypatch)
    out.rename(tmp_path / ".site.old.4001.k2j4")
    (tmp_path / ".site.new.4001.x9ab").mkdir()
    (tmp_path / ".site.new.4001.x9ab" / MARKER).write_text("")
    # Named like an export's folder, but not made by one: not upheld's to remove.
    lookalike = tmp_path / ".site.new.4002.notes"
    lookalike.mkdir()
    (lookalike / "mine.txt").write_text("mine")

    async def broken(self: exporting.Crawl, years: list[str]) -> exporting.Summary:
        raise exporting.ExportFailed("the website could not answer")

    monkeypatch.setattr(exporting.Crawl, "run", broken)
    with pytest.raises(exporting.ExportFailed):
        export_site(built.url, built.config, Options(out), now=Clock(BEFORE))
    assert (out / "index.html").read_text() == "whole"
    assert names_in(tmp_path) == [".site.lock", lookalike.name, "site"]
    assert (lookalike / "mine.txt").read_text() == "mine"


def test_a_second_export_to_the_same_folder_at_once_is_refused(
    built: demo.Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl

    out = a_whole_copy(built, tmp_path, monkeypatch)
    with (tmp_path / ".site.lock").open("a") as running:  # as an export under way holds it
        fcntl.flock(running, fcntl.LOCK_EX)
        with pytest.raises(UpheldError, match="Another upheld export-site is writing to"):
            export_site(built.url, built.config, Options(out), now=Clock(BEFORE))
        args = ["--db", built.url, "--config", str(built.config), "export-site", "--out", str(out)]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 1
        assert result.output == (
            f"Another upheld export-site is writing to {out} now; wait for it to finish, or "
            "choose another folder.\n"
        )
    assert (out / "index.html").read_text() == "whole"
    export_site(built.url, built.config, Options(out), now=Clock(BEFORE))  # once it has finished


def test_an_export_runs_from_inside_a_running_event_loop(
    built: demo.Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in a notebook, or a test suite whose browser keeps a loop running.
    monkeypatch.setattr(exporting.Crawl, "run", whole)

    async def inside() -> None:
        export_site(built.url, built.config, Options(tmp_path / "site"), now=Clock(BEFORE))

    # The loop on a thread of the test's own: the suite's browser may run one on this thread.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, inside()).result()
    assert (tmp_path / "site" / "index.html").read_text() == "whole"


def test_an_import_during_the_export_leaves_the_last_copy(
    built: demo.Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "site"
    config = tmp_path / "config"
    shutil.copytree(built.config, config)

    async def edited_meanwhile(self: exporting.Crawl, years: list[str]) -> exporting.Summary:
        self.write("index.html", b"from two moments")
        settings = config / "upheld.toml"
        settings.write_text(settings.read_text() + "\n# edited during the export\n")
        return self.summary

    monkeypatch.setattr(exporting.Crawl, "run", edited_meanwhile)
    with pytest.raises(UpheldError, match="changed while the copy was being made"):
        export_site(built.url, config, Options(out), now=Clock(BEFORE))
    assert not out.exists()
    assert names_in(tmp_path) == [".site.lock", "config"]


def test_the_command_refuses_a_file_and_says_how(built: demo.Demo, tmp_path: Path) -> None:
    file = tmp_path / "site"
    file.write_text("not a folder")
    args = ["--db", built.url, "--config", str(built.config), "export-site", "--out", str(file)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2
    assert "is a file" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(cli, [*args[:-1], str(tmp_path / "new"), "--base-url", "x.org"])
    assert result.exit_code == 2
    assert "not a web address" in result.output


def test_odd_destinations_are_followed_or_refused(
    built: demo.Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exporting.Crawl, "run", whole)
    # A link is followed: the folder it names gets the copy, and the link stays a link.
    (tmp_path / "releases").mkdir()
    (tmp_path / "site").symlink_to(tmp_path / "releases")
    for _ in range(2):
        export_site(built.url, built.config, Options(tmp_path / "site"), now=Clock(BEFORE))
        assert (tmp_path / "site").is_symlink()
        assert (tmp_path / "releases" / "index.html").read_text() == "whole"
        assert names_in(tmp_path) == [".releases.lock", "releases", "site"]
    # The folder the command runs in cannot be swapped away under it.
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    for out in (Path("."), Path(".."), tmp_path / "here"):
        with pytest.raises(UsageError, match="the folder this command runs in"):
            export_site(built.url, built.config, Options(out), now=Clock(BEFORE))
    # A relative path and `~` are where the shell would put them.
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    export_site(built.url, built.config, Options(Path("~/copy")), now=Clock(BEFORE))
    assert (tmp_path / "home" / "copy" / MARKER).is_file()
    export_site(built.url, built.config, Options(Path("inner")), now=Clock(BEFORE))
    assert (tmp_path / "here" / "inner" / MARKER).is_file()


def test_a_folder_that_cannot_be_written_is_said_not_a_traceback(
    built: demo.Demo, tmp_path: Path
) -> None:
    (tmp_path / "notes").write_text("a file, where a folder would have to be")
    args = ["--db", built.url, "--config", str(built.config), "export-site", "--out"]
    result = CliRunner().invoke(cli, [*args, str(tmp_path / "notes" / "site")])
    assert result.exit_code != 0
    assert "Could not make a folder beside" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "address",
    [
        "javascript:alert(1)",
        "https://",
        'https://live.example.org/"><script>alert(1)</script>',
        "https://live.example.org/?q=1",
        "https://live.example.org/#search",
        "https://live example.org",
        "http://[::1",
    ],
)
def test_only_a_sites_address_is_taken_for_the_live_or_published_site(
    built: demo.Demo, tmp_path: Path, address: str
) -> None:
    args = ["--db", built.url, "--config", str(built.config), "export-site"]
    for option in ("--search-url", "--base-url"):
        result = CliRunner().invoke(cli, [*args, "--out", str(tmp_path / "new"), option, address])
        assert result.exit_code == 2, (option, result.output)
        assert "is not a web address" in result.output
    assert not (tmp_path / "new").exists()
