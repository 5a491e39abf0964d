"""The table under the map, in process: sorted by any column (?sort=&order=), with its base and
comparison in words, "worst first" one click from the map, and bad choices refused with a 400 in
the format asked for."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from upheld.core.catalogue import CATALOGUE
from upheld.register import builtin
from upheld.site import home
from upheld.site.model import Site
from upheld.store import engines
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A small demo (every council, 2019-20 to 2024-25), every year published."""
    folder = tmp_path_factory.mktemp("map-table")
    built = demo.build(folder, builtin(), DemoSpec(scale=0.05), say=lambda _text: None)
    site = Site(engines.connect(built.url, read_only=True), built.config)
    with TestClient(create_app(site), raise_server_exceptions=True) as test_client:
        yield test_client


def rows_of(client: TestClient, query: str) -> list[dict[str, Any]]:
    response = client.get(f"/index.json?year=2024-25&{query}")
    assert response.status_code == 200, response.text[:300]
    found: list[dict[str, Any]] = response.json()["councils"]
    return found


def judged(row: dict[str, Any]) -> bool:
    """Whether a row's figure can be compared: it has one, from enough cases."""
    return row["value"] is not None and row["comparison"] not in (None, "too_few")


@pytest.mark.parametrize("order", home.ORDERS)
@pytest.mark.parametrize("sort", home.SORTS)
def test_the_table_sorts_by_every_column(client: TestClient, sort: str, order: str) -> None:
    rows = rows_of(client, f"sort={sort}&order={order}&statistic=compliance_rate")
    unsorted = rows_of(client, "statistic=compliance_rate")
    assert sorted(r["code"] for r in rows) == sorted(r["code"] for r in unsorted)
    assert rows == home.sort_rows(cast(list[home.MapRow], unsorted), sort, order)
    backwards = order == "desc"
    if sort == "council":
        names = [r["name"].lower() for r in rows]
        assert names == sorted(names, reverse=backwards)
    if sort in ("value", "comparison"):
        # Figures that can be judged come first, in order; too few cases next; no figure last.
        kinds = [0 if judged(r) else (1 if r["value"] is not None else 2) for r in rows]
        assert kinds == sorted(kinds)
        values = [r["value"] for r in rows if judged(r)]
        if sort == "value":
            assert values == sorted(values, reverse=backwards)
    if sort == "base":
        bases = [r["base"] for r in rows]
        assert bases == sorted(bases, reverse=backwards)


def test_ties_stay_a_to_z_whichever_way(client: TestClient) -> None:
    for order in home.ORDERS:
        rows = rows_of(client, f"sort=base&order={order}")
        for a, b in itertools.pairwise(rows):
            if a["base"] == b["base"]:
                assert a["name"].lower() <= b["name"].lower()


@pytest.mark.parametrize(
    ("statistic", "worse"), [(s.key, "desc" if s.better == "lower" else "asc") for s in CATALOGUE]
)
def test_worst_first_is_one_click_from_the_map(
    client: TestClient, statistic: str, worse: str
) -> None:
    html = client.get(f"/?year=2024-25&statistic={statistic}").text
    links = re.findall(r'<a href="([^"]+)"[^>]*>Worst first', html)
    assert links, "a worst-first link beside the table"
    assert any("in the table" in line for line in html.splitlines() if "Worst first" in line)
    for link in links:
        address = link.replace("&amp;", "&")
        assert f"sort=value&order={worse}" in address
        assert f"statistic={statistic}" in address
        assert address.endswith("#table")
    worst = rows_of(client, f"statistic={statistic}&sort=value&order={worse}")
    first = [r for r in worst if judged(r)]
    # The worst council can be judged; its figure is the worst there is.
    assert first
    extreme = max if worse == "desc" else min
    assert first[0]["value"] == extreme(r["value"] for r in first)
    marked = client.get(f"/?year=2024-25&statistic={statistic}&sort=value&order={worse}").text
    assert 'aria-current="true">Worst first' in marked


def test_the_table_says_its_base_and_comparison_in_words(client: TestClient) -> None:
    html = client.get("/?year=2024-25&sort=value&order=desc").text
    table = html[html.index('<table id="council-table"') : html.index("</table>")]
    rows = rows_of(client, "sort=value&order=desc")
    first = rows[0]
    assert first["base_text"].endswith("detailed investigations")
    assert f"{first['base_text']}</a></td>" in table  # linked to the decisions it counts
    assert first["comparison_text"][:1].upper() + first["comparison_text"][1:] in table
    # The sorted column says so; every column heading is a link that sorts by it.
    assert table.count("aria-sort=") == 1
    assert re.search(r'<th scope="col" class="num" aria-sort="descending"><a class="sort"', table)
    headings = re.findall(r'<a class="sort" href="([^"]+)"', table)
    assert len(headings) == len(home.SORTS)
    for key, href in zip(home.SORTS, headings, strict=True):
        assert f"sort={key}&amp;order=" in href
    # Choosing the sorted column again turns it round.
    assert "sort=value&amp;order=asc" in headings[home.SORTS.index("value")]
    assert "Sorted by uphold rate, highest first." in html


def test_downloads_follow_the_order(client: TestClient) -> None:
    rows = rows_of(client, "sort=base&order=desc")
    response = client.get("/index.csv?year=2024-25&sort=base&order=desc")
    assert response.status_code == 200
    codes = [r["code"] for r in csv.DictReader(io.StringIO(response.text))]
    assert codes == [r["code"] for r in rows]


@pytest.mark.parametrize(
    ("url", "media"),
    [
        ("/?sort=sideways", "text/html"),
        ("/?order=up", "text/html"),
        ("/?sort=", "text/html"),
        ("/index.json?sort=value&order=upwards", "application/json"),
        ("/index.json?sort=%3Cscript%3E", "application/json"),
        ("/index.csv?order=DESC", "text/plain"),
    ],
)
def test_bad_sorts_are_refused_in_the_format_asked_for(
    client: TestClient, url: str, media: str
) -> None:
    response = client.get(url)
    if url.endswith("sort="):
        # An empty choice is the default, as for every other choice on the page.
        assert response.status_code == 200
        return
    assert response.status_code == 400, url
    assert response.headers["content-type"].startswith(media), url
    if media == "application/json":
        assert "sort" in response.json()["detail"] or "order" in response.json()["detail"]
    elif media == "text/plain":
        assert "order must be one of asc, desc" in response.text
    else:
        assert "<h1" in response.text
        assert "<script>" not in response.text
