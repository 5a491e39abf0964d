"""Alerts: the whole site's Atom feed and each council's, and the page that lists them. Every
entry appears at the moment it becomes public and never before, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import write_csv
from tests.test_revisions import approve, late_decisions, write
from tests.test_web import Clock, get_json
from upheld.core.periods import ReviewYear
from upheld.core.publication import TIMEZONE, Publication, decision_cutoff, decision_due
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.register import builtin
from upheld.search import refresh_index
from upheld.site import feeds
from upheld.site.model import Site
from upheld.store import engines, schema
from upheld.synthetic import demo
from upheld.web import create_app

BURY, BOLTON = "E08000002", "E08000001"
WEST_DORSET = "E07000052"  # in the register, abolished before any year here: no page
ATOM = "{http://www.w3.org/2005/Atom}"
BASE = "http://127.0.0.1:8000"
PUBLISHED_2023 = datetime(2024, 7, 23, 9, 0, tzinfo=UTC)  # 10:00 UK summer time
PUBLISHED_2024 = datetime(2025, 7, 23, 9, 0, tzinfo=UTC)
HOSTILE_TITLE = 'Bury <script>alert("x")</script> & "friends"'
HOSTILE_IMPROVEMENT = "Review <b>housing</b> advice & <script>steal()</script>"
SCRIPT = b"<script"

CASES = [
    ["23-001", BURY, "2023-05-01", "Housing", "2023-09-01", "upheld", "Put right."],
    ["23-002", BURY, "2023-05-01", "Housing", "2023-10-02", "not_upheld", "No fault."],
    ["23-003", BOLTON, "2023-05-01", "Housing", "2023-11-03", "upheld", "Bolton's own."],
    ["24-001", BURY, "2024-05-01", "Housing", "2024-06-10", "upheld", "Next year's."],
    ["24-002", BURY, "2024-05-01", "Housing", "2025-03-20", "upheld", "Decided late."],
]


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 1, 1, tzinfo=UTC))


def make_site(database_url: str, folder: Path, clock: Clock, refresh: float = 0) -> Site:
    """2023-24 published (23 July 2024) and 2024-25 configured (23 July 2025): decisions, a
    report and a service improvement in each, Bury's with hostile text."""
    engine = engines.connect(database_url)
    schema.upgrade(engine)
    files = {
        "cases": (
            ["reference", "authority", "received", "category", "decided", "outcome", "summary"],
            CASES,
        ),
        "reports": (
            ["reference", "issued", "title", "url"],
            [
                ["23-001", "2023-12-01", HOSTILE_TITLE, "javascript:alert(1)"],
                ["23-003", "2024-01-05", "Bolton's report", "https://example.org/r/23-003"],
                ["24-001", "2024-12-01", "Next year's report", ""],
            ],
        ),
        "improvements": (
            ["reference", "agreed", "description"],
            [
                ["23-001", "2024-01-15", HOSTILE_IMPROVEMENT],
                ["24-001", "2025-01-10", "Next year's improvement"],
            ],
        ),
    }
    register = builtin()
    for kind, (header, rows) in files.items():
        path = write_csv(folder / f"{kind}.csv", header, rows)
        import_files(engine, KINDS[kind], [path], register)
    with engine.begin() as connection:
        refresh_index(connection)
    demo.write_config(folder / "config", [ReviewYear(2023), ReviewYear(2024)])
    # Looks for changes on every request unless told otherwise: tests change the configuration.
    return Site(engine, folder / "config", now=clock, refresh_seconds=refresh)


@pytest.fixture
def site(database_url: str, tmp_path: Path, clock: Clock) -> Site:
    return make_site(database_url, tmp_path, clock)


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(create_app(site)) as test_client:
        yield test_client


@pytest.fixture
def steady(database_url: str, tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    """A client of a site that looks for changes once a minute, as fast as a real one: for the
    tests that change nothing under it."""
    with TestClient(create_app(make_site(database_url, tmp_path, clock, 60))) as test_client:
        yield test_client


def feed(client: TestClient, url: str = "/feeds/all.atom") -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root: ET.Element) -> list[ET.Element]:
    return root.findall(f"{ATOM}entry")


def ids(root: ET.Element) -> list[str]:
    return [e.findtext(f"{ATOM}id") or "" for e in entries(root)]


def kinds(root: ET.Element) -> Counter[str]:
    found = (e.find(f"{ATOM}category") for e in entries(root))
    return Counter(c.get("term", "") for c in found if c is not None)


def updated(entry: ET.Element) -> datetime:
    return datetime.fromisoformat(entry.findtext(f"{ATOM}updated") or "")


def about(root: ET.Element, text: str) -> list[ET.Element]:
    """The entries whose title or link mentions some text (a reference, a title)."""
    return [
        e
        for e in entries(root)
        if text in (e.findtext(f"{ATOM}title") or "")
        or any(text in (link.get("href") or "") for link in e.findall(f"{ATOM}link"))
    ]


def by_id(root: ET.Element, part: str) -> list[ET.Element]:
    """The entries whose id holds some text: ":letters/", ":decisions/23-001"."""
    return [e for e in entries(root) if part in (e.findtext(f"{ATOM}id") or "")]


def references(root: ET.Element) -> set[str]:
    """The decisions a feed has, by reference."""
    return {
        (e.findtext(f"{ATOM}id") or "").rsplit("/", 1)[1]
        for e in entries(root)
        if ":decisions/" in (e.findtext(f"{ATOM}id") or "")
    }


def never_early(root: ET.Element, clock: Clock) -> None:
    """No entry is dated after now: none appears before it is public."""
    for entry in entries(root):
        assert updated(entry) <= clock.moment, entry.findtext(f"{ATOM}title")


def settings(site: Site, line: str) -> None:
    path = site.config_folder / "upheld.toml"
    path.write_text(path.read_text() + line + "\n")  # [web] is the file's last table


def published_on(site: Site, year: str, day: str) -> None:
    """Move a year's publication to another day (at the same time)."""
    path = site.config_folder / f"{year}.toml"
    text, found = re.subn(r"(\[publication\]\s*date = )\S+", rf"\g<1>{day}", path.read_text())
    assert found == 1
    path.write_text(text)


def uk(day: date, at: time) -> datetime:
    return datetime.combine(day, at, TIMEZONE)


# Atom ----------------------------------------------------------------------------------------


def test_both_feeds_are_atom_with_ids_that_never_change(
    site: Site, client: TestClient, clock: Clock
) -> None:
    for url, page in (("/feeds/all.atom", "/feeds"), (f"/councils/{BURY}/feed.atom", None)):
        root = feed(client, url)
        assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
        assert root.findtext(f"{ATOM}id") == BASE + url
        assert root.findtext(f"{ATOM}title")
        assert root.findtext(f"{ATOM}author/{ATOM}name") == "Local Government Ombudsman"
        newest = max(updated(e) for e in entries(root))
        assert datetime.fromisoformat(root.findtext(f"{ATOM}updated") or "") == newest
        self_link = root.find(f"{ATOM}link[@rel='self']")
        assert self_link is not None
        assert (self_link.get("href"), self_link.get("type")) == (
            BASE + url,
            "application/atom+xml",
        )
        alternate = root.find(f"{ATOM}link[@rel='alternate']")
        assert alternate is not None
        assert alternate.get("href") == BASE + (page or f"/councils/{BURY}")
        assert entries(root)
        for entry in entries(root):
            assert (entry.findtext(f"{ATOM}id") or "").startswith("tag:127.0.0.1,20")
            assert entry.findtext(f"{ATOM}title")
            summary = entry.find(f"{ATOM}summary")
            assert summary is not None
            assert summary.text
            assert summary.get("type") == "text"
            assert updated(entry).tzinfo is not None  # RFC 3339, with its zone
            link = entry.find(f"{ATOM}link[@rel='alternate']")
            assert link is not None
            assert (link.get("href") or "").startswith(("http://", "https://"))
        # Newest first.
        moments = [updated(e) for e in entries(root)]
        assert moments == sorted(moments, reverse=True)
        # The same ids from the pages kept, and from a server started afresh.
        first = ids(root)
        assert ids(feed(client, url)) == first
        with TestClient(create_app(make_site_like(site, clock))) as fresh:
            assert ids(feed(fresh, url)) == first
    assert len(set(ids(feed(client)))) == len(ids(feed(client)))


def make_site_like(site: Site, clock: Clock) -> Site:
    return Site(site.engine, site.config_folder, now=clock, refresh_seconds=0)


def test_each_kind_of_entry_appears_with_its_link(
    site: Site, client: TestClient, clock: Clock, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    write(site, out, BURY)
    write(site, out, BOLTON)
    approve(site)
    late_decisions(site, tmp_path)
    write(site, out, BURY, "--reason", "Two late decisions")
    approve(site)
    # Letters are released now, on the real clock.
    clock.moment = datetime.now(UTC) + timedelta(minutes=1)
    everything = feed(client)
    assert set(kinds(everything)) == {
        "year",
        "letter",
        "revision",
        "report",
        "improvement",
        "decision",
    }
    bury = feed(client, f"/councils/{BURY}/feed.atom")
    assert set(kinds(bury)) == set(kinds(everything))
    assert kinds(bury)["letter"] == 1  # the version first shown; the next is the correction
    never_early(everything, clock)
    never_early(bury, clock)
    # Only Bury's: nothing of Bolton.
    assert not about(bury, "Bolton")
    assert not about(bury, "23-003")
    bolton = feed(client, f"/councils/{BOLTON}/feed.atom")
    assert references(bolton) == {"23-003"}
    assert set(kinds(bolton)) == {"year", "letter", "report", "decision"}

    def link(entry: ET.Element, rel: str = "alternate") -> str:
        found = entry.find(f"{ATOM}link[@rel='{rel}']")
        assert found is not None
        return found.get("href") or ""

    [decision] = by_id(bury, ":decisions/23-001")
    assert link(decision) == f"{BASE}/decisions/23-001"
    assert decision.findtext(f"{ATOM}title") == (
        "Decision 23-001: Bury Metropolitan Borough Council, Housing, upheld"
    )
    assert "Put right." in (decision.findtext(f"{ATOM}summary") or "")
    # A decision is dated when its year was published: its delay had long passed by then.
    assert updated(decision) == PUBLISHED_2023
    [letter] = by_id(bury, ":letters/")
    assert link(letter) == f"{BASE}/councils/{BURY}/2023-24/letter.html?version=1"
    assert link(letter, "related") == f"{BASE}/councils/{BURY}/2023-24"
    [revision] = by_id(bury, ":revisions/")
    # The same entry, with the same id, as in the revision log's own feed.
    [logged] = entries(feed(client, "/revisions.atom"))
    assert revision.findtext(f"{ATOM}id") == logged.findtext(f"{ATOM}id")
    assert link(revision) == f"{BASE}/councils/{BURY}/2023-24/letter.html?version=2"
    [figures] = by_id(bury, f":councils/{BURY}/2023-24")
    assert link(figures) == f"{BASE}/councils/{BURY}/2023-24"
    assert updated(figures) == PUBLISHED_2023
    # A report without a page of its own (its address is not a web page) links to the list.
    [report] = by_id(bury, ":reports/23-001")
    assert link(report) == f"{BASE}/reports?council={BURY}&year=2023-24"
    assert link(report, "related") == f"{BASE}/decisions/23-001"
    [bolton_report] = by_id(bolton, ":reports/")
    assert link(bolton_report) == "https://example.org/r/23-003"
    [improvement] = by_id(bury, ":improvements/23-001")
    assert link(improvement) == f"{BASE}/decisions/23-001"
    # The site feed dates the year's figures at its publication, linked to the national page.
    [year] = by_id(everything, ":years/2023-24")
    assert link(year) == f"{BASE}/national/2023-24"
    assert updated(year) == PUBLISHED_2023


def test_hostile_text_is_escaped_and_kept_exactly(client: TestClient) -> None:
    for url in ("/feeds/all.atom", f"/councils/{BURY}/feed.atom"):
        raw = client.get(url).content
        assert SCRIPT not in raw, url
        assert b"&lt;script&gt;" in raw
        assert b"&amp; &quot;friends&quot;" in raw or b'&amp; "friends"' in raw
        assert b"javascript:" not in raw  # never offered as a link
        root = ET.fromstring(raw)
        titles = [e.findtext(f"{ATOM}title") or "" for e in entries(root)]
        assert f"Public interest report: {HOSTILE_TITLE}" in titles
        summaries = [e.findtext(f"{ATOM}summary") or "" for e in entries(root)]
        assert any(HOSTILE_IMPROVEMENT in s for s in summaries)
        assert any(HOSTILE_IMPROVEMENT in t for t in titles)


# The embargo -----------------------------------------------------------------------------------


def test_nothing_of_a_year_appears_before_it_is_published(client: TestClient, clock: Clock) -> None:
    for moment in (datetime(2025, 1, 1, tzinfo=UTC), PUBLISHED_2024 - timedelta(seconds=1)):
        clock.moment = moment
        for url in ("/feeds/all.atom", f"/councils/{BURY}/feed.atom"):
            root = feed(client, url)
            raw = client.get(url).text
            assert references(root) == (
                {"23-001", "23-002", "23-003"}
                if "all" in url
                else {
                    "23-001",
                    "23-002",
                }
            )
            assert "2024-25" not in raw, url
            assert "Next year" not in raw, url
            assert "24-001" not in raw, url
            never_early(root, clock)
    clock.moment = PUBLISHED_2024
    for url in ("/feeds/all.atom", f"/councils/{BURY}/feed.atom"):
        root = feed(client, url)
        assert {"24-001", "24-002"} <= references(root), url
        for text in ("24-001", "Next year's report", "Next year's improvement"):
            found = about(root, text) or [
                e for e in entries(root) if text in (e.findtext(f"{ATOM}summary") or "")
            ]
            assert found, (url, text)
            assert {updated(e) for e in found} == {PUBLISHED_2024}, (url, text)
        assert datetime.fromisoformat(root.findtext(f"{ATOM}updated") or "") == PUBLISHED_2024
        never_early(root, clock)


def test_a_decision_appears_once_its_delay_has_passed(
    site: Site, client: TestClient, clock: Clock
) -> None:
    # Six months: 24-002, decided on 20 March 2025, is due after its year is published.
    settings(site, "decision_delay_months = 6")
    due = decision_due(date(2025, 3, 20), 6)
    assert due == date(2025, 9, 20)
    clock.moment = PUBLISHED_2024
    root = feed(client, f"/councils/{BURY}/feed.atom")
    assert "24-001" in references(root)
    assert "24-002" not in references(root)
    clock.moment = uk(due - timedelta(days=1), time(23, 59))
    assert "24-002" not in references(feed(client, f"/councils/{BURY}/feed.atom"))
    clock.moment = uk(due, time(0, 1))
    root = feed(client, f"/councils/{BURY}/feed.atom")
    [entry] = by_id(root, ":decisions/24-002")
    assert updated(entry) == uk(due, time(0, 0))
    assert updated(entries(root)[0]) == updated(entry)  # the newest
    never_early(root, clock)


def test_published_continuously_a_decision_appears_on_its_day(
    site: Site, client: TestClient, clock: Clock
) -> None:
    settings(site, "continuous_publication = true")
    due = decision_due(date(2025, 3, 20))
    clock.moment = uk(due - timedelta(days=1), time(23, 59))
    root = feed(client)
    assert "24-001" in references(root)  # due in September 2024, before its year's figures
    [early] = by_id(root, ":decisions/24-001")
    assert updated(early) == uk(decision_due(date(2024, 6, 10)), time(0, 0))
    assert "24-002" not in references(root)
    # The year itself is not published: no figures, no letters.
    assert not by_id(root, ":years/2024-25")
    never_early(root, clock)
    clock.moment = uk(due, time(0, 1))
    root = feed(client)
    [entry] = by_id(root, ":decisions/24-002")
    assert updated(entry) == uk(due, time(0, 0))
    never_early(root, clock)


@pytest.mark.parametrize("refresh", [0.0, 60.0], ids=["looking-each-request", "pages-kept"])
def test_entries_appear_at_the_moment_of_publication(
    database_url: str, tmp_path: Path, clock: Clock, refresh: float
) -> None:
    site = make_site(database_url, tmp_path, clock, refresh)
    with TestClient(create_app(site)) as client:
        clock.moment = PUBLISHED_2024 - timedelta(seconds=1)
        for url in ("/feeds/all.atom", f"/councils/{BURY}/feed.atom"):
            assert "24-001" not in references(feed(client, url))
        clock.moment = PUBLISHED_2024
        for url in ("/feeds/all.atom", f"/councils/{BURY}/feed.atom"):
            assert "24-001" in references(feed(client, url))


def test_a_publication_moved_later_hides_its_entries_at_once(
    site: Site, client: TestClient, clock: Clock
) -> None:
    clock.moment = PUBLISHED_2024 + timedelta(days=10)
    urls = ["/feeds/all.atom", f"/councils/{BURY}/feed.atom"]
    for url in urls:
        assert "24-001" in references(feed(client, url))
    published_on(site, "2024-25", "2027-07-23")
    for url in urls:
        raw = client.get(url).text
        assert "24-001" not in raw, url
        assert "Next year" not in raw, url
        assert "2024-25" not in raw, url
    # And the year before, moved later too: nothing at all is public, and the feeds say so.
    published_on(site, "2023-24", "2027-07-23")
    root = feed(client)
    assert entries(root) == []
    # Nothing published: the feed is dated when the site last changed, as its Last-Modified is,
    # so that it reads the same from every server process.
    changed = parsedate_to_datetime(client.get("/feeds/all.atom").headers["last-modified"])
    assert root.findtext(f"{ATOM}updated") == changed.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.get(f"/councils/{BURY}/feed.atom").status_code == 404
    published_on(site, "2024-25", "2025-07-23")
    published_on(site, "2023-24", "2024-07-23")
    assert "24-001" in references(feed(client))


# Reading only what is needed -----------------------------------------------------------------


@pytest.mark.parametrize("code", [None, BURY])
@pytest.mark.parametrize("continuous", [False, True])
def test_the_newest_few_are_the_first_of_them_all(
    site: Site, clock: Clock, code: str | None, continuous: bool
) -> None:
    # Each year is read only while it can hold one of the newest: the first few must still be
    # exactly the first few of everything.
    if continuous:
        settings(site, "continuous_publication = true")
    clock.moment = PUBLISHED_2024 + timedelta(days=1)
    publication = site.publication()
    every = feeds.entries(site, publication, code, limit=1000)
    assert len(every) >= 8
    for limit in range(1, len(every) + 1):
        assert feeds.entries(site, publication, code, limit=limit) == every[:limit], limit


def test_a_feed_holds_the_newest_entries(site: Site, clock: Clock) -> None:
    clock.moment = PUBLISHED_2024 + timedelta(days=1)
    found = feeds.site_feed(site, site.publication(), limit=3)
    assert len(found["entries"]) == 3
    assert found["entries"][0].kind == "year"
    assert feeds.FEED_ENTRIES == 50


# Addresses -------------------------------------------------------------------------------------


def test_a_council_by_name_redirects_and_an_unknown_one_is_not_found(client: TestClient) -> None:
    for key in ("bury-metropolitan-borough-council", BURY.lower()):
        moved = client.get(f"/councils/{key}/feed.atom", follow_redirects=False)
        assert moved.status_code == 301, key
        assert moved.headers["location"] == f"/councils/{BURY}/feed.atom"
    for code in ("E99999999", WEST_DORSET, "no-such-council"):
        missing = client.get(f"/councils/{code}/feed.atom")
        assert missing.status_code == 404, code
        assert "There is no such council." in missing.text


def test_the_feeds_page_lists_every_feed(steady: TestClient) -> None:
    client = steady
    page = client.get("/feeds")
    assert page.status_code == 200
    html = page.text
    assert 'href="/feeds/all.atom"' in html
    assert 'href="/revisions.atom"' in html
    assert f'href="/councils/{BURY}/feed.atom"' in html
    assert f'href="/councils/{BOLTON}/feed.atom"' in html
    assert f"{BASE}/feeds/all.atom" in html  # the address to paste into a reader
    assert "How to follow a feed" in html
    twin = get_json(client, "/feeds.json")
    assert twin["site_feed"]["address"] == f"{BASE}/feeds/all.atom"
    assert twin["revisions_feed"]["url"] == "/revisions.atom"
    assert twin["entries"] == feeds.FEED_ENTRIES
    listed = {c["code"]: c for c in twin["councils"]}
    assert {BURY, BOLTON} <= set(listed)
    assert WEST_DORSET not in listed  # no page, so no feed
    assert listed[BURY]["feed"] == f"/councils/{BURY}/feed.atom"
    assert listed[BURY]["page"] == f"/councils/{BURY}/2023-24"
    assert "B" in twin["initials"]
    assert [c["short_name"] for c in twin["councils"]] == sorted(
        (c["short_name"] for c in twin["councils"]), key=str.lower
    )
    found = get_json(client, "/feeds.json?q=bolton")
    assert [c["code"] for c in found["councils"]] == [BOLTON]
    assert "1 council match" in client.get("/feeds?q=bolton").text
    for url in listed[BURY]["feed"], listed[BOLTON]["page"]:
        assert client.get(url).status_code == 200, url


def test_every_page_offers_the_site_feed_and_a_council_page_its_own(
    steady: TestClient,
) -> None:
    client = steady
    site_link = '<link rel="alternate" type="application/atom+xml" href="/feeds/all.atom"'
    for url in ("/", "/councils", "/decisions", "/feeds"):
        assert site_link in client.get(url).text, url
    council = client.get(f"/councils/{BURY}/2023-24").text
    assert (
        f'<link rel="alternate" type="application/atom+xml" href="/councils/{BURY}/feed.atom"'
        in council
    )
    assert f'<a href="/councils/{BURY}/feed.atom">Follow this council (Atom feed)</a>' in council
    assert 'href="/feeds"' in council


# The rule's own helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "delay", "due"),
    [
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2024, 8, 31), 3, date(2024, 11, 30)),
        (date(2024, 1, 15), 3, date(2024, 4, 15)),
        (date(2023, 11, 29), 3, date(2024, 2, 29)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 5, 5), 0, date(2024, 5, 5)),
    ],
)
def test_a_decision_is_due_on_the_first_day_the_cutoff_reaches_it(
    decided: date, delay: int, due: date
) -> None:
    assert decision_due(decided, delay) == due
    assert decision_cutoff(due, delay) >= decided
    assert decision_cutoff(due - timedelta(days=1), delay) < decided


def test_a_record_is_public_from_its_day_and_never_before_its_year() -> None:
    schedule = {2023: PUBLISHED_2023}
    publication = Publication.at(datetime(2025, 1, 1, tzinfo=UTC), schedule)
    assert publication.record_public_from(date(2023, 12, 1), PUBLISHED_2023) == PUBLISHED_2023
    assert publication.record_public_from(date(2024, 8, 1), PUBLISHED_2023) == uk(
        date(2024, 8, 1), time(0, 0)
    )
    assert publication.decision_public_from(date(2023, 9, 1), PUBLISHED_2023) == PUBLISHED_2023
    with pytest.raises(ValueError, match="not published"):
        publication.decision_public_from(date(2024, 9, 1), None)
    continuous = Publication.at(datetime(2025, 1, 1, tzinfo=UTC), schedule, continuous=True)
    assert continuous.decision_public_from(date(2023, 9, 1), PUBLISHED_2023) == uk(
        date(2023, 12, 1), time(0, 0)
    )


def test_the_feeds_are_documented() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "website.md").read_text(encoding="utf-8")
    for text in (
        "| `/feeds` |",
        "| `/feeds/all.atom` |",
        "| `/councils/E08000002/feed.atom` |",
        f"**{feeds.FEED_ENTRIES} newest**",
    ):
        assert text in docs, text
    for kind in feeds.KINDS:
        assert f"`{kind}`" in docs, kind
    for field in feeds.FeedsPage.__annotations__:
        if field not in ("title", "description"):
            assert f"`{field}`" in docs, field


def test_a_feed_reads_with_one_connection_at_a_time(site: Site, clock: Clock) -> None:
    # A busy server's connections are all in use: a feed that held one while working out the
    # site's figures with another could wait for itself. Here the pool has one connection only.
    from sqlalchemy import create_engine
    from sqlalchemy.pool import QueuePool

    settings(site, "continuous_publication = true")  # so the feed reads its years of records
    # Timing out after 2 seconds rather than 30, if it ever waits for a connection.
    one = create_engine(
        site.engine.url, poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=2
    )
    alone = Site(one, site.config_folder, now=clock)
    try:
        publication = alone.publication()
        assert feeds.council_feed(alone, publication, "E08000002")["entries"]
        assert feeds.site_feed(alone, publication)["entries"]
    finally:
        one.dispose()
