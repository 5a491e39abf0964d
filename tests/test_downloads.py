"""The open data downloads: every list of a published year in full, as CSV and XLSX with identical
columns, streamed, with the data dictionary, the licence and the citation; the lists' CSVs whole;
the embargo; and bad addresses answered in the format asked for."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from starlette.requests import Request
from starlette.responses import StreamingResponse

from tests.conftest import BACKENDS, fresh_database_url, website_engine, write_csv
from upheld.config import load_settings
from upheld.core.catalogue import CATALOGUE
from upheld.core.periods import ReviewYear
from upheld.core.publication import decision_cutoff
from upheld.core.vocabulary import OUTCOME_GROUPS, OUTCOMES
from upheld.errors import ConfigError
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.present.sheets import (
    CELL_LIMIT,
    CUT,
    Sheet,
    column_letter,
    csv_stream,
    csv_value,
    xlsx_stream,
)
from upheld.register import builtin
from upheld.search import refresh_index
from upheld.site.datasets import DATASETS, DICTIONARY
from upheld.site.datasets import KINDS as TYPES
from upheld.site.model import Site
from upheld.store import engines, schema
from upheld.synthetic import demo
from upheld.web import create_app
from upheld.web.downloads import DownloadRoutes
from upheld.web.render import Renderer

BURY, BOLTON, KENT = "E08000002", "E08000001", "E10000016"
COUNCILS = (BURY, BOLTON, KENT)
HOSTILE = '=HYPERLINK("http://evil.example","click")'
PUBLISHED = datetime(2024, 8, 1, 12, 0, tzinfo=UTC)
"""After 2023-24 is published (23 July 2024), before 2024-25 is (23 July 2025)."""
LATER = datetime(2025, 8, 1, 12, 0, tzinfo=UTC)
DELAY = 6
"""Months a decision waits: on 1 August 2024, decisions up to 1 February 2024 are due."""


class Clock:
    """A clock the tests can move."""

    def __init__(self) -> None:
        self.moment = PUBLISHED

    def __call__(self) -> datetime:
        return self.moment


def _cases() -> list[list[Any]]:
    """200 decisions of 2023-24 across three councils (every seventh not to be published, the
    latest inside the publication delay) and 20 of 2024-25."""
    rows = []
    start = date(2023, 4, 3)
    for n in range(220):
        days = n * 361 // 200 if n < 200 else 366 + (n - 200) * 10
        decided = start + timedelta(days=days)
        received = decided - timedelta(days=60)
        summary = HOSTILE if n == 3 else f"Decision {n}: the council delayed a repair."
        rows.append(
            [
                f"{decided.year % 100:02d}-{n:03d}",
                COUNCILS[n % 3],
                received.isoformat(),
                "Housing" if n % 2 else "Planning and development",
                decided.isoformat(),
                "upheld" if n % 3 else "not_upheld",
                summary,
                "no" if n % 7 == 0 else "yes",
            ]
        )
    return rows


CASES = _cases()


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, clock: Clock
) -> Iterator[Site]:
    """Two years of decisions; 120 improvements and 70 reports in 2023-24 (more than a page of
    either), a few in 2024-25; 2024-25 configured but not yet published. On each database: the
    rows are read from a server-side cursor on PostgreSQL."""
    folder = tmp_path_factory.mktemp("downloads")
    register = builtin()
    url = fresh_database_url(request.param, folder)
    engine = engines.connect(url)
    schema.upgrade(engine)
    header = [
        "reference",
        "authority",
        "received",
        "category",
        "decided",
        "outcome",
        "summary",
        "publish",
    ]
    in_2023 = [row for row in CASES if row[4] < "2024-04-01"]
    in_2024 = [row for row in CASES if row[4] >= "2024-04-01"]
    improvements = [[row[0], "2024-03-01", f"Train staff ({row[0]})"] for row in in_2023[:120]]
    improvements += [[row[0], "2024-12-01", f"Review ({row[0]})"] for row in in_2024[:5]]
    reports = [[row[0], "2024-03-02", f"Report on {row[0]}"] for row in in_2023[:70]]
    reports += [[row[0], "2024-12-02", f"Report on {row[0]}"] for row in in_2024[:5]]
    files: dict[str, tuple[Sequence[str], Sequence[Sequence[Any]]]] = {
        "cases": (header, CASES),
        "improvements": (["reference", "agreed", "description"], improvements),
        "reports": (["reference", "issued", "title"], reports),
    }
    for kind, (columns, rows) in files.items():
        path = write_csv(folder / f"{kind}.csv", columns, rows)
        import_files(engine, KINDS[kind], [path], register)
    with engine.begin() as connection:
        refresh_index(connection)
    config = folder / "config"
    demo.write_config(config, [ReviewYear(2023), ReviewYear(2024)])
    settings = config / "upheld.toml"
    settings.write_text(
        settings.read_text().replace("[web]\n", f"[web]\ndecision_delay_months = {DELAY}\n")
    )
    engine.dispose()
    # The website reads as it does in production: read-only, and on PostgreSQL, where CI gives
    # one, as a role that may only read.
    reader = website_engine(url)
    yield Site(reader, config, now=clock)
    reader.dispose()


@pytest.fixture
def client(site: Site, clock: Clock) -> Iterator[TestClient]:
    clock.moment = PUBLISHED
    with TestClient(create_app(site)) as test_client:
        yield test_client
    clock.moment = PUBLISHED


def published_decisions(moment: datetime = PUBLISHED) -> list[list[Any]]:
    """The decisions of 2023-24 published at a moment, worked out here from the rule itself."""
    cutoff = decision_cutoff(moment.date(), DELAY)
    return [
        row
        for row in CASES
        if row[7] == "yes" and "2023-04-01" <= row[4] < "2024-04-01" and row[4] <= str(cutoff)
    ]


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def read_xlsx(content: bytes) -> dict[str, list[list[Any]]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    found = {}
    for sheet in book.worksheets:
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        # A row read back ends at its last cell with a value: fill it out to the header's width.
        found[sheet.title] = [row + [None] * (len(rows[0]) - len(row)) for row in rows]
    return found


def as_written(value: Any) -> str:
    """A spreadsheet cell's value as the CSV writes it."""
    if isinstance(value, datetime):
        value = value.date()
    written = csv_value(value)
    return str(written)


# Identical columns, no truncation ----------------------------------------------------------


@pytest.mark.parametrize("name", list(DATASETS))
def test_csv_and_xlsx_have_the_same_columns_and_rows(client: TestClient, name: str) -> None:
    dataset = DATASETS[name]
    as_csv = client.get(f"/downloads/2023-24/{name}.csv")
    as_xlsx = client.get(f"/downloads/2023-24/{name}.xlsx")
    assert as_csv.status_code == as_xlsx.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert as_xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert as_xlsx.headers["content-disposition"] == f'attachment; filename="{name}-2023-24.xlsx"'
    lines = read_csv(as_csv.text)
    sheets = read_xlsx(as_xlsx.content)
    assert list(sheets) == [dataset.sheet, "Data dictionary", "About this data"]
    rows = sheets[dataset.sheet]
    assert lines[0] == rows[0] == dataset.header
    assert len(lines) == len(rows) > 1
    for line, row in zip(lines[1:], rows[1:], strict=True):
        assert line == [as_written(value) for value in row]
    about = dict(r for r in sheets["About this data"][1:] if r[0])
    assert about["Rows"] == len(rows) - 1
    assert about["Columns"] == len(dataset.header)
    assert [r[2] for r in sheets["Data dictionary"][1:]] == dataset.header


def test_every_list_is_whole(client: TestClient) -> None:
    decisions = read_csv(client.get("/downloads/2023-24/decisions.csv").text)
    expected = published_decisions()
    assert len(expected) > 100  # more than one page of the search, two of the lists
    newest_first = sorted(sorted(expected), key=lambda row: row[4], reverse=True)
    assert [line[0] for line in decisions[1:]] == [row[0] for row in newest_first]
    improvements = read_csv(client.get("/downloads/2023-24/improvements.csv").text)
    reports = read_csv(client.get("/downloads/2023-24/reports.csv").text)
    assert len(improvements) - 1 == 120
    assert len(reports) - 1 == 70
    # The lists' own CSVs are the whole list too, not the 50 of a page.
    assert len(read_csv(client.get("/improvements.csv").text)) - 1 == 120
    assert len(read_csv(client.get("/reports.csv?page=2").text)) - 1 == 70
    bury = read_csv(client.get(f"/improvements.csv?council={BURY}").text)
    assert len(bury) - 1 == 40
    assert {line[2] for line in bury[1:]} == {BURY}
    assert read_csv(client.get("/improvements.csv").text)[0] == DATASETS["improvements"].header
    searched = read_csv(client.get("/decisions.csv").text)
    assert searched[0] == DATASETS["decisions"].header
    assert sorted(searched[1:]) == sorted(decisions[1:])
    page = client.get("/decisions.json?per_page=100").json()
    assert page["total"] == len(expected)
    assert len(page["items"]) == 100


def test_the_statistics_agree_with_the_api(client: TestClient) -> None:
    api = client.get("/api/v1/years/2023-24/statistics").json()
    table = read_csv(client.get("/downloads/2023-24/statistics.csv").text)
    header, rows = table[0], [dict(zip(table[0], line, strict=True)) for line in table[1:]]
    assert [r["code"] for r in rows] == [a["code"] for a in api["authorities"]] + ["E92000001"]
    england = rows[-1]
    assert england["name"] == "England"
    assert england["decided"] == str(api["national"]["decided"])
    assert england["uphold_rate"] == str(api["national"]["uphold_rate"])
    for council in api["authorities"]:
        row = next(r for r in rows if r["code"] == council["code"])
        assert row["uphold_rate"] == as_written(council["uphold_rate"])
        assert row["decided_upheld"] == str(council["decided_by_outcome"]["upheld"])
    for statistic in CATALOGUE:
        assert {statistic.key, statistic.similar_key, f"{statistic.key}_comparison"} <= set(header)
    areas = read_csv(client.get("/downloads/2023-24/service-areas.csv").text)
    assert len(areas) - 1 == (len(rows)) * 9
    # The old address still gives the year's statistics, the same file.
    assert (
        client.get("/downloads/2023-24.csv").text
        == client.get("/downloads/2023-24/statistics.csv").text
    )


# The data dictionary, the licence and the citation -----------------------------------------


def test_the_data_dictionary_lists_every_column(client: TestClient) -> None:
    lines = read_csv(client.get("/downloads/data-dictionary.csv").text)
    assert lines[0] == DICTIONARY.header
    for dataset in (*DATASETS.values(), DICTIONARY):
        described = [line for line in lines[1:] if line[0] == dataset.name]
        assert [line[2] for line in described] == dataset.header, dataset.name
        assert [line[1] for line in described] == [str(n) for n in range(1, len(described) + 1)]
        assert all(line[3] in TYPES and line[4] for line in described), dataset.name
    sheets = read_xlsx(client.get("/downloads/data-dictionary.xlsx").content)
    assert [[as_written(v) for v in row] for row in sheets["Data dictionary"]] == lines
    twin = client.get("/downloads.json").json()["dictionary"]
    assert [d["name"] for d in twin["downloads"]] == [*DATASETS, DICTIONARY.name]
    for described in twin["downloads"]:
        dataset = DATASETS.get(described["name"], DICTIONARY)
        assert [c["name"] for c in described["columns"]] == dataset.header
    html = client.get("/downloads").text
    for line in lines[1:]:
        assert f"<code>{line[2]}</code>" in html


def test_the_licence_and_citation_are_shown_everywhere(client: TestClient) -> None:
    twin = client.get("/downloads.json").json()
    assert twin["licence"] == {
        "name": "Open Government Licence v3.0",
        "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    }
    year = twin["years"][0]
    assert year["citation"] == (
        "Local Government Ombudsman, Your council's performance: data for 2023-24, "
        "published 23 July 2024. http://127.0.0.1:8000/downloads"
    )
    html = client.get("/downloads").text
    assert "Open Government Licence v3.0" in html
    assert year["citation"].replace("'", "&#39;") in html
    about = dict(
        read_xlsx(client.get("/downloads/2023-24/reports.xlsx").content)["About this data"]
    )
    assert about["Licence"] == "Open Government Licence v3.0"
    assert about["How to cite"] == year["citation"]
    link = client.get("/downloads/2023-24/reports.csv").headers["link"]
    assert 'open-government-licence/version/3/>; rel="license"' in link
    assert '</downloads/data-dictionary.csv>; rel="describedby"' in link


def test_the_licence_and_citation_are_configurable(site: Site, tmp_path: Path) -> None:
    config = tmp_path / "config"
    demo.write_config(config, [ReviewYear(2023)])
    settings = config / "upheld.toml"
    settings.write_text(
        settings.read_text().replace(
            "[smtp]",
            'licence = "CC BY 4.0"\nlicence_url = "https://creativecommons.org/licenses/by/4.0/"\n'
            'citation = "{organisation} ({year}), {title}, {url}"\n\n[smtp]',
        )
    )
    other = Site(site.engine, config, now=lambda: PUBLISHED)
    with TestClient(create_app(other)) as client:
        twin = client.get("/downloads.json").json()
        assert twin["licence"]["name"] == "CC BY 4.0"
        assert twin["years"][0]["citation"] == (
            "Local Government Ombudsman (2023-24), Your council's performance, "
            "http://127.0.0.1:8000/downloads"
        )
        about = dict(
            read_xlsx(client.get("/downloads/2023-24/statistics.xlsx").content)["About this data"]
        )
        assert about["Licence"] == "CC BY 4.0"
        assert about["Licence address"] == "https://creativecommons.org/licenses/by/4.0/"
        assert "creativecommons.org" in client.get("/downloads/2023-24.csv").headers["link"]
    settings.write_text(settings.read_text().replace("{title}", "{website}"))
    with pytest.raises(ConfigError, match=r"citation: unknown placeholder \{website\}"):
        load_settings(config)
    settings.write_text(settings.read_text().replace("https://creativecommons", "creativecommons"))
    with pytest.raises(ConfigError):
        load_settings(config)


# The embargo --------------------------------------------------------------------------------


def test_an_unpublished_year_offers_nothing(client: TestClient, clock: Clock) -> None:
    twin = client.get("/downloads.json").json()
    assert [y["year"] for y in twin["years"]] == ["2023-24"]
    html = client.get("/downloads").text
    assert "2024-25" not in html, re.findall(".{80}2024-25.{80}", html)
    unknown = client.get("/downloads/2031-32/decisions.csv")
    for name in (*DATASETS, "nothing"):
        for fmt in ("csv", "xlsx", "json"):
            embargoed = client.get(f"/downloads/2024-25/{name}.{fmt}")
            assert embargoed.status_code == 404
            # Word for word as a year that does not exist: nothing about what it would hold.
            if fmt != "json":
                assert embargoed.text == unknown.text == "There is no such year."
    assert client.get("/downloads/2024-25.xlsx").status_code == 404
    # Its records are in no list's CSV either.
    for url in ("/improvements.csv", "/reports.csv", "/decisions.csv"):
        assert "2024-25" not in client.get(url).text, url
    clock.moment = LATER
    twin = client.get("/downloads.json").json()
    assert [y["year"] for y in twin["years"]] == ["2024-25", "2023-24"]
    for name in DATASETS:
        assert client.get(f"/downloads/2024-25/{name}.csv").status_code == 200
    assert len(read_csv(client.get("/downloads/2024-25/improvements.csv").text)) - 1 == 5


def test_decisions_inside_the_publication_delay_are_left_out(
    client: TestClient, clock: Clock
) -> None:
    every = {row[0] for row in CASES if "2023-04-01" <= row[4] < "2024-04-01"}
    due = {row[0] for row in published_decisions()}
    waiting = {row[0] for row in CASES if row[7] == "yes" and row[0] in every} - due
    never = {row[0] for row in CASES if row[7] == "no"}
    assert waiting
    assert never
    text = client.get("/downloads/2023-24/decisions.csv").text
    shown = {line[0] for line in read_csv(text)[1:]}
    assert shown == due
    assert not shown & (waiting | never)
    twin = client.get("/downloads.json").json()
    decisions = next(f for f in twin["years"][0]["files"] if f["name"] == "decisions")
    assert decisions["rows"] == len(due)
    # A month later, more are due; the file follows without anything being cleared.
    clock.moment = PUBLISHED + timedelta(days=31)
    later = {line[0] for line in read_csv(client.get("/downloads/2023-24/decisions.csv").text)[1:]}
    assert later == {row[0] for row in published_decisions(clock.moment)} > shown


# Bad addresses --------------------------------------------------------------------------------

BAD = [
    ("/improvements?per_page=500", 400, "text/html"),
    ("/improvements.json?per_page=0", 400, "application/json"),
    ("/improvements.csv?per_page=101", 400, "text/plain"),
    ("/reports.csv?page=0", 400, "text/plain"),
    ("/reports.json?page=x", 400, "application/json"),
    ("/improvements.csv?year=next", 400, "text/plain"),
    ("/decisions.csv?per_page=500", 400, "text/plain"),
    ("/decisions.csv?sort=sideways", 400, "text/plain"),
    ("/decisions.json?page=0", 400, "application/json"),
    ("/downloads/2031-32/decisions.csv", 404, "text/plain"),
    ("/downloads/2031-32/decisions.xlsx", 404, "text/plain"),
    ("/downloads/2023-24/nothing.csv", 404, "text/plain"),
    ("/downloads/2023-24/decisions.json", 404, "application/json"),
    ("/downloads/2023-24/decisions.pdf", 404, "text/html"),
    ("/downloads/2023-24/decisions", 404, "text/html"),
    ("/downloads/2031-32.xlsx", 404, "text/plain"),
    ("/downloads/next.csv", 404, "text/plain"),
    ("/downloads/2023-24.json", 404, "application/json"),
]


@pytest.mark.parametrize(("url", "status", "media"), BAD)
def test_bad_addresses_are_answered_in_the_format_asked_for(
    client: TestClient, url: str, status: int, media: str
) -> None:
    response = client.get(url)
    assert response.status_code == status, (url, response.text[:200])
    assert response.headers["content-type"].startswith(media), url
    if media == "application/json":
        assert response.json()["detail"]
    elif media == "text/plain":
        assert response.text
        assert "\n" not in response.text
    else:
        assert "<h1" in response.text


# Streaming ------------------------------------------------------------------------------------


# A download left part-way (the client went away) must close its database connection at once, not
# leave it to the garbage collector, which raises here.
@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_downloads_are_streamed(client: TestClient, site: Site) -> None:
    for url in (
        "/downloads/2023-24/decisions.csv",
        "/downloads/2023-24/decisions.xlsx",
        "/improvements.csv",
        "/decisions.csv",
    ):
        with client.stream("GET", url) as response:
            assert response.status_code == 200
            assert "content-length" not in response.headers, url  # sent as it is made
    routes = DownloadRoutes(site, Renderer(site))
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/downloads/2023-24/decisions.xlsx",
        "query_string": b"",
        "headers": [],
        "path_params": {"year": "2023-24", "file": "decisions.xlsx"},
    }
    assert isinstance(routes.year_download(Request(scope)), StreamingResponse)


def test_head_sends_the_headers_alone(client: TestClient) -> None:
    response = client.head("/downloads/2023-24/decisions.xlsx")
    assert response.status_code == 200
    assert response.content == b""
    assert response.headers["content-disposition"].endswith('.xlsx"')


def test_the_writers_send_rows_before_the_last_is_read() -> None:
    read = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal read
        for n in range(50_000):
            read += 1
            yield [n, f"row {n} " + "x" * 40, date(2024, 1, 1), n % 2 == 0, None]

    header = ["n", "text", "day", "even", "nothing"]
    first = next(csv_stream(header, rows()))
    assert first.startswith(b"n,text,day,even,nothing\n0,row 0")
    assert 0 < read < 50_000
    read = 0
    sheet = Sheet("Rows", header, rows)
    pieces = xlsx_stream([sheet])
    first = next(pieces)
    assert read < 50_000
    content = first + b"".join(pieces)
    assert read == 50_000
    book = load_workbook(io.BytesIO(content), read_only=True)
    rows_read = list(book["Rows"].iter_rows(values_only=True))
    assert len(rows_read) == 50_001
    assert rows_read[1][:4] == (0, "row 0 " + "x" * 40, datetime(2024, 1, 1), True)


def test_the_spreadsheet_never_holds_a_formula_and_always_opens() -> None:
    long = "y" * (CELL_LIMIT + 10)
    sheet = Sheet(
        "A [bad]: name/that is far too long for a sheet",
        ["text"],
        lambda: [[HOSTILE], ["bell\x07 and tab\tkept"], [long], ["<b>&amp;</b>"]],
    )
    content = b"".join(xlsx_stream([sheet]))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        assert archive.namelist()[0] == "[Content_Types].xml"
    book = load_workbook(io.BytesIO(content))
    (name,) = book.sheetnames
    assert len(name) <= 31
    assert not set(name) & set("[]:*?/\\")
    cells = [row[0] for row in book[name].iter_rows()]
    assert all(cell.data_type != "f" for cell in cells)
    assert [cell.value for cell in cells[1:2] + cells[2:3] + cells[4:5]] == [
        HOSTILE,
        "bell and tab\tkept",
        "<b>&amp;</b>",
    ]
    assert len(cells[3].value) == CELL_LIMIT
    assert cells[3].value.endswith(CUT)


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 51, 52, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]


def test_every_column_is_documented() -> None:
    docs = Path(__file__).parent.parent / "docs"
    website = (docs / "website.md").read_text(encoding="utf-8")
    methodology = (docs / "methodology.md").read_text(encoding="utf-8")
    keys = sorted(CATALOGUE.keys, key=len, reverse=True)
    outcomes = {f"decided_{t.key}": "decided_<outcome>" for t in OUTCOMES}
    groups = {f"decided_group_{t.key}": "decided_group_<group>" for t in OUTCOME_GROUPS}
    for name in DATASETS["statistics"].header:
        if name in CATALOGUE or name.removeprefix("similar_") in CATALOGUE:
            # A statistic and its average: the methodology's table of the catalogue.
            assert f"`{name.removeprefix('similar_')}`" in methodology, name
            continue
        generic = groups.get(name) or outcomes.get(name) or name
        generic = next((generic.replace(k, "<statistic>", 1) for k in keys if k in name), generic)
        part = generic.removeprefix("<statistic>_change")
        assert f"`{generic}`" in website or f"`{part}`" in website, name
    for dataset in list(DATASETS.values())[1:]:
        listed = ", ".join(f"`{name}`" for name in dataset.header)
        assert " ".join(listed.split()) in " ".join(website.split()), dataset.name
