"""The public revision log: each correction to a published letter, with what changed, when and
why, as a page, its .json twin and an Atom feed, and nothing of a year under embargo."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from tests.test_web import Clock
from tests.test_web_safety import CASE_HEADER
from upheld.cli import cli
from upheld.core.periods import ReviewYear
from upheld.core.publication import TIMEZONE
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.register import builtin
from upheld.search import refresh_index
from upheld.site.model import Site
from upheld.site.revisions import NO_FIGURE_CHANGED, changes, revisions_page, summary
from upheld.store import engines, schema
from upheld.synthetic import demo
from upheld.web import create_app

BURY, BOLTON = "E08000002", "E08000001"
ATOM = "{http://www.w3.org/2005/Atom}"
REASON = 'Two late decisions <script>alert("x")</script> & a recount'
SCRIPT = "<script>alert"


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 1, 1, tzinfo=UTC))


@pytest.fixture
def site(database_url: str, tmp_path: Path, clock: Clock) -> Site:
    """2023-24 published, with a decision upheld and one not for Bury, and one upheld for Bolton;
    on SQLite and PostgreSQL."""
    engine = engines.connect(database_url)
    schema.upgrade(engine)
    rows = [
        [f"23-{n:03}", code, "2023-05-01", "Housing", "2023-09-01", outcome, "Put right."]
        for n, (code, outcome) in enumerate(
            [(BURY, "upheld"), (BURY, "not_upheld"), (BOLTON, "upheld")]
        )
    ]
    path = write_csv(tmp_path / "cases.csv", CASE_HEADER, rows)
    import_files(engine, KINDS["cases"], [path], builtin())
    with engine.begin() as connection:
        refresh_index(connection)
    demo.write_config(tmp_path / "config", [ReviewYear(2023)])
    # Looks for changes on every request: the tests change data and configuration at once.
    return Site(engine, tmp_path / "config", now=clock, refresh_seconds=0)


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(create_app(site)) as test_client:
        yield test_client


def run(site: Site, *args: str) -> Result:
    url = site.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        cli, ["--db", url, "--config", str(site.config_folder), *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result


def write(site: Site, out: Path, code: str, *extra: str) -> None:
    run(site, "letters", "--year", "2023-24", "--authority", code, "--out", str(out), *extra)


def approve(site: Site) -> None:
    run(site, "letters", "approve", "--year", "2023-24", "--by", "Alex Example")


def late_decisions(site: Site, tmp_path: Path, prefix: str = "L") -> None:
    """Two more upheld decisions for Bury: at first its uphold rate goes from 50% to 75%."""
    rows = case_rows(BURY, {"upheld": 2}, year=2023, prefix=prefix)
    late = write_csv(tmp_path / f"late-{prefix}.csv", CASE_COLUMNS, rows)
    run(site, "import", "cases", str(late))


def corrected(site: Site, tmp_path: Path) -> None:
    """Both councils' letters approved after publication, then Bury's corrected and approved."""
    out = tmp_path / "out"
    write(site, out, BURY)
    write(site, out, BOLTON)
    approve(site)
    late_decisions(site, tmp_path)
    write(site, out, BURY, "--reason", REASON)
    approve(site)


def log(client: TestClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"/revisions.json{query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    found: dict[str, Any] = response.json()
    return found


def feed(client: TestClient) -> ET.Element:
    response = client.get("/revisions.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def published_on(site: Site, day: str) -> None:
    """Move 2023-24's publication to another day (at the same time)."""
    path = site.config_folder / "2023-24.toml"
    text, found = re.subn(r"(\[publication\]\s*date = )\S+", rf"\g<1>{day}", path.read_text())
    assert found == 1
    path.write_text(text)


def test_a_correction_is_listed_with_what_changed_when_and_why(
    site: Site, client: TestClient, tmp_path: Path
) -> None:
    corrected(site, tmp_path)
    found = log(client)
    assert (found["total"], found["pages"]) == (1, 1)
    [item] = found["revisions"]
    assert item["council"] == {"code": BURY, "name": "Bury Metropolitan Borough Council"}
    assert (item["year"], item["version"], item["replaces"]) == ("2023-24", 2, 1)
    assert item["reason"] == REASON
    assert item["council_page"] == f"/councils/{BURY}/2023-24"
    assert item["id"] == f"{BURY}/2023-24/2"
    rate = next(c for c in item["changes"] if c["field"] == "uphold_rate")
    assert (rate["before"], rate["after"]) == (50, 75)
    assert (rate["before_text"], rate["after_text"]) == ("50%", "75%")
    upheld = next(c for c in item["changes"] if c["field"] == "upheld")
    assert (upheld["before_text"], upheld["after_text"]) == ("1", "3")
    assert item["summary"].startswith("Uphold rate 50% → 75%")
    released = datetime.fromisoformat(item["released"])
    assert abs((released - datetime.now(UTC)).total_seconds()) < 600
    uk = released.astimezone(TIMEZONE)
    assert item["released_text"] == f"{uk.day} {uk:%B %Y} at {uk:%H:%M}"
    assert found["updated"] == item["released"]
    # Both versions are there to read, by number.
    assert item["letter"]["url"] == f"/councils/{BURY}/2023-24/letter.pdf?version=2"
    assert item["previous"]["url"] == f"/councils/{BURY}/2023-24/letter.pdf?version=1"
    for link in (item["letter"], item["previous"]):
        for fmt in link["formats"]:
            assert client.get(fmt["url"]).status_code == 200, fmt["url"]
    first = client.get(item["previous"]["url"]).content
    assert first != client.get(item["letter"]["url"]).content

    page = client.get("/revisions")
    assert page.status_code == 200
    html = page.text
    assert "Bury Metropolitan Borough Council" in html
    assert f'href="/councils/{BURY}/2023-24"' in html
    assert "letter version 2" in html
    assert "Replaces version 1" in html
    assert item["released_text"] in html
    assert (
        '<th scope="row">Uphold rate</th><td class="num">50%</td><td class="num">75%</td>' in html
    )
    assert f"/councils/{BURY}/2023-24/letter.pdf?version=1" in html
    assert 'type="application/atom+xml" href="/revisions.atom"' in html
    assert "Bolton" not in html  # approved once, never revised


def test_the_reason_is_escaped_on_the_page_in_the_twin_and_in_the_feed(
    site: Site, client: TestClient, tmp_path: Path
) -> None:
    corrected(site, tmp_path)
    html = client.get("/revisions").text
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; a recount" in html
    assert log(client)["revisions"][0]["reason"] == REASON  # data, kept exactly
    raw = client.get("/revisions.atom").content
    assert SCRIPT.encode() not in raw
    entry = feed(client).find(f"{ATOM}entry")
    assert entry is not None
    summary_text = entry.findtext(f"{ATOM}summary")
    assert summary_text is not None
    assert REASON in summary_text  # type="text": the reader shows it as written
    content = entry.find(f"{ATOM}content")
    assert content is not None
    assert content.get("type") == "html"
    # type="html": escaped once for HTML, and the XML escapes that again.
    assert content.text is not None
    assert SCRIPT not in content.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; a recount" in content.text


def test_the_feed_is_atom(site: Site, client: TestClient, tmp_path: Path) -> None:
    empty = feed(client)
    assert empty.tag == f"{ATOM}feed"
    assert empty.findall(f"{ATOM}entry") == []
    assert empty.findtext(f"{ATOM}updated") == "2024-07-23T09:00:00Z"  # the publication
    corrected(site, tmp_path)
    root = feed(client)
    assert root.tag == f"{ATOM}feed"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en-GB"
    for name in ("id", "title", "updated"):
        assert root.findtext(f"{ATOM}{name}"), name
    assert root.findtext(f"{ATOM}author/{ATOM}name")
    self_link = root.find(f"{ATOM}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href", "").endswith("/revisions.atom")
    assert self_link.get("type") == "application/atom+xml"
    [entry] = root.findall(f"{ATOM}entry")
    entry_id = entry.findtext(f"{ATOM}id") or ""
    assert entry_id.startswith("tag:127.0.0.1,2023-04-01:")
    assert entry_id.endswith(f"{BURY}/2023-24/2")
    assert entry.findtext(f"{ATOM}title") == (
        "Bury Metropolitan Borough Council, 2023-24: letter version 2"
    )
    updated = entry.findtext(f"{ATOM}updated") or ""
    assert updated == log(client)["revisions"][0]["released"]
    assert datetime.fromisoformat(updated).tzinfo is not None  # RFC 3339, with its zone
    assert root.findtext(f"{ATOM}updated") == updated
    alternate = entry.find(f"{ATOM}link[@rel='alternate']")
    assert alternate is not None
    assert (
        alternate.get("href")
        == f"http://127.0.0.1:8000/councils/{BURY}/2023-24/letter.html?version=2"
    )
    assert alternate.get("type") == "text/html"
    related = entry.find(f"{ATOM}link[@rel='related']")
    assert related is not None
    assert related.get("href") == f"http://127.0.0.1:8000/councils/{BURY}/2023-24"
    assert "Uphold rate: 50% → 75%" in (entry.findtext(f"{ATOM}content") or "")
    # The id stays the same when later revisions come.
    late_decisions(site, tmp_path, "M")
    write(site, tmp_path / "out", BURY, "--reason", "Another")
    approve(site)
    entries = feed(client).findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries][1] == entry_id
    assert len(entries) == 2


def test_drafts_never_appear_and_an_empty_log_says_so(
    site: Site, client: TestClient, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    write(site, out, BURY)
    approve(site)
    late_decisions(site, tmp_path)
    write(site, out, BURY, "--reason", "Not yet approved")
    for _ in range(2):  # the second time, from the pages kept
        assert log(client)["total"] == 0
        assert log(client)["revisions"] == []
        page = client.get("/revisions").text
        assert "No published letter has been revised." in page
        assert "Not yet approved" not in page
        assert feed(client).findall(f"{ATOM}entry") == []
    # Approving writes no new letter, yet the log follows at once.
    approve(site)
    assert [r["reason"] for r in log(client)["revisions"]] == ["Not yet approved"]


def test_a_letter_replaced_before_publication_is_never_a_revision(
    site: Site, client: TestClient, tmp_path: Path, clock: Clock
) -> None:
    # Both versions were approved before the year was published: only the second was public.
    published_on(site, "2030-07-23")
    clock.moment = datetime(2031, 1, 1, tzinfo=UTC)
    corrected(site, tmp_path)
    assert log(client)["total"] == 0
    assert client.get(f"/councils/{BURY}/2023-24/letter.pdf?version=1").status_code == 404
    assert client.get(f"/councils/{BURY}/2023-24/letter.pdf?version=2").status_code == 200


def test_an_embargoed_year_shows_nothing_until_it_is_published(
    site: Site, client: TestClient, tmp_path: Path
) -> None:
    corrected(site, tmp_path)
    assert log(client)["total"] == 1
    # Postponed under the running app: gone at once, from the page, the twin and the feed.
    published_on(site, "2025-07-23")
    found = log(client)
    assert (found["total"], found["revisions"], found["updated"]) == (0, [], None)
    for url in ("/revisions", "/revisions.json", "/revisions.atom"):
        body = client.get(url).text
        assert "Bury" not in body, url
        assert BURY not in body, url
        assert "2023-24" not in body, url
        assert "recount" not in body, url
    assert feed(client).findall(f"{ATOM}entry") == []
    assert client.get(f"/councils/{BURY}/2023-24/letter.pdf?version=1").status_code == 404
    # Brought forward again: back at once.
    published_on(site, "2024-07-23")
    assert [r["council"]["code"] for r in log(client)["revisions"]] == [BURY]
    assert len(feed(client).findall(f"{ATOM}entry")) == 1


def test_a_change_of_wording_alone_says_no_figure_changed(
    site: Site, client: TestClient, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    write(site, out, BOLTON)
    approve(site)
    contacts = write_csv(
        tmp_path / "contacts.csv",
        ["authority", "role", "name", "email", "title"],
        [[BOLTON, "chief_executive", "Sue Johnson", "sue.johnson@bolton.example", "Ms"]],
    )
    run(site, "import", "contacts", str(contacts))
    write(site, out, BOLTON, "--reason", "Addressed to the chief executive")
    approve(site)
    [item] = log(client)["revisions"]
    assert item["changes"] == []
    assert item["figures_recorded"] is True
    assert item["summary"] == NO_FIGURE_CHANGED
    assert "The letter&#39;s wording changed; no figure changed." in client.get("/revisions").text


@pytest.mark.parametrize("page", ["0", "-1", "x", "1.5", "10" * 15])
def test_a_bad_page_number_is_a_400_in_the_format_asked_for(client: TestClient, page: str) -> None:
    html = client.get("/revisions", params={"page": page})
    assert html.status_code == 400
    assert html.headers["content-type"].startswith("text/html")
    assert "page must be a whole number" in html.text
    twin = client.get("/revisions.json", params={"page": page})
    assert twin.status_code == 400
    assert "page must be a whole number" in twin.json()["detail"]
    # The feed is always the newest revisions.
    assert client.get("/revisions.atom", params={"page": page}).status_code == 200


def test_a_page_past_the_last_is_empty_and_says_so(
    site: Site, client: TestClient, tmp_path: Path
) -> None:
    corrected(site, tmp_path)
    assert log(client, "?page=2")["revisions"] == []
    assert log(client, "?page=2")["total"] == 1
    page = client.get("/revisions?page=2")
    assert page.status_code == 200
    assert "There is no page 2: the log has 1 page." in page.text
    assert client.get("/revisions.csv").status_code == 404


def test_the_log_is_paged_newest_first(site: Site, tmp_path: Path) -> None:
    corrected(site, tmp_path)
    late_decisions(site, tmp_path, "M")
    write(site, tmp_path / "out", BURY, "--reason", "Another")
    approve(site)
    first = revisions_page(site, site.publication(), 1, per_page=1)
    second = revisions_page(site, site.publication(), 2, per_page=1)
    assert (first["total"], first["pages"], second["page"]) == (2, 2, 2)
    assert [r["version"] for r in first["revisions"] + second["revisions"]] == [3, 2]
    assert first["revisions"][0]["reason"] == "Another"
    rate = first["revisions"][0]["changes"][0]
    assert (rate["field"], rate["before_text"], rate["after_text"]) == ("uphold_rate", "75%", "83%")


def test_the_site_links_to_the_log(site: Site, client: TestClient, tmp_path: Path) -> None:
    corrected(site, tmp_path)
    assert 'href="/revisions"' in client.get("/downloads").text
    assert 'href="/revisions.atom"' in client.get("/downloads").text
    council = client.get(f"/councils/{BURY}/2023-24").text
    assert 'href="/revisions"' in council
    assert "Revised on" in council


def test_what_changed_between_two_versions() -> None:
    def figures(value: int | None, similar: int, upheld: int, residents: int) -> dict[str, Any]:
        return {
            "received": 10,
            "decided": 8,
            "investigated": 4,
            "upheld": upheld,
            "statistics": {
                "uphold_rate": {
                    "value": value,
                    "numerator": upheld,
                    "denominator": 4,
                    "similar": similar,
                },
                "upheld_per_100k": {
                    "value": 1.5,
                    "numerator": upheld,
                    "denominator": residents,
                    "similar": 2.0,
                },
            },
        }

    found = changes(figures(50, 60, 2, 100_000), figures(None, 61, 2, 120_500))
    assert [c["text"] for c in found] == [
        "uphold rate 50% → n/a",
        "average uphold rate of similar authorities 60% → 61%",
        "residents 100,000 → 120,500",
    ]
    assert summary(found).startswith("Uphold rate 50% → n/a; average")
    assert summary([]) == NO_FIGURE_CHANGED
    assert changes({}, figures(1, 1, 1, 1)) == []
    assert summary([], recorded=False).startswith("The figures of the earlier version were not")


def test_the_first_version_shown_is_not_a_revision(site: Site, client: TestClient) -> None:
    write(site, site.config_folder.parent / "out", BURY)
    approve(site)
    assert log(client)["total"] == 0
    assert "Revised on" not in client.get(f"/councils/{BURY}/2023-24").text
