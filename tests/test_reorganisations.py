"""Reorganised councils on the website: a new code is the same council, never "replaced by"
itself; no link leads to a page that does not exist; a stray record years after abolition makes
no page; a council under a new code shows its earlier years, marked as such."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.register import builtin
from upheld.site.model import Site
from upheld.store import engines
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app

BARNSLEY_OLD, BARNSLEY_NEW = "E08000016", "E08000038"  # a new code on 1 April 2025
NORTH_YORKSHIRE_CC = "E10000023"  # abolished on 31 March 2023
DORSET = "E06000059"  # took over from councils abolished before our first year
AFTER = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    """A small demo, with 2025-26 published: Barnsley under its new code, and a stray record
    for North Yorkshire County Council two years after it was abolished."""
    folder = tmp_path_factory.mktemp("reorganised")
    made = demo.build(folder, builtin(), DemoSpec(scale=0.05), say=lambda _text: None)
    text = (made.config / "2024-25.toml").read_text(encoding="utf-8")
    (made.config / "2025-26.toml").write_text(
        text.replace("2025-07-", "2026-07-").replace("2024-25", "2025-26"), encoding="utf-8"
    )
    rows = case_rows(BARNSLEY_NEW, {"upheld": 3, "not_upheld": 2}, year=2025)
    rows += case_rows(NORTH_YORKSHIRE_CC, {"upheld": 1}, year=2024, prefix="NYSTRAY")
    engine = engines.connect(made.url)
    try:
        import_files(
            engine, KINDS["cases"], [write_csv(folder / "more.csv", CASE_COLUMNS, rows)], builtin()
        )
    finally:
        engine.dispose()
    return made


@pytest.fixture(scope="module")
def client(built: demo.Demo) -> Iterator[TestClient]:
    site = Site(engines.connect(built.url, read_only=True), built.config, now=lambda: AFTER)
    with TestClient(create_app(site), raise_server_exceptions=True) as test_client:
        yield test_client


def _links(html: str) -> set[str]:
    return set(re.findall(r'href="(/councils/[A-Z0-9]+(?:/[0-9-]+)?)"', html))


def test_a_new_code_is_the_same_council_not_a_replacement(client: TestClient) -> None:
    old = client.get(f"/councils/{BARNSLEY_OLD}/2024-25").text
    assert "replaced by" not in old
    assert 'From <time datetime="2025-04-01">1 April 2025</time> this council has a new code' in old
    assert f'href="/councils/{BARNSLEY_NEW}/2025-26"' in old
    new = client.get(f"/councils/{BARNSLEY_NEW}/2025-26").text
    assert "took over from" not in new
    assert 'Until <time datetime="2025-03-31">31 March 2025</time> this council had the code' in new
    # Its earlier years are its own, under the former code, and say so.
    assert f'<a href="/councils/{BARNSLEY_OLD}/2024-25">2024-25</a>' in new
    assert re.search(rf"† 2024-25: [^<]*Under the council&#39;s former code, {BARNSLEY_OLD}\.", new)
    trend = client.get(f"/councils/{BARNSLEY_NEW}/2025-26.json").json()["trend"]["years"]
    assert [(row["year"], row["code"]) for row in trend][-2:] == [
        ("2024-25", BARNSLEY_OLD),
        ("2025-26", BARNSLEY_NEW),
    ]


def test_a_stray_record_years_after_abolition_makes_no_page(client: TestClient) -> None:
    assert client.get(f"/councils/{NORTH_YORKSHIRE_CC}/2023-24").status_code == 200
    assert client.get(f"/councils/{NORTH_YORKSHIRE_CC}/2024-25").status_code == 404
    assert client.get(f"/councils/{NORTH_YORKSHIRE_CC}/2024-25.json").status_code == 404
    latest = client.get(f"/councils/{NORTH_YORKSHIRE_CC}", follow_redirects=False)
    assert latest.headers["location"] == f"/councils/{NORTH_YORKSHIRE_CC}/2023-24"
    listed = client.get("/councils.json").json()["councils"]
    years = next(c["years"] for c in listed if c["code"] == NORTH_YORKSHIRE_CC)
    assert "2024-25" not in years


@pytest.mark.parametrize(
    "page", [f"/councils/{DORSET}/2024-25", f"/councils/{BARNSLEY_OLD}/2024-25", "/councils"]
)
def test_no_link_to_a_council_page_that_does_not_exist(client: TestClient, page: str) -> None:
    html = client.get(page).text
    assert "West Dorset District Council" in html or page != f"/councils/{DORSET}/2024-25"
    for link in sorted(_links(html)):
        answer = client.get(link, follow_redirects=True)
        assert answer.status_code == 200, (page, link)


def test_pages_say_dates_in_words(client: TestClient) -> None:
    html = client.get(f"/councils/{NORTH_YORKSHIRE_CC}/2023-24").text
    assert 'was abolished on <time datetime="2023-03-31">31 March 2023</time>' in html


def test_the_list_of_councils_says_a_new_code_is_not_an_abolition(client: TestClient) -> None:
    listed = {c["code"]: c for c in client.get("/councils.json").json()["councils"]}
    assert listed[BARNSLEY_OLD]["current"] is True
    assert listed[BARNSLEY_OLD]["new_code"] == BARNSLEY_NEW
    assert listed[NORTH_YORKSHIRE_CC]["current"] is False
    html = client.get("/councils").text
    assert f"(code {BARNSLEY_OLD} until" in html
    feeds = client.get("/feeds").text
    assert "Barnsley Metropolitan Borough Council<span" in feeds
    barnsley = feeds.split("Barnsley Metropolitan Borough Council<span", 1)[1].split("</li>", 1)[0]
    assert "abolished" not in barnsley
