"""The public website, in process: every route and its twins, the embargo, previews, privacy."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import BACKENDS, fresh_database_url, website_engine
from upheld.core.periods import ReviewYear
from upheld.core.publication import Publication
from upheld.register import builtin
from upheld.site import council, decisions, home, lists
from upheld.site.councils import councils_page
from upheld.site.downloads import downloads_page
from upheld.site.methodology import methodology_page
from upheld.site.model import Site, Year
from upheld.site.national import national_page
from upheld.site.twins import without_charts
from upheld.store import engines, schema
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app
from upheld.web.previews import preview_link

BURY = "E08000002"
PUBLISHED = datetime(2025, 7, 23, 9, 0, tzinfo=UTC)  # 10:00 UK summer time
BEFORE = PUBLISHED - timedelta(minutes=1)
AFTER = PUBLISHED + timedelta(days=120)


class Clock:
    """A clock the tests can move."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture(scope="module", params=BACKENDS)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    """A small demo: every council, 2019-20 to 2024-25, with the 2024-25 letters; on SQLite and
    PostgreSQL (where the website may read as a role that can only read)."""
    folder = tmp_path_factory.mktemp("web")
    url = fresh_database_url(request.param, folder) if request.param == "postgresql" else None
    return demo.build(folder, builtin(), DemoSpec(scale=0.05), say=lambda _text: None, url=url)


@pytest.fixture(scope="module")
def clock() -> Clock:
    return Clock(AFTER)


@pytest.fixture(scope="module")
def site(built: demo.Demo, clock: Clock) -> Site:
    return Site(website_engine(built.url), built.config, now=clock)


@pytest.fixture
def client(site: Site, clock: Clock) -> Iterator[TestClient]:
    clock.moment = AFTER
    with TestClient(create_app(site), raise_server_exceptions=True) as test_client:
        yield test_client
    clock.moment = AFTER


def get_json(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_every_page_answers_with_its_twins(client: TestClient) -> None:
    for url in [
        "/",
        "/?year=2022-23&statistic=compliance_rate&tier=lower",
        "/councils",
        "/councils?q=bury",
        f"/councils/{BURY}/2024-25",
        f"/councils/{BURY}/2019-20",
        "/national/2024-25",
        "/improvements",
        "/reports",
        "/decisions",
        "/decisions?q=care&sort=newest",
        "/downloads",
        "/api",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/html")
        assert "<title>" in response.text
        assert "<h1" in response.text
    for url in [
        "/index.json",
        "/councils.json",
        f"/councils/{BURY}/2024-25.json",
        "/national/2024-25.json",
        "/improvements.json",
        "/reports.json",
        "/decisions.json",
        "/downloads.json",
    ]:
        get_json(client, url)
    for url in [
        "/index.csv",
        "/councils.csv",
        "/improvements.csv",
        "/reports.csv",
        "/decisions.csv",
        "/national/2024-25.csv",
        "/downloads/2024-25.csv",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert rows, url


def test_council_page_json_is_the_page_data(client: TestClient, site: Site) -> None:
    twin = get_json(client, f"/councils/{BURY}/2024-25.json")
    year = site.published_year("2024-25")
    assert year is not None
    built = council.council_page(site, site.publication(), BURY, year)
    assert twin == json.loads(json.dumps(without_charts(built)))
    html = client.get(f"/councils/{BURY}/2024-25").text
    assert twin["council"]["name"] in html
    for stat in twin["statistics"]:
        assert stat["basis"] in html.replace("&#39;", "'")
        assert stat["value"] in html
    assert twin["figures"]["investigated"] == sum(
        int(row[-1]) for row in twin["decisions"]["rows"] if row[1] in ("Upheld", "Not upheld")
    )
    assert [y["year"] for y in twin["letters"]] == ["2024-25"]
    assert twin["letters"][0]["formats"] == ["pdf", "html"]


TWINS: dict[str, tuple[str, Callable[[Site, Publication], Any]]] = {
    "home": (
        "/index.json?year=2023-24&statistic=compliance_rate&tier=lower",
        lambda site, public: home.home_page(
            site, public, year_of(site, "2023-24"), "compliance_rate", "lower"
        ),
    ),
    "councils": ("/councils.json?q=bury", lambda site, public: councils_page(site, public, "bury")),
    "council": (
        f"/councils/{BURY}/2023-24.json",
        lambda site, public: council.council_page(site, public, BURY, year_of(site, "2023-24")),
    ),
    "national": (
        "/national/2023-24.json",
        lambda site, public: national_page(site, public, year_of(site, "2023-24")),
    ),
    "improvements": (
        "/improvements.json?page=2",
        lambda site, public: lists.list_page(site, public, "improvements", NO_FILTERS, 2),
    ),
    "reports": (
        "/reports.json?status=public_interest",
        lambda site, public: lists.list_page(
            site, public, "reports", NO_FILTERS | {"status": "public_interest"}, 1
        ),
    ),
    "decisions": (
        "/decisions.json?q=care&outcome=upheld&sort=newest",
        lambda site, public: decisions.decisions_page(
            site, public, decisions.decision_query(text="care", outcomes=["upheld"], sort="newest")
        ),
    ),
    "downloads": ("/downloads.json", downloads_page),
    "methodology": ("/methodology.json", lambda site, public: methodology_page()),
}
NO_FILTERS: lists.Filters = {"council": None, "category": None, "year": None, "status": None}


def year_of(site: Site, label: str) -> Year:
    found = site.published_year(label)
    assert found is not None
    return found


@pytest.mark.parametrize("name", TWINS)
def test_every_twin_is_its_builders_data(client: TestClient, site: Site, name: str) -> None:
    url, build = TWINS[name]
    twin = get_json(client, url)
    assert twin == json.loads(json.dumps(without_charts(build(site, site.publication()))))
    assert twin, name


def test_home_map_has_every_council_of_the_tier(client: TestClient) -> None:
    data = get_json(client, "/index.json?year=2024-25&tier=lower")
    assert len(data["councils"]) == 296
    html = client.get("/?year=2024-25&tier=lower").text
    assert html.count('class="hex-link"') == 296
    upper = get_json(client, "/index.json?year=2019-20&tier=upper")
    assert len(upper["councils"]) == 151


def test_stable_urls_by_code_and_name(client: TestClient) -> None:
    by_slug = client.get("/councils/bury-metropolitan-borough-council", follow_redirects=False)
    assert (by_slug.status_code, by_slug.headers["location"]) == (301, f"/councils/{BURY}")
    latest = client.get(f"/councils/{BURY}", follow_redirects=False)
    assert (latest.status_code, latest.headers["location"]) == (302, f"/councils/{BURY}/2024-25")
    lower = client.get("/councils/e08000002/2023-24", follow_redirects=False)
    assert lower.headers["location"] == f"/councils/{BURY}/2023-24"


def test_letters_are_served(client: TestClient, built: demo.Demo) -> None:
    pdf = client.get(f"/councils/{BURY}/2024-25/letter.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content == (built.letters / f"{BURY}-2024-25.pdf").read_bytes()
    html = client.get(f"/councils/{BURY}/2024-25/letter.html")
    assert "Annual Review letter 2025" in html.text
    assert client.get(f"/councils/{BURY}/2023-24/letter.pdf").status_code == 404


def test_not_found_pages(client: TestClient) -> None:
    for url in [
        "/councils/E99999999",
        "/councils/E08000002/2031-32",
        "/national/2031-32",
        "/decisions/NOPE",
        "/nowhere",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.text
        # A sentence, never the framework's bare "Not Found" run into the next one.
        assert "Not Found" not in response.text, url
    assert "There is no page at this address. If you typed" in client.get("/nowhere").text
    # A missing file is answered in the format asked for: a line of text, not a page.
    download = client.get("/downloads/2031-32.csv")
    assert download.status_code == 404
    assert download.headers["content-type"].startswith("text/plain")
    assert download.text == "There is no such year."
    missing = client.get("/api/v1/years/2031-32/statistics")
    assert missing.status_code == 404
    assert missing.json()["detail"]


EMBARGOED = [
    "/?year=2024-25",
    "/index.json?year=2024-25",
    f"/councils/{BURY}/2024-25",
    f"/councils/{BURY}/2024-25.json",
    f"/councils/{BURY}/2024-25/letter.pdf",
    f"/councils/{BURY}/2024-25/letter.html",
    "/national/2024-25",
    "/national/2024-25.json",
    "/downloads/2024-25.csv",
    "/downloads/2024-25.xlsx",
    "/api/v1/years/2024-25/statistics",
    f"/api/v1/councils/{BURY}/2024-25",
    "/api/v1/national/2024-25",
]


def test_embargo_hides_the_year_everywhere_until_publication(
    client: TestClient, clock: Clock
) -> None:
    clock.moment = BEFORE
    for url in EMBARGOED:
        assert client.get(url).status_code == 404, url
    years = [y["year"] for y in get_json(client, "/api/v1/years")]
    assert "2024-25" not in years
    assert years[0] == "2023-24"
    assert get_json(client, "/index.json")["year"] == "2023-24"
    assert "2024-25" not in client.get("/").text
    assert "2024-25" not in client.get("/downloads").text
    councils = get_json(client, "/councils.json")["councils"]
    assert all("2024-25" not in c["years"] for c in councils)
    assert (
        client.get(f"/councils/{BURY}", follow_redirects=False)
        .headers["location"]
        .endswith("2023-24")
    )
    clock.moment = PUBLISHED
    for url in EMBARGOED:
        assert client.get(url).status_code == 200, url


def test_preview_link_shows_one_council_its_own_page(
    client: TestClient, clock: Clock, site: Site
) -> None:
    clock.moment = BEFORE
    secret = site.settings.web.secret_key
    assert secret
    link = preview_link("http://testserver", secret, BURY, ReviewYear(2024))
    token = link.split("preview=")[1]
    page = client.get(link)
    assert page.status_code == 200
    assert "Preview, not yet published" in page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert client.get(f"/councils/{BURY}/2024-25.json?preview={token}").status_code == 200
    assert client.get(f"/councils/{BURY}/2024-25/letter.pdf?preview={token}").status_code == 200
    # Nothing else: not another council, not another year, not national figures, not the API.
    for url in [
        f"/councils/E08000001/2024-25?preview={token}",
        f"/national/2024-25?preview={token}",
        f"/?year=2024-25&preview={token}",
        f"/api/v1/councils/{BURY}/2024-25?preview={token}",
        f"/downloads/2024-25.csv?preview={token}",
    ]:
        assert client.get(url).status_code == 404, url
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/councils/{BURY}/2024-25?preview={forged}").status_code == 404
    assert client.get(f"/councils/{BURY}/2024-25?preview=nonsense").status_code == 404


def test_expired_preview_is_refused(
    client: TestClient, clock: Clock, site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    clock.moment = BEFORE
    secret = site.settings.web.secret_key
    assert secret
    real_time = time.time
    # itsdangerous stamps tokens with time.time(): sign one fifteen days ago.
    monkeypatch.setattr(time, "time", lambda: real_time() - 15 * 86400)
    link = preview_link("http://testserver", secret, BURY, ReviewYear(2024))
    monkeypatch.setattr(time, "time", real_time)
    assert client.get(link).status_code == 404


def test_complainants_never_appear(client: TestClient, built: demo.Demo) -> None:
    engine = engines.connect(built.url)
    with engine.connect() as connection:
        names = {
            name
            for (name,) in connection.execute(select(schema.cases.c.complainant).limit(2000))
            if name
        }
        references = [
            ref
            for (ref,) in connection.execute(
                select(schema.cases.c.reference).where(schema.cases.c.publish.is_(True)).limit(5)
            )
        ]
    assert names
    bodies = []
    for url in [
        "/decisions.json?per_page=100",
        "/decisions.csv?per_page=100",
        "/decisions?per_page=100",
        "/improvements.json",
        "/reports.json",
        f"/councils/{BURY}/2024-25.json",
        "/downloads/2024-25.csv",
    ]:
        bodies.append(client.get(url).text)
    bodies += [client.get(f"/decisions/{ref}.json").text for ref in references]
    api = client.get("/api/v1/decisions?per_page=100").text
    bodies.append(api)
    text = "\n".join(bodies)
    assert '"complainant"' not in text  # never a field of any record
    assert "complainant," not in bodies[1].splitlines()[0]  # nor a CSV column
    for name in names:
        assert name not in text, name


def test_unpublishable_and_recent_decisions_stay_hidden(
    client: TestClient, clock: Clock, built: demo.Demo
) -> None:
    engine = engines.connect(built.url)
    with engine.connect() as connection:
        hidden = connection.execute(
            select(schema.cases.c.reference).where(
                schema.cases.c.publish.is_(False), schema.cases.c.decided.is_not(None)
            )
        ).scalar()
        recent = connection.execute(
            select(schema.cases.c.reference, schema.cases.c.decided)
            .where(schema.cases.c.publish.is_(True), schema.cases.c.decided.is_not(None))
            .order_by(schema.cases.c.decided.desc())
        ).first()
    assert hidden is not None
    assert recent is not None
    assert client.get(f"/decisions/{hidden}").status_code == 404
    assert client.get(f"/decisions/{hidden}.json").status_code == 404
    reference, decided = recent
    clock.moment = datetime.combine(decided + timedelta(days=60), datetime.min.time(), UTC)
    assert client.get(f"/decisions/{reference}").status_code == 404
    # Due, but 2024-25 is not yet published: its decisions wait for its figures.
    clock.moment = datetime.combine(decided + timedelta(days=95), datetime.min.time(), UTC)
    assert clock.moment < PUBLISHED
    assert client.get(f"/decisions/{reference}").status_code == 404
    clock.moment = PUBLISHED
    assert client.get(f"/decisions/{reference}").status_code == 200


def test_openapi_describes_the_api(client: TestClient) -> None:
    spec = get_json(client, "/api/v1/openapi.json")
    assert spec["openapi"].startswith("3.")
    assert {
        "/api/v1/years",
        "/api/v1/years/{year}/statistics",
        "/api/v1/councils",
        "/api/v1/councils/{code}/{year}",
        "/api/v1/national/{year}",
        "/api/v1/decisions",
        "/api/v1/decisions/{reference}",
        "/api/v1/improvements",
        "/api/v1/reports",
    } <= set(spec["paths"])
    assert not any(path.startswith("/councils") for path in spec["paths"])
    page = client.get("/api").text
    assert "/api/v1/years/{year}/statistics" in page
    # The descriptions' Markdown is read, not shown: `code` becomes <code>, no stray backticks.
    assert "<code>" in page.split("<h2", 1)[1]
    assert "`" not in page


def test_statistics_api_is_the_stats_contract(client: TestClient) -> None:
    data = get_json(client, "/api/v1/years/2024-25/statistics")
    assert data["year"] == "2024-25"
    assert {"authorities", "averages", "national", "period", "average_method"} <= set(data)
    bury = next(a for a in data["authorities"] if a["code"] == BURY)
    council = get_json(client, f"/api/v1/councils/{BURY}/2024-25")
    assert council["figures"]["uphold_rate"] == bury["uphold_rate"]
    assert council["figures"]["similar_uphold_rate"] == bury["similar_uphold_rate"]


def test_xlsx_download(client: TestClient) -> None:
    from openpyxl import load_workbook

    response = client.get("/downloads/2023-24.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["Statistics", "Data dictionary", "About this data"]
    rows = list(book["Statistics"].iter_rows(values_only=True))
    assert rows[0][:2] == ("year", "code")
    assert len(rows) > 317
    # The spreadsheet, the CSV and the statistics agree on each council's interval and comparison.
    header = list(rows[0])
    sheet = {row[1]: dict(zip(header, row, strict=False)) for row in rows[1:]}
    table = list(csv.DictReader(io.StringIO(client.get("/downloads/2023-24.csv").text)))
    assert list(table[0]) == header
    stats = get_json(client, "/api/v1/years/2023-24/statistics")["authorities"]
    for each in stats:
        row, line = sheet[each["code"]], next(r for r in table if r["code"] == each["code"])
        interval = each["uphold_rate_interval"] or [None, None]
        assert [row["uphold_rate_interval_low"], row["uphold_rate_interval_high"]] == interval
        assert line["uphold_rate_interval_low"] == ("" if interval[0] is None else str(interval[0]))
        assert row["uphold_rate_comparison"] == each["uphold_rate_comparison"]
        change = each["uphold_rate_change"]
        assert row["uphold_rate_change_beyond_chance"] == (change and change["beyond_chance"])


def test_register_filters_and_pages(client: TestClient) -> None:
    everything = get_json(client, "/improvements.json")
    assert everything["total"] > 50
    assert len(everything["items"]) == 50
    second = get_json(client, "/improvements.json?page=2")
    assert second["items"][0] != everything["items"][0]
    council = everything["items"][0]["council"]["code"]
    filtered = get_json(client, f"/improvements.json?council={council}")
    assert filtered["total"] >= 1
    assert all(item["council"]["code"] == council for item in filtered["items"])
    option = next(o for o in everything["options"]["council"] if o["value"] == council)
    assert option["count"] == filtered["total"]
    reports = get_json(client, "/reports.json?status=public_interest")
    assert all(item["kind"] == "public_interest" for item in reports["items"])


def test_decision_search_pages(client: TestClient) -> None:
    found = get_json(client, "/decisions.json?q=care&per_page=5")
    assert found["total"] > 0
    assert len(found["items"]) <= 5
    first = found["items"][0]["reference"]
    page = client.get(f"/decisions/{first}")
    assert page.status_code == 200
    facets = found["facets"]
    assert set(facets) == {"council", "category", "outcome", "year", "remedy"}
    category = facets["category"][0]
    narrowed = get_json(client, f"/decisions.json?q=care&category={category['value']}")
    assert narrowed["total"] == category["count"]


def test_breaks_in_the_series_are_marked_on_trends(client: TestClient) -> None:
    from upheld.breaks import series_breaks

    marked = {b.year.label: b.note for b in series_breaks()}
    assert {"2020-21", "2022-23", "2024-25"} <= set(marked)
    twin = get_json(client, f"/councils/{BURY}/2024-25.json")
    assert twin["trend"]["notes"] == {y: n for y, n in marked.items() if y <= "2024-25"}
    page = client.get(f"/councils/{BURY}/2024-25").text
    assert "Note for 2020-21: Casework paused" in page  # in each trend chart's description
    assert f"† 2020-21: {marked['2020-21']}" in page
    national = client.get("/national/2024-25").text
    assert "† 2022-23:" in national


def test_every_figure_links_to_its_definition(client: TestClient) -> None:
    from upheld.core.catalogue import CATALOGUE

    council_page = client.get(f"/councils/{BURY}/2024-25").text
    methodology = client.get("/methodology").text
    for statistic in CATALOGUE:
        assert f'href="/methodology#{statistic.key}"' in council_page, statistic.key
        assert f'id="{statistic.key}"' in methodology, statistic.key
        assert statistic.definition in methodology.replace("&#39;", "'")
    for heading in (
        "The average of similar authorities",
        "Peer groups",
        "How sure a figure is",
        "Comparing with similar authorities",
        "Change from the year before",
        "Service areas",
        "When figures are published",
        "Breaks in the series",
        "Population",
    ):
        assert heading in methodology
    # The page the funnel plots and the map's key send readers to is there.
    assert 'id="comparing-with-similar-authorities"' in methodology
    assert "register.md" not in methodology  # links between the docs read as plain words


def test_the_map_never_colours_a_handful_of_cases_as_a_difference(client: TestClient) -> None:
    from upheld.core.catalogue import CATALOGUE

    differences = {"better", "worse", "much-better", "much-worse", "higher", "lower"}
    seen_bands: set[str] = set()
    for statistic in CATALOGUE:
        for tier in ("upper", "lower"):
            rows = get_json(client, f"/index.json?statistic={statistic.key}&tier={tier}")[
                "councils"
            ]
            for row in rows:
                seen_bands.add(row["band"])
                if row["base"] < 5 and statistic.unit.suffix == "%":
                    assert row["band"] in ("too-few", "none"), (statistic.key, row)
                if row["band"] in differences:
                    assert row["comparison"] not in ("within", "too_few", None), row
    assert "too-few" in seen_bands
    assert "within" in seen_bands


@pytest.mark.parametrize(
    ("statistic", "comparison", "band"),
    [
        ("uphold_rate", "above", "worse"),
        ("uphold_rate", "well_below", "much-better"),
        ("compliance_rate", "above", "better"),
        ("compliance_rate", "well_below", "much-worse"),
        ("uphold_rate", "within", "within"),
        ("uphold_rate", "too_few", "too-few"),
        ("uphold_rate", None, "none"),
    ],
)
def test_a_colour_says_better_or_worse_whichever_way_is_better(
    statistic: str, comparison: Any, band: str
) -> None:
    from upheld.core.catalogue import CATALOGUE

    assert home.band(CATALOGUE[statistic], comparison) == band


def test_national_funnel_plots_agree_with_the_statistics(client: TestClient) -> None:
    import re

    from upheld.core.catalogue import CATALOGUE

    for statistic in CATALOGUE:
        page = client.get(f"/national/2024-25?statistic={statistic.key}")
        assert page.status_code == 200, statistic.key
        data = get_json(client, f"/national/2024-25.json?statistic={statistic.key}")
        plots = data["funnels"]
        assert [p["compared"] for p in plots] == [
            "county councils",
            "district councils",
            "metropolitan boroughs",
            "unitary councils",
            "London boroughs",
        ]
        assert len(re.findall(r'<svg [^>]*class="funnel"', page.text)) == len(plots)
        assert all("chart" not in plot for plot in plots)  # the twin is data, not drawings
        # Every council in a plot is a link to its page, named in words, and a row of a table.
        links = re.findall(
            r'<a class="funnel-link" href="/councils/(E\d{8})/2024-25" aria-label', page.text
        )
        rows = [row for plot in plots for row in plot["rows"]]
        assert sorted(links) == sorted(row["code"] for row in rows)
        # Each point's comparison is the one the statistics give the council.
        stats = get_json(client, "/api/v1/years/2024-25/statistics")
        given = {a["code"]: a[f"{statistic.key}_comparison"] for a in stats["authorities"]}
        for row in rows:
            assert row["comparison"] == given[row["code"]], (statistic.key, row)
    assert client.get("/national/2024-25?statistic=nonsense").status_code == 400


def test_a_council_page_rings_the_council_among_its_peers(client: TestClient) -> None:
    data = get_json(client, f"/councils/{BURY}/2024-25.json?funnel=compliance_rate")
    plot = data["funnel"]
    assert plot["key"] == "compliance_rate"
    assert [r["code"] for r in plot["rows"] if r["highlight"]] == [BURY]
    assert len(plot["rows"]) <= data["figures"]["similar_councils"]
    page = client.get(f"/councils/{BURY}/2024-25?funnel=compliance_rate").text
    assert f'class="funnel-point funnel-highlight" data-code="{BURY}"' in page
    # Another peer group draws other peers: the 15 metropolitan boroughs nearest in population.
    nearest = get_json(client, f"/councils/{BURY}/2024-25.json?group=nearest")["funnel"]
    assert len(nearest["rows"]) <= 15
    assert BURY in {r["code"] for r in nearest["rows"]}
    assert client.get(f"/councils/{BURY}/2024-25?funnel=nonsense").status_code == 400


def test_a_preview_never_shows_other_councils_figures(
    client: TestClient, clock: Clock, site: Site
) -> None:
    import re

    clock.moment = BEFORE
    secret = site.settings.web.secret_key
    assert secret
    link = preview_link("http://testserver", secret, BURY, ReviewYear(2024))
    page = client.get(link).text
    assert not re.search(r'<svg [^>]*class="funnel"', page)
    assert set(re.findall(r"/councils/(E\d{8})/2024-25", page)) <= {BURY}
    token = link.split("preview=")[1]
    assert get_json(client, f"/councils/{BURY}/2024-25.json?preview={token}")["funnel"] is None


def test_council_pages_say_how_sure_and_never_higher_when_in_line(
    client: TestClient, site: Site
) -> None:
    from upheld.core.catalogue import CATALOGUE

    year = year_of(site, "2024-25")
    figures = site.figures(year.year)
    seen = set()
    # The councils with the most cases (most likely compared) and some of the rest.
    by_size = sorted(figures.counts, key=lambda c: (-figures.counts[c].investigated, c))
    for code in by_size[:12] + by_size[12::25]:
        data = get_json(client, f"/councils/{code}/2024-25.json")
        for section in data["statistics"]:
            statistic = CATALOGUE[section["name"]]
            judged = data["figures"][f"{statistic.key}_comparison"]
            seen.add(judged)
            if judged in ("within", "too_few"):
                assert "higher than" not in section["comparison"], (code, section)
                assert "lower than" not in section["comparison"], (code, section)
            if judged == "within":
                assert (
                    "in line with similar authorities, given the number of cases"
                    in (section["comparison"])
                )
            if judged == "too_few":
                assert "too few cases" in section["comparison"]
            if data["figures"][statistic.key] is not None:
                assert "likely between" in section["sure"], (code, section)
    assert {"within", "too_few"} <= seen


def test_service_areas_say_their_range_and_comparison(client: TestClient) -> None:
    from upheld.core.judgement import IN_SHORT

    data = get_json(client, f"/councils/{BURY}/2024-25.json")
    areas = {row["area"]: row for row in data["areas"]}
    assert list(areas) == list(data["figures"]["by_category"])
    for name, figures in data["figures"]["by_category"].items():
        row = areas[name]
        if figures["investigated"] == 0:
            assert (row["likely"], row["compared"]) == ("", "")
            continue
        low, high = figures["uphold_rate_interval"]
        assert row["likely"] == f"{int(low)}% to {-int(-high // 1)}%"
        assert row["compared"] == IN_SHORT[figures["uphold_rate_comparison"]]
        if figures["investigated"] < 5:
            assert row["compared"] == "Too few to compare"
