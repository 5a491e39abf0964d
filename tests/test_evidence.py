"""The decisions behind every figure: each count on a council's page and the national page links to
the decision search for exactly those decisions, and says how many of them the search shows."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from tests import test_web

# The same small demo and client as the website's tests.
built, clock, site, client = test_web.built, test_web.clock, test_web.site, test_web.client
BURY = test_web.BURY


def _search(client: TestClient, url: str) -> dict[str, object]:
    path = urlsplit(url)
    answer = client.get(f"{path.path}.json?{path.query}")
    assert answer.status_code == 200, url
    found: dict[str, object] = answer.json()
    return found


@pytest.mark.parametrize("page", [f"/councils/{BURY}/2024-25", "/national/2024-25"])
def test_each_count_links_to_exactly_its_decisions(client: TestClient, page: str) -> None:
    data = client.get(f"{page}.json").json()
    figures = data["figures"] if "figures" in data else data["national"]
    behind = {e["label"]: e for e in data["evidence"]}
    assert behind["decisions"]["count"] == figures["decided"]
    assert behind["detailed investigations"]["count"] == figures["investigated"]
    assert behind["upheld decisions"]["count"] == figures["upheld"]
    for item in data["evidence"]:
        query = parse_qs(urlsplit(item["url"]).query)
        assert query["year"] == ["2024-25"]
        if page.startswith("/councils"):
            assert query["council"] == [BURY]
        # The search behind the link finds exactly as many as the page says it shows.
        assert _search(client, item["url"])["total"] == item["shown"], item
        assert item["shown"] <= item["count"], item
    html = client.get(page).text
    for item in data["evidence"]:
        assert item["url"].replace("&", "&amp;") in html
    if any(e["shown"] < e["count"] for e in data["evidence"]):
        assert "The search can show fewer decisions than a figure counts." in html
        assert "the search shows" in html


def test_a_councils_improvements_and_reports_link_to_their_published_decisions(
    client: TestClient,
) -> None:
    data = client.get(f"/councils/{BURY}/2024-25.json").json()
    html = client.get(f"/councils/{BURY}/2024-25").text
    linked = [r for r in data["improvements"][:20] + data["reports"] if r.get("decision_url")]
    assert linked, "the demo's Bury has improvements or reports from published decisions"
    for record in linked:
        assert f'href="{record["decision_url"]}"' in html
        assert client.get(record["decision_url"]).status_code == 200


@pytest.mark.parametrize(
    ("statistic", "outcomes"),
    [("uphold_rate", ["upheld", "not_upheld"]), ("satisfactory_remedy_rate", ["upheld"])],
)
def test_the_maps_table_links_each_base_to_its_decisions(
    client: TestClient, statistic: str, outcomes: list[str]
) -> None:
    rows = client.get(f"/index.json?year=2024-25&statistic={statistic}").json()["councils"]
    bury = next(r for r in rows if r["code"] == BURY)
    query = parse_qs(urlsplit(bury["base_url"]).query)
    assert query == {"year": ["2024-25"], "council": [BURY], "outcome": outcomes}
    assert (
        bury["base_url"].replace("&", "&amp;")
        in client.get(f"/?year=2024-25&statistic={statistic}").text
    )
    # A figure out of compliance outcomes or residents has no decisions to list.
    compliance = client.get("/index.json?year=2024-25&statistic=compliance_rate").json()
    assert all(r["base_url"] is None for r in compliance["councils"])


@pytest.mark.parametrize("name", ["improvements", "reports"])
def test_the_api_lists_take_per_page(client: TestClient, name: str) -> None:
    whole = client.get(f"/api/v1/{name}").json()
    assert whole["per_page"] == 50
    two = client.get(f"/api/v1/{name}?per_page=2").json()
    assert two["per_page"] == 2
    assert len(two["items"]) == min(2, whole["total"])
    assert two["items"] == whole["items"][:2]
    refused = client.get(f"/api/v1/{name}?per_page=101")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
