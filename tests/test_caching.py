"""Caching: ETag, Last-Modified and Cache-Control on every public answer, 304 to conditional
requests, and a real Varnish in front of a real `upheld serve` following imports and publication."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import write_csv
from tests.servers import free_port
from tests.test_web import AFTER, BURY, PUBLISHED, Clock
from upheld.cli import cli
from upheld.core.periods import ReviewYear
from upheld.core.publication import TIMEZONE
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.register import builtin
from upheld.search import refresh_index
from upheld.site.model import Site
from upheld.store import engines, schema
from upheld.synthetic import demo
from upheld.web import create_app
from upheld.web.previews import preview_token
from upheld.web.proxies import empty_caches

HEADER = ["reference", "authority", "received", "category", "decided", "outcome", "summary"]
PAGE = f"/councils/{BURY}/2024-25"
SECRET = "demo-only-secret-do-not-use-in-production"
"""The demo configuration's key for preview links."""


def cases(count: int, start: int = 0) -> list[list[str]]:
    """Bury's upheld decisions in 2024-25, numbered from `start`."""
    return [
        [f"24/{n:05d}", BURY, "2024-05-01", "Housing", "2024-09-01", "upheld", f"Case {n}."]
        for n in range(start, start + count)
    ]


def database(folder: Path, rows: list[list[str]]) -> str:
    """A database of some decisions, indexed for the search, and the demo's configuration."""
    url = f"sqlite:///{folder / 'upheld.db'}"
    engine = engines.connect(url)
    schema.upgrade(engine)
    add_cases(engine, folder / "cases.csv", rows)
    demo.write_config(folder / "config", [ReviewYear(2024)])
    return url


def add_cases(engine: Engine, path: Path, rows: list[list[str]]) -> None:
    import_files(engine, KINDS["cases"], [write_csv(path, HEADER, rows)], builtin())
    with engines.writing(engine) as connection:
        refresh_index(connection)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    database(tmp_path, cases(12))
    return tmp_path


@pytest.fixture
def clock() -> Clock:
    return Clock(AFTER)


@pytest.fixture
def client(folder: Path, clock: Clock) -> Iterator[TestClient]:
    engine = engines.connect(f"sqlite:///{folder / 'upheld.db'}", read_only=True)
    site = Site(engine, folder / "config", now=clock, refresh_seconds=0)
    with TestClient(create_app(site)) as test_client:
        yield test_client


def test_a_published_page_says_how_it_may_be_cached(client: TestClient, clock: Clock) -> None:
    answer = client.get(PAGE)
    assert answer.status_code == 200
    tag = answer.headers["etag"]
    assert re.fullmatch(r'"[0-9a-f]{24}"', tag)
    assert answer.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=300"
    modified = parsedate_to_datetime(answer.headers["last-modified"])
    # The edition began when the data was imported (now; the site's clock is in the past).
    assert abs(modified - datetime.now(UTC)) < timedelta(minutes=5)
    # Each page and each format has its own tag; the same page has the same one each time.
    assert client.get(PAGE).headers["etag"] == tag
    assert client.get(PAGE + ".json").headers["etag"] not in (tag, None)
    assert client.head(PAGE).headers["etag"] == tag


def test_a_conditional_request_for_an_unchanged_page_is_answered_304(client: TestClient) -> None:
    first = client.get(PAGE)
    tag, modified = first.headers["etag"], first.headers["last-modified"]
    for condition in (
        {"If-None-Match": tag},
        {"If-None-Match": f'"other", W/{tag}'},
        {"If-Modified-Since": modified},
        {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"},
    ):
        again = client.get(PAGE, headers=condition)
        assert again.status_code == 304, condition
        assert again.content == b""
        assert again.headers["etag"] == tag
        assert again.headers["cache-control"] == first.headers["cache-control"]
    for condition in (
        {"If-None-Match": '"other"'},
        {"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"},
        {"If-Modified-Since": "yesterday"},
        {"If-Modified-Since": "Fri, 01 Jan 99999999999 00:00:00 GMT"},
        {"If-Modified-Since": "Fri, 32 Jan 2020 00:00:00 GMT"},
        # The tag wins over the date, as RFC 9110 says.
        {"If-None-Match": '"other"', "If-Modified-Since": modified},
    ):
        assert client.get(PAGE, headers=condition).status_code == 200, condition
    assert client.head(PAGE, headers={"If-None-Match": tag}).status_code == 304
    # "*": any copy of a page there is holds; a page there is not is still not there.
    star = client.get(PAGE, headers={"If-None-Match": "*"})
    assert (star.status_code, star.content, star.headers["etag"]) == (304, b"", tag)
    assert client.get("/councils/E99999999", headers={"If-None-Match": "*"}).status_code == 404
    # A download is streamed as it is made: answered whole, rather than made for nobody.
    download = client.get("/decisions.csv?q=council", headers={"If-None-Match": "*"})
    assert download.status_code == 200
    assert download.text.startswith("reference,")


def test_every_kind_of_public_answer_carries_a_validator(client: TestClient) -> None:
    for path in (
        "/",
        "/index.json",
        "/national/2024-25.csv",
        "/downloads/2024-25/decisions.csv",
        "/api/v1/years",
        f"/api/v1/councils/{BURY}/2024-25",
        "/feeds/all.atom",
        "/methodology",
    ):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert answer.headers["cache-control"].startswith("public, max-age=60"), path
        tag = answer.headers["etag"]
        assert client.get(path, headers={"If-None-Match": tag}).status_code == 304, path


def test_searches_are_kept_briefly_and_mistakes_not_at_all(client: TestClient) -> None:
    for path in ("/decisions?q=case", "/decisions.json?q=case", "/api/v1/decisions?q=case"):
        answer = client.get(path)
        assert answer.headers["cache-control"] == "public, max-age=30", path
        assert (
            client.get(path, headers={"If-None-Match": answer.headers["etag"]}).status_code == 304
        )
    refused = client.get("/api/v1/decisions?page=0")
    assert refused.status_code == 422
    assert refused.headers["cache-control"] == "no-store"
    assert "etag" not in refused.headers
    # That a page does not exist holds until something is published.
    missing = client.get(f"/councils/{BURY}/2030-31")
    assert missing.status_code == 404
    assert missing.headers["cache-control"].startswith("public, max-age=")
    assert "etag" not in missing.headers
    static = client.get("/static/site.css")
    assert static.headers["cache-control"] == "public, max-age=60"
    assert (
        client.get(
            "/static/site.css", headers={"If-None-Match": static.headers["etag"]}
        ).status_code
        == 304
    )


def test_a_preview_is_never_kept(folder: Path, clock: Clock) -> None:
    clock.moment = PUBLISHED - timedelta(days=1)
    engine = engines.connect(f"sqlite:///{folder / 'upheld.db'}", read_only=True)
    with TestClient(create_app(Site(engine, folder / "config", now=clock))) as client:
        assert client.get(PAGE).status_code == 404
        token = preview_token(SECRET, BURY, ReviewYear(2024))
        answer = client.get(f"{PAGE}?preview={token}")
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "private, no-store"
        assert "etag" not in answer.headers
        tagged = client.get(f"{PAGE}?preview={token}", headers={"If-None-Match": "*"})
        assert tagged.status_code == 200
        # The page reads the token however its name is written: neither kept nor answered 304.
        future = {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}
        for query in (f"preview={token}", f"pr%65view={token}", f"group=type&%70review={token}"):
            dated = client.get(f"{PAGE}?{query}", headers=future)
            assert dated.status_code == 200, query
            assert dated.headers["cache-control"] == "private, no-store", query
            assert "last-modified" not in dated.headers, query


def test_the_tag_changes_with_the_data_the_configuration_and_what_is_public(
    folder: Path, client: TestClient, clock: Clock
) -> None:
    before = client.get(PAGE)
    tag = before.headers["etag"]
    add_cases(
        engines.connect(f"sqlite:///{folder / 'upheld.db'}"), folder / "more.csv", cases(3, 100)
    )
    after = client.get(PAGE, headers={"If-None-Match": tag})
    assert after.status_code == 200
    assert after.headers["etag"] != tag
    assert parsedate_to_datetime(after.headers["last-modified"]) >= parsedate_to_datetime(
        before.headers["last-modified"]
    )
    tag = after.headers["etag"]
    settings = folder / "config" / "upheld.toml"
    settings.write_text(settings.read_text().replace("[web]", '[web]\ntitle = "Councils"'))
    assert client.get(PAGE, headers={"If-None-Match": tag}).status_code == 200
    tag = client.get(PAGE).headers["etag"]
    # A new day can publish decisions: a new edition.
    clock.moment += timedelta(days=1)
    assert client.get(PAGE, headers={"If-None-Match": tag}).status_code == 200


def next_second(shown: datetime) -> None:
    """Wait until files written now are dated in a later second than `shown`: the kernel dates
    them by a coarse clock, a few milliseconds behind the one Python reads."""
    while datetime.now(UTC) < shown + timedelta(seconds=1.1):
        time.sleep(0.05)


def test_a_configuration_copied_in_with_its_old_date_is_a_new_last_modified(
    folder: Path, client: TestClient
) -> None:
    before = client.get(PAGE)
    # Last-Modified counts whole seconds: let one pass, as it would between deployments.
    shown = parsedate_to_datetime(before.headers["last-modified"])
    next_second(shown)
    settings = folder / "config" / "upheld.toml"
    written = settings.stat().st_mtime - 86_400
    settings.write_text(settings.read_text().replace("[web]", '[web]\ntitle = "Councils"'))
    os.utime(settings, (written, written))  # as rsync -a, cp -p or mv leave it
    after = client.get(PAGE, headers={"If-Modified-Since": before.headers["last-modified"]})
    assert after.status_code == 200
    assert parsedate_to_datetime(after.headers["last-modified"]) > shown
    # A year file taken away unpublishes the year: no cache may be told its copy still holds.
    next_second(parsedate_to_datetime(after.headers["last-modified"]))
    (folder / "config" / "2024-25.toml").rename(folder / "2024-25.toml")
    gone = client.get(PAGE, headers={"If-Modified-Since": after.headers["last-modified"]})
    assert gone.status_code == 404


def test_two_server_processes_give_a_page_the_same_tag(folder: Path, clock: Clock) -> None:
    tags = []
    for _ in range(2):
        engine = engines.connect(f"sqlite:///{folder / 'upheld.db'}", read_only=True)
        with TestClient(create_app(Site(engine, folder / "config", now=clock))) as client:
            answer = client.get(PAGE)
            tags.append((answer.headers["etag"], answer.headers["last-modified"]))
    assert tags[0] == tags[1]


def test_no_cache_keeps_a_page_past_its_publication(folder: Path, clock: Clock) -> None:
    engine = engines.connect(f"sqlite:///{folder / 'upheld.db'}", read_only=True)
    clock.moment = PUBLISHED - timedelta(seconds=90)
    with TestClient(create_app(Site(engine, folder / "config", now=clock))) as client:
        # Before publication the year is not there, and that may be kept until it is.
        missing = client.get(PAGE)
        assert missing.status_code == 404
        assert missing.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=30"
        home = client.get("/")
        assert home.headers["cache-control"] == "public, max-age=60, stale-while-revalidate=30"
        clock.moment = PUBLISHED - timedelta(seconds=20)
        assert client.get("/").headers["cache-control"] == "public, max-age=20"
        clock.moment = PUBLISHED
        assert client.get(PAGE).status_code == 200


# Caches that do not answer as they should ----------------------------------------------------


@pytest.fixture
def odd_caches() -> Iterator[dict[str, str]]:
    """Addresses of local servers that answer PURGE badly: not HTTP, never, or a byte at a time."""
    listeners: list[socket.socket] = []

    def serve(answer: Any) -> str:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listeners.append(listener)

        def run() -> None:
            with contextlib.suppress(OSError):
                while True:
                    connection, _ = listener.accept()
                    with connection:
                        connection.recv(4096)
                        answer(connection)

        threading.Thread(target=run, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/"

    def trickle(connection: socket.socket) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"y" * 40:
            connection.sendall(bytes([byte]))
            time.sleep(0.2)

    try:
        yield {
            "good": serve(lambda connection: connection.sendall(b"HTTP/1.1 200 OK\r\n\r\n")),
            "garbage": serve(lambda connection: connection.sendall(b"HELLO\r\n\r\n")),
            "silent": serve(lambda connection: time.sleep(3)),
            "trickle": serve(trickle),
        }
    finally:
        for listener in listeners:
            listener.close()


def test_a_cache_is_asked_directly_whatever_proxy_the_environment_names(
    odd_caches: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9/")  # nothing listens there
    monkeypatch.setenv("no_proxy", "")
    assert empty_caches((odd_caches["good"],), timeout=2) == [(odd_caches["good"], None)]


def test_a_cache_that_answers_badly_or_slowly_is_reported_not_waited_for(
    odd_caches: dict[str, str],
) -> None:
    addresses = (
        odd_caches["garbage"],
        odd_caches["silent"],
        odd_caches["trickle"],
        "http://[::1",
        "http://127.0.0.1:port/",
        f"http://127.0.0.1:{free_port()}/",
    )
    found = dict(empty_caches(addresses, timeout=1))
    assert list(found) == list(addresses)
    assert found[odd_caches["garbage"]] == "its answer was not HTTP (BadStatusLine)"
    # A byte every fifth of a second would be an answer, eventually: the wait is for all of it.
    for slow in (odd_caches["silent"], odd_caches["trickle"]):
        assert found[slow] == "it did not answer within 1 seconds"
    assert "not a web address" in str(found["http://[::1"])
    assert "not a web address" in str(found["http://127.0.0.1:port/"])
    assert "could not be reached" in str(found[addresses[-1]])


def import_more(folder: Path, rows: list[list[str]]) -> Result:
    """`upheld import cases` of more decisions into the folder's database, as a user runs it."""
    more = write_csv(folder / "more.csv", HEADER, rows)
    database = f"sqlite:///{folder / 'upheld.db'}"
    arguments = ["--db", database, "--config", str(folder / "config"), "import", "cases"]
    return CliRunner().invoke(cli, [*arguments, str(more)], catch_exceptions=False)


def test_an_import_succeeds_and_says_once_when_a_cache_cannot_be_emptied(folder: Path) -> None:
    settings = folder / "config" / "upheld.toml"
    settings.write_text(
        settings.read_text().replace("[web]", '[web]\npurge = ["http://[::1", "http://x:y/"]')
    )
    result = import_more(folder, cases(2, 700))
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    for address in ("http://[::1", "http://x:y/"):
        assert result.output.count(f"Could not empty the website's cache at {address}:") == 1


def test_an_import_under_a_broken_configuration_says_the_caches_were_not_told(
    folder: Path,
) -> None:
    (folder / "config" / "upheld.toml").write_text("[web\n")
    result = import_more(folder, cases(2, 800))
    assert result.exit_code == 0, result.output
    assert result.output.count("Could not read [web] purge") == 1
    assert "not valid TOML" in result.output


def test_upheld_purge_says_what_is_wrong_with_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "upheld.toml").write_text('[web\npurge = ["http://127.0.0.1:6081/"]\n')
    result = CliRunner().invoke(cli, ["--config", str(tmp_path), "purge"])
    assert result.exit_code != 0
    assert "upheld.toml: not valid TOML" in result.output
    assert "No caches to empty" not in result.output
    (tmp_path / "upheld.toml").write_text("[web]\n")
    result = CliRunner().invoke(cli, ["--config", str(tmp_path), "purge"])
    assert result.exit_code == 0
    assert "No caches to empty: [web] purge lists none." in result.output


# A real cache in front of a real server ----------------------------------------------------------

VARNISH = shutil.which("varnishd") or next(
    (p for p in ("/usr/sbin/varnishd",) if os.path.exists(p)), None
)


class Answer:
    """A response from a real server: status, headers and body."""

    def __init__(self, url: str) -> None:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                self.status_code, self.headers, self.content = (
                    response.status,
                    response.headers,
                    response.read(),
                )
        except urllib.error.HTTPError as error:
            self.status_code, self.headers, self.content = error.code, error.headers, error.read()

    def json(self) -> Any:
        return json.loads(self.content)


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, (
            f"{what} stopped: {process.stdout and process.stdout.read()!r}"
        )
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert time.monotonic() < deadline, f"{what} did not start within 30 s"
        time.sleep(0.1)


def publish_at(year_file: str, moment: datetime) -> str:
    """The demo's year file, published at a moment (to the second, UK time)."""
    local = moment.astimezone(TIMEZONE)
    text = re.sub(r"(?m)^date = 2025-07-23$", f"date = {local.date().isoformat()}", year_file)
    return re.sub(r"(?m)^time = 10:00:00$", f"time = {local.strftime('%H:%M:%S')}", text)


@pytest.fixture
def varnish_and_server(tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    if VARNISH is None:
        pytest.skip("Varnish is not installed (apt-get install varnish)")
    url = database(tmp_path, cases(12))
    config = tmp_path / "config"
    year_file = config / "2024-25.toml"
    demo_year = year_file.read_text()
    year_file.write_text(publish_at(demo_year, datetime(2099, 7, 23, 9, tzinfo=UTC)))
    server_port, cache_port = free_port(), free_port()
    settings = config / "upheld.toml"
    settings.write_text(
        settings.read_text().replace("[web]", f'[web]\npurge = ["http://127.0.0.1:{cache_port}/"]')
    )
    vcl = (Path(__file__).parents[1] / "docs" / "examples" / "varnish.vcl").read_text()
    (tmp_path / "upheld.vcl").write_text(vcl.replace('"8000"', f'"{server_port}"'))
    upheld = [sys.executable, "-m", "upheld", "--db", url, "--config", str(config)]
    server = subprocess.Popen(
        [*upheld, "serve", "--port", str(server_port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    cache = subprocess.Popen(
        [
            VARNISH,
            "-F",
            "-j",
            "none",
            "-n",
            str(tmp_path / "varnish"),
            "-a",
            f"127.0.0.1:{cache_port}",
            "-f",
            str(tmp_path / "upheld.vcl"),
            "-s",
            "malloc,32m",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(server_port, server, "upheld serve")
        wait_for_port(cache_port, cache, "varnishd")
        # Once both are up, however long that took: 2024-25 is published a few seconds from
        # now, and the server has seen that (it looks at its configuration once a second).
        moment = datetime.now(UTC) + timedelta(seconds=6)
        year_file.write_text(publish_at(demo_year, moment))
        time.sleep(1.5)
        yield f"http://127.0.0.1:{cache_port}", tmp_path, moment.isoformat()
    finally:
        for process in (cache, server):
            process.terminate()
            process.wait(timeout=10)


def test_a_reverse_proxy_carries_the_site_and_follows_imports_and_publication(
    varnish_and_server: tuple[str, Path, str],
) -> None:
    base, folder, published = varnish_and_server
    page = f"{base}/councils/{BURY}/2024-25.json"
    # Before publication: the year is not there, and the cache says so too.
    first = Answer(page)
    assert first.status_code == 404, published
    assert Answer(page).headers["x-cache"] == "hit"
    home = Answer(f"{base}/")
    assert home.status_code == 200
    assert Answer(f"{base}/").headers["x-cache"] == "hit"
    # Publication: the next request after the moment shows the year.
    while datetime.now(UTC) < datetime.fromisoformat(published):
        time.sleep(0.2)
    shown = Answer(page)
    assert shown.status_code == 200
    assert shown.json()["year"] == "2024-25"
    cached = Answer(page)
    assert cached.headers["x-cache"] == "hit"
    assert cached.content == shown.content
    decisions = shown.json()
    # An import empties the cache: the very next request shows the new data.
    more = write_csv(folder / "more.csv", HEADER, cases(5, 500))
    imported = subprocess.run(
        [
            sys.executable,
            "-m",
            "upheld",
            "--db",
            f"sqlite:///{folder / 'upheld.db'}",
            "--config",
            str(folder / "config"),
            "import",
            "cases",
            str(more),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Emptied the website's cache" in imported.stderr
    fresh = Answer(page)
    assert fresh.headers["x-cache"] == "miss"
    assert fresh.headers["etag"] != shown.headers["etag"]
    assert fresh.json()["statistics"] != decisions["statistics"]
    assert Answer(page).headers["x-cache"] == "hit"


@pytest.mark.parametrize(
    "line",
    [
        'base_url = "https://reviews.example.org/?x=1"',
        'base_url = "reviews.example.org"',
        'base_url = "https://reviews example.org"',
    ],
)
def test_the_sites_address_is_an_address(tmp_path: Path, line: str) -> None:
    # The site's address is written into every page's links: one rule, said when it is loaded.
    (tmp_path / "upheld.toml").write_text(f"[web]\n{line}\n")
    result = CliRunner().invoke(cli, ["--config", str(tmp_path), "purge"])
    assert result.exit_code != 0
    assert "is not a web address: write it as https://… with a host" in result.output
