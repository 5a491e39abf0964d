"""Comparing councils side by side (/compare, its .json and .csv twins): the same figures as each
council's own page, a clear 400 or 404 for every choice that cannot be compared, in the format
asked for, and nothing of a year under embargo, even when its publication moves under a running
server."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from tests.test_web import AFTER, BEFORE, BURY, PUBLISHED, Clock, get_json
from upheld.core.catalogue import CATALOGUE
from upheld.register import builtin
from upheld.site import compare
from upheld.site.model import Site
from upheld.site.twins import without_charts
from upheld.store import engines
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app

BOLTON = "E08000001"
KENT = "E10000016"
CAMDEN = "E09000007"
NORTHAMPTON = "E07000154"  # abolished on 31 March 2021
NORTH_YORKSHIRE = "E06000065"  # created on 1 April 2023
CHOSEN = {
    2: [BURY, BOLTON],
    3: [BURY, BOLTON, KENT],
    4: [CAMDEN, KENT, BURY, BOLTON],
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    """A small demo: every council, 2019-20 to 2024-25."""
    folder = tmp_path_factory.mktemp("compare")
    return demo.build(folder, builtin(), DemoSpec(scale=0.05), say=lambda _text: None)


@pytest.fixture
def config(built: demo.Demo, tmp_path: Path) -> Path:
    """A copy of the demo's configuration that a test may edit under the running site."""
    folder = tmp_path / "config"
    shutil.copytree(built.config, folder)
    return folder


@pytest.fixture
def clock() -> Clock:
    return Clock(AFTER)


@pytest.fixture
def site(built: demo.Demo, config: Path, clock: Clock) -> Site:
    # Look for changes on every request, so that a test need not wait a second.
    return Site(engines.connect(built.url, read_only=True), config, now=clock, refresh_seconds=0)


@pytest.fixture
def client(site: Site) -> Iterator[TestClient]:
    with TestClient(create_app(site)) as test_client:
        yield test_client


def address(codes: list[str], year: str | None = "2023-24", fmt: str = "", **more: str) -> str:
    query = [("council", code) for code in codes]
    if year is not None:
        query.append(("year", year))
    query += list(more.items())
    return f"/compare{fmt}?{urlencode(query)}"


def csv_rows(client: TestClient, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.text[:300])
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def unescaped(html: str) -> str:
    return html.replace("&#39;", "'").replace("&amp;", "&").replace("&#34;", '"')


@pytest.mark.parametrize("count", sorted(CHOSEN))
def test_each_council_has_the_figures_of_its_own_page(client: TestClient, count: int) -> None:
    codes = CHOSEN[count]
    page = get_json(client, address(codes, fmt=".json"))
    assert page["chosen"] is True
    assert [c["code"] for c in page["councils"]] == codes
    html = client.get(address(codes))
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    text = unescaped(html.text)
    for council in page["councils"]:
        own = get_json(client, f"/councils/{council['code']}/2023-24.json")
        figures = own["figures"]
        sections = {s["name"]: s for s in own["statistics"]}
        assert council["name"] == own["council"]["name"]
        assert council["compared_with"] == own["compared_with"]
        assert council["received"] == figures["received"]
        assert council["investigated"] == figures["investigated"]
        for statistic in CATALOGUE:
            cell = council["figures"][statistic.key]
            assert cell["value"] == figures[statistic.key], statistic.key
            assert cell["interval"] == figures[f"{statistic.key}_interval"]
            assert cell["comparison"] == figures[f"{statistic.key}_comparison"]
            assert cell["similar"] == figures[statistic.similar_key]
            assert cell["text"] == sections[statistic.key]["value"]
            assert cell["similar_text"] == sections[statistic.key]["average"]
            if cell["likely"]:
                assert (
                    f"likely between {cell['likely'].replace(' to ', ' and ')}"
                    in (sections[statistic.key]["sure"])
                )
                assert f"likely {cell['likely']}" in text
            assert cell["text"] in text
            assert cell["base"] in text
        for area, row in figures["by_category"].items():
            cell = council["areas"][area]
            for key in ("received", "investigated", "upheld", "uphold_rate"):
                assert cell[key] == row[key], (area, key)
            assert cell["similar_uphold_rate"] == row["similar_uphold_rate"]
            assert cell["comparison"] == (
                row["uphold_rate_comparison"] if row["investigated"] else None
            )
        own_areas = {row["area"]: row for row in own["areas"]}
        assert {a: c["similar_text"] for a, c in council["areas"].items()} == {
            a: r["similar"] for a, r in own_areas.items()
        }
        # The trend: the council's figure and its average in every published year it has one.
        at = page["councils"].index(council)
        shown = {
            row["year"]: row["councils"][at]
            for row in next(t for t in page["trend"]["statistics"] if t["key"] == "uphold_rate")[
                "rows"
            ]
        }
        assert [y for y, cell in shown.items() if cell is not None] == [
            r["year"] for r in own["trend"]["years"]
        ]
        for row in own["trend"]["years"]:
            assert shown[row["year"]]["value"] == row["uphold_rate"]
            assert shown[row["year"]]["similar"] == row["similar_uphold_rate"]
    # Each average is the one its councils are compared with, and says who they are.
    for average in page["averages"]:
        for code in average["councils"]:
            council = next(c for c in page["councils"] if c["code"] == code)
            assert page["averages"][council["average"]] is average
            for statistic in CATALOGUE:
                assert (
                    average["figures"][statistic.key]["value"]
                    == council["figures"][statistic.key]["similar"]
                )
    # The CSV: a row for each council and statistic, the same figures.
    rows = csv_rows(client, address(codes, fmt=".csv"))
    assert len(rows) == count * len(CATALOGUE.keys)
    for row in rows:
        council = next(c for c in page["councils"] if c["code"] == row["code"])
        cell = council["figures"][row["statistic"]]
        assert row["text"] == cell["text"]
        assert row["value"] == ("" if cell["value"] is None else str(cell["value"]))
        assert row["comparison"] == (cell["comparison"] or "")
        assert row["interval_low"] == ("" if cell["interval"] is None else str(cell["interval"][0]))


def test_the_twin_is_the_builders_data(client: TestClient, site: Site) -> None:
    url = address([BURY, KENT], group="nearest", fmt=".json")
    twin = get_json(client, url)
    publication = site.publication()
    chosen = compare.choose(site, publication, [BURY, KENT], "2023-24", "nearest")
    built = compare.compare_page(site, publication, chosen)
    assert twin == json.loads(json.dumps(without_charts(built)))
    assert "chart" not in twin["trend"]
    # Nearest neighbours: each council has a group of its own, so an average of its own.
    assert len(twin["averages"]) == 2
    assert twin["same_average"] is False


def test_councils_of_different_types_are_said_to_have_different_averages(
    client: TestClient,
) -> None:
    mixed = get_json(client, address([BURY, BOLTON, KENT], fmt=".json"))
    assert [a["councils"] for a in mixed["averages"]] == [[BURY, BOLTON], [KENT]]
    assert mixed["same_average"] is False
    assert "compared with different similar authorities" in mixed["averages_note"]
    assert "Bury and Bolton with metropolitan boroughs" in mixed["averages_note"]
    html = unescaped(client.get(address([BURY, BOLTON, KENT])).text)
    assert mixed["averages_note"] in html
    same = get_json(client, address([BURY, BOLTON], fmt=".json"))
    assert same["same_average"] is True
    assert same["averages_note"].startswith("All 2 councils are compared with the same")


def test_names_redirect_to_codes(client: TestClient) -> None:
    # As the form sends it: names as written, the empty boxes too.
    query = "council=Bury&council=bolton-metropolitan-borough-council&council=&council=+"
    for fmt in ("", ".json", ".csv"):
        moved = client.get(f"/compare{fmt}?{query}&year=2023-24", follow_redirects=False)
        assert moved.status_code == 301, fmt
        assert moved.headers["location"] == address([BURY, BOLTON], fmt=fmt)
    lower = client.get(f"/compare?council={BURY.lower()}&council=Kent", follow_redirects=False)
    assert lower.headers["location"] == f"/compare?council={BURY}&council={KENT}"
    # The usual group is left out of the address; any other is kept.
    grouped = client.get(address([BURY, BOLTON], group="type"), follow_redirects=False)
    assert grouped.headers["location"] == address([BURY, BOLTON])
    assert client.get(address([BURY, BOLTON], group="region")).status_code == 200
    # Without a year, the latest published.
    assert get_json(client, address([BURY, BOLTON], year=None, fmt=".json"))["year"] == "2024-25"


def test_the_form_to_choose_councils(client: TestClient) -> None:
    blank = client.get("/compare")
    assert blank.status_code == 200
    assert '<form class="compare-form" method="get" action="/compare">' in blank.text
    assert blank.text.count('name="council"') == 4
    assert '<datalist id="council-names">' in blank.text
    assert '<option value="Bury Metropolitan Borough Council">' in blank.text
    twin = get_json(client, "/compare.json")
    assert twin["chosen"] is False
    assert twin["year"] == "2024-25"
    assert "Kent County Council" in twin["form"]["choices"]
    # From a council's page, the form starts with that council.
    council_page = client.get(f"/councils/{BURY}/2023-24").text
    link = f"/compare?with={BURY}&amp;year=2023-24"
    assert link in council_page
    started = client.get(unescaped(link))
    assert started.status_code == 200
    assert 'value="Bury Metropolitan Borough Council"' in started.text
    assert '<option value="2023-24" selected>' in started.text
    # And from the map.
    assert '<a href="/compare?year=2024-25">' in client.get("/").text


BAD = [
    ("one council", [BURY], {}, 400, "choose from 2 to 4 councils to compare; 1 council was given"),
    (
        "five councils",
        [BURY, BOLTON, KENT, CAMDEN, "E08000003"],
        {},
        400,
        "choose from 2 to 4 councils to compare; 5 councils were given",
    ),
    ("unknown council", [BURY, "Atlantis"], {}, 404, "There is no council called 'Atlantis'."),
    ("unknown code", [BURY, "E99999999"], {}, 404, "There is no council called 'E99999999'."),
    (
        "abolished before the year",
        [BURY, NORTHAMPTON],
        {},
        400,
        "Northampton Borough Council did not exist in 2023-24: it was abolished on 31 March 2021",
    ),
    (
        "created after the year",
        [BURY, NORTH_YORKSHIRE],
        {"year": "2021-22"},
        400,
        "North Yorkshire Council did not exist in 2021-22: it was created on 1 April 2023",
    ),
    (
        "the same council twice",
        [BURY, "Bury"],
        {},
        400,
        "Bury Metropolitan Borough Council is chosen twice",
    ),
    ("a year with no figures", [BURY, BOLTON], {"year": "2031-32"}, 404, "There is no such year."),
    ("not a year", [BURY, BOLTON], {"year": "next"}, 400, "year must be a review year"),
    ("an unknown group", [BURY, BOLTON], {"group": "moon"}, 400, "group must be one of"),
]


@pytest.mark.parametrize(
    ("codes", "more", "status", "message"),
    [case[1:] for case in BAD],
    ids=[case[0] for case in BAD],
)
def test_what_cannot_be_compared_is_refused_in_the_format_asked_for(
    client: TestClient, codes: list[str], more: dict[str, str], status: int, message: str
) -> None:
    query = [("council", c) for c in codes] + [("year", "2023-24")]
    query = [(k, v) for k, v in query if k not in more] + list(more.items())
    url = "/compare?" + urlencode(query)
    page = client.get(url)
    assert page.status_code == status, url
    assert page.headers["content-type"].startswith("text/html")
    text = unescaped(page.text)
    assert "There is a problem" in text
    assert message[:1].upper() + message[1:] in text
    # The form again, holding what was written, so it can be put right.
    assert '<form class="compare-form"' in text
    for written in codes[:4]:
        assert f'value="{written}"' in text
    twin = client.get(url.replace("/compare?", "/compare.json?"))
    assert twin.status_code == status
    assert message in twin.json()["detail"]
    table = client.get(url.replace("/compare?", "/compare.csv?"))
    assert table.status_code == status
    assert table.headers["content-type"].startswith("text/plain")
    assert message in table.text


def test_no_councils_is_the_form_but_no_csv(client: TestClient) -> None:
    assert client.get("/compare?council=&council=").status_code == 200
    table = client.get("/compare.csv")
    assert table.status_code == 400
    assert "choose from 2 to 4 councils" in table.text


def test_an_embargoed_year_is_refused_and_leaks_nothing(client: TestClient, clock: Clock) -> None:
    clock.moment = BEFORE
    for fmt in ("", ".json", ".csv"):
        embargoed = client.get(address([BURY, BOLTON], "2024-25", fmt))
        never = client.get(address([BURY, BOLTON], "2031-32", fmt))
        assert embargoed.status_code == never.status_code == 404, fmt
        assert embargoed.text == never.text.replace("2031-32", "2024-25"), fmt
    # Not by the form, the latest year, the trend, nor a council page's link.
    for url in [
        "/compare",
        "/compare.json",
        address([BURY, BOLTON], None),
        address([BURY, BOLTON], None, ".json"),
        address([BURY, KENT], "2022-23", ".json"),
        address([BURY, KENT], "2022-23", ".csv"),
        f"/compare?with={BURY}",
        address([BURY], "2024-25"),
        address([BURY, "Atlantis"], "2024-25"),
    ]:
        response = client.get(url)
        assert "2024-25" not in response.text, url
    assert get_json(client, address([BURY, BOLTON], None, ".json"))["year"] == "2023-24"
    clock.moment = PUBLISHED
    assert client.get(address([BURY, BOLTON], "2024-25")).status_code == 200
    trend = get_json(client, address([BURY, BOLTON], None, ".json"))["trend"]
    assert trend["years"][-1] == "2024-25"


def test_moving_a_publication_under_a_running_server(
    client: TestClient, config: Path, clock: Clock
) -> None:
    urls = [address([BURY, KENT], "2024-25", fmt) for fmt in ("", ".json", ".csv")]
    latest = address([BURY, KENT], None, ".json")
    clock.moment = PUBLISHED + timedelta(minutes=1)
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert get_json(client, latest)["year"] == "2024-25"
    path = config / "2024-25.toml"
    path.write_text(path.read_text().replace("date = 2025-07-23", "date = 2027-07-23"))
    for url in urls:
        assert client.get(url).status_code == 404, url
    page: Any = get_json(client, latest)
    assert page["year"] == "2023-24"
    assert "2024-25" not in json.dumps(page)
    # Brought forward again, it is there at once.
    path.write_text(path.read_text().replace("date = 2027-07-23", "date = 2025-07-22"))
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert get_json(client, latest)["year"] == "2024-25"


def test_every_field_is_documented() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "website.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Comparing councils") :]
    section = section[: section.index("\n## ", 1)]
    shapes: list[Any] = [
        compare.ComparePage,
        compare.ComparedCouncil,
        compare.FigureCell,
        compare.AreaCell,
        compare.SimilarAverage,
        compare.AverageFigure,
        compare.AreaAverage,
        compare.StatisticName,
        compare.Trend,
        compare.TrendTable,
        compare.TrendRow,
        compare.TrendCell,
        compare.CompareForm,
    ]
    for shape in shapes:
        for field in shape.__annotations__:
            if field == "chart":
                continue  # drawn charts are left out of the twin
            # Written `field`, `field[]` or `parent.field`.
            assert re.search(rf"[`.]{field}\b", section), (shape.__name__, field)
    for column in CSV_COLUMNS:
        assert f"`{column}`" in section, column


CSV_COLUMNS = [
    "year",
    "group",
    "code",
    "name",
    "type",
    "statistic",
    "label",
    "value",
    "text",
    "interval_low",
    "interval_high",
    "numerator",
    "denominator",
    "base",
    "compared_with",
    "similar",
    "comparison",
    "comparison_text",
]


def test_the_csv_has_the_documented_columns(client: TestClient) -> None:
    response = client.get(address([BURY, KENT], fmt=".csv"))
    assert response.text.splitlines()[0].split(",") == CSV_COLUMNS
