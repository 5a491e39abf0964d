"""Publication on a running website: on time on every route, following configuration changes,
and nothing of an embargoed year readable through decisions, improvements or reports."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.test_web import AFTER, BEFORE, BURY, EMBARGOED, PUBLISHED, Clock, get_json
from upheld.core.periods import ReviewYear
from upheld.core.publication import TIMEZONE, decision_cutoff
from upheld.register import builtin
from upheld.site.model import Site
from upheld.store import engines, schema
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app
from upheld.web.previews import preview_token

LISTS = ["/", "/index.json", "/downloads.json", "/councils.json", "/national/2023-24.json"]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    folder = tmp_path_factory.mktemp("publication")
    return demo.build(folder, builtin(), DemoSpec(scale=0.05), say=lambda _text: None)


@pytest.fixture
def config(built: demo.Demo, tmp_path: Path) -> Path:
    """A copy of the demo's configuration that a test may edit under the running site."""
    folder = tmp_path / "config"
    shutil.copytree(built.config, folder)
    return folder


@pytest.fixture
def clock() -> Clock:
    return Clock(BEFORE)


@pytest.fixture
def client(built: demo.Demo, config: Path, clock: Clock) -> Iterator[TestClient]:
    # Look for changes on every request, so that a test need not wait a second.
    site = Site(engines.connect(built.url, read_only=True), config, now=clock, refresh_seconds=0)
    with TestClient(create_app(site)) as test_client:
        yield test_client


def warm(client: TestClient, urls: list[str]) -> None:
    for url in urls:
        client.get(url)


def years_listed(client: TestClient) -> dict[str, Any]:
    """Where each list page says which years there are."""
    return {
        "/": "2024-25" in client.get("/").text,
        "/index.json": get_json(client, "/index.json")["year"],
        "/downloads.json": [y["year"] for y in get_json(client, "/downloads.json")["years"]],
        "/councils.json": get_json(client, "/councils.json")["latest_year"],
        "history": [h["year"] for h in get_json(client, "/national/2023-24.json")["history"]],
        "api": [y["year"] for y in get_json(client, "/api/v1/years")],
    }


def test_postponing_a_publication_on_a_running_server_keeps_the_year_hidden(
    client: TestClient, config: Path, clock: Clock
) -> None:
    warm(client, EMBARGOED + LISTS)
    path = config / "2024-25.toml"
    path.write_text(path.read_text().replace("date = 2025-07-23", "date = 2027-07-23"))
    clock.moment = PUBLISHED + timedelta(minutes=1)
    for url in EMBARGOED:
        assert client.get(url).status_code == 404, url
    listed = years_listed(client)
    assert listed["/index.json"] == "2023-24"
    assert "2024-25" not in listed["api"]
    # Brought forward again, it is published at once.
    path.write_text(path.read_text().replace("date = 2027-07-23", "date = 2025-07-22"))
    for url in EMBARGOED:
        assert client.get(url).status_code == 200, url


def test_a_broken_year_file_hides_its_year_and_a_broken_settings_file_keeps_the_last(
    client: TestClient, config: Path, clock: Clock
) -> None:
    clock.moment = AFTER
    assert client.get(f"/councils/{BURY}/2024-25").status_code == 200
    (config / "2024-25.toml").write_text("[letter\n")
    assert client.get(f"/councils/{BURY}/2024-25").status_code == 404
    assert "Your council&#39;s performance" in client.get("/").text
    (config / "upheld.toml").write_text("[web]\ntitle = 'Performance of councils'\n")
    assert "Performance of councils" in client.get("/").text
    (config / "upheld.toml").write_text("[web\n")
    assert "Performance of councils" in client.get("/").text


@pytest.mark.parametrize("refresh", [0.0, 60.0], ids=["looking-each-request", "pages-kept"])
def test_every_list_shows_a_year_at_its_publication_moment(
    built: demo.Demo, config: Path, clock: Clock, refresh: float
) -> None:
    # Kept pages are answered straight from memory; the moment must still show at once.
    site = Site(
        engines.connect(built.url, read_only=True), config, now=clock, refresh_seconds=refresh
    )
    with TestClient(create_app(site)) as client:
        published_on_time(client, clock)


def published_on_time(client: TestClient, clock: Clock) -> None:
    warm(client, LISTS)
    before = years_listed(client)
    assert before["/"] is False
    assert before["/index.json"] == "2023-24"
    assert "2024-25" not in before["/downloads.json"]
    assert before["/councils.json"] == "2023-24"
    assert "2024-25" not in before["history"]
    clock.moment = PUBLISHED
    after = years_listed(client)
    assert after["/"] is True
    assert after["/index.json"] == "2024-25"
    assert after["/downloads.json"][0] == "2024-25"
    assert after["/councils.json"] == "2024-25"
    assert after["history"][-1] == "2024-25"
    assert after["api"][0] == "2024-25"


def due_decision(built: demo.Demo, year: int) -> tuple[str, str, date]:
    """A publishable decision of a year, with its council and decision date."""
    engine = engines.connect(built.url, read_only=True)
    cases = schema.cases.c
    with engine.connect() as connection:
        row = connection.execute(
            select(cases.reference, cases.authority, cases.decided)
            .where(cases.decided_year == year, cases.publish.is_(True), cases.summary != "")
            .order_by(cases.decided.desc(), cases.reference)
        ).first()
    assert row is not None
    return row.reference, row.authority, row.decided


def test_a_decision_appears_on_the_day_its_delay_ends_on_every_route(
    client: TestClient, built: demo.Demo, config: Path, clock: Clock
) -> None:
    # With a three-month delay a year's decisions are all due before its figures are published,
    # so by default they appear with them; published continuously, each on its own day.
    settings = config / "upheld.toml"
    settings.write_text(settings.read_text() + "continuous_publication = true\n")
    reference, code, decided = due_decision(built, 2023)
    day = decided
    while decision_cutoff(day) < decided:
        day += timedelta(days=1)
    eve = datetime.combine(day - timedelta(days=1), time(23, 59), TIMEZONE)
    morning = datetime.combine(day, time(0, 1), TIMEZONE)
    clock.moment = eve
    council = next(c for c in get_json(client, "/councils.json")["councils"] if c["code"] == code)
    routes = {
        "page": f"/decisions/{reference}",
        "search": f"/decisions.json?council={code}&per_page=100",
        "api": f"/api/v1/decisions?council={code}&per_page=100",
        "council": f"/councils/{code}/{council['latest_year']}.json",
    }

    def found(url: str) -> set[str]:
        return {item["reference"] for item in get_json(client, url)["items"]}

    def seen() -> dict[str, Any]:
        return {
            "page": client.get(routes["page"]).status_code,
            "search": reference in found(routes["search"]),
            "api": reference in found(routes["api"]),
            "count": get_json(client, routes["council"])["decision_count"],
        }

    first = seen()
    assert (first["page"], first["search"], first["api"]) == (404, False, False)
    clock.moment = morning
    then = seen()
    assert (then["page"], then["search"], then["api"]) == (200, True, True)
    assert then["count"] >= first["count"] + 1


def test_embargoed_decisions_improvements_and_reports_stay_hidden(
    client: TestClient, clock: Clock
) -> None:
    clock.moment = PUBLISHED - timedelta(minutes=1)
    found = get_json(client, "/decisions.json?per_page=100&sort=newest")
    assert found["items"]
    assert all(item["year"] != "2024-25" for item in found["items"])
    assert "2024-25" not in {f["value"] for f in found["facets"]["year"]}
    assert get_json(client, "/decisions.json?year=2024-25")["total"] == 0
    assert get_json(client, "/api/v1/decisions?year=2024-25")["total"] == 0
    for kind in ("improvements", "reports"):
        listed = get_json(client, f"/{kind}.json")
        assert all(item["year"] != "2024-25" for item in listed["items"]), kind
        assert "2024-25" not in {o["value"] for o in listed["options"]["year"]}, kind
        assert get_json(client, f"/{kind}.json?year=2024-25")["total"] == 0, kind
        council = get_json(client, f"/councils/{BURY}/2023-24.json")[kind]
        assert all(item["year"] != "2024-25" for item in council), kind
    clock.moment = PUBLISHED
    assert get_json(client, "/decisions.json?year=2024-25")["total"] > 0
    assert "2024-25" in {f["value"] for f in get_json(client, "/decisions.json")["facets"]["year"]}


def test_continuous_publication_shows_decisions_but_never_offers_the_year(
    client: TestClient, config: Path, clock: Clock
) -> None:
    clock.moment = PUBLISHED - timedelta(minutes=1)
    assert get_json(client, "/decisions.json?year=2024-25")["total"] == 0
    settings = config / "upheld.toml"
    settings.write_text(settings.read_text() + "continuous_publication = true\n")
    found = get_json(client, "/decisions.json?per_page=100&sort=newest")
    assert any(item["year"] == "2024-25" for item in found["items"])
    assert "2024-25" not in {f["value"] for f in found["facets"]["year"]}
    improvements = get_json(client, "/improvements.json")
    assert "2024-25" not in {o["value"] for o in improvements["options"]["year"]}
    assert "continuous" not in client.get("/decisions").text  # the rule is said in words
    assert "once the figures for their review year are published" not in (
        client.get("/decisions").text
    )


def test_a_council_count_is_its_search_total(client: TestClient, clock: Clock) -> None:
    clock.moment = AFTER
    councils = get_json(client, "/councils.json")["councils"][:40:7]
    for council in councils:
        code = council["code"]
        page = get_json(client, f"/councils/{code}/{council['latest_year']}.json")
        search = get_json(client, f"/decisions.json?council={code}")
        assert page["decision_count"] == search["total"], code


@pytest.mark.parametrize("key", ["bury-metropolitan-borough-council", BURY.lower()])
def test_a_preview_link_survives_a_redirect(
    client: TestClient, built: demo.Demo, clock: Clock, key: str
) -> None:
    clock.moment = BEFORE
    secret = "demo-only-secret-do-not-use-in-production"
    token = preview_token(secret, BURY, ReviewYear(2024))
    moved = client.get(f"/councils/{key}/2024-25?preview={token}", follow_redirects=False)
    assert moved.status_code == 301
    assert moved.headers["location"] == f"/councils/{BURY}/2024-25?preview={token}"
    page = client.get(f"/councils/{key}/2024-25?preview={token}")
    assert page.status_code == 200
    assert "Preview, not yet published" in page.text


def test_a_preview_compares_only_as_the_letter_does(
    client: TestClient, config: Path, clock: Clock
) -> None:
    clock.moment = BEFORE
    secret = "demo-only-secret-do-not-use-in-production"
    token = preview_token(secret, BURY, ReviewYear(2024))
    # A small group's averages, less the council's own counts, could give away a neighbour's.
    for group in ("nearest", "region"):
        data = get_json(client, f"/councils/{BURY}/2024-25.json?preview={token}&group={group}")
        assert data["group"]["name"] == "type", group
        assert data["figures"]["similar_councils"] == 36
    # Unless the year's letters compare another way: then the preview does so too.
    path = config / "2024-25.toml"
    path.write_text(path.read_text().replace("[publication]", 'group = "nearest"\n\n[publication]'))
    data = get_json(client, f"/councils/{BURY}/2024-25.json?preview={token}&group=region")
    assert data["group"]["name"] == "nearest"


def test_no_change_is_told_against_a_year_that_is_not_public(
    client: TestClient, config: Path, clock: Clock
) -> None:
    clock.moment = AFTER
    with_change = get_json(client, f"/councils/{BURY}/2024-25.json")
    assert with_change["figures"]["uphold_rate_change"] is not None
    assert any(s["change"] for s in with_change["statistics"])
    # A year whose configuration goes missing is unpublished: nothing may quote its figures.
    (config / "2023-24.toml").unlink()
    assert client.get(f"/councils/{BURY}/2023-24").status_code == 404
    page = get_json(client, f"/councils/{BURY}/2024-25.json")
    assert all(page["figures"][f"{s['name']}_change"] is None for s in page["statistics"])
    assert not any(s["change"] for s in page["statistics"])
    assert "in 2023-24" not in client.get(f"/councils/{BURY}/2024-25").text
    stats = get_json(client, "/api/v1/years/2024-25/statistics")["authorities"]
    assert all(a["uphold_rate_change"] is None for a in stats)
    assert "2023-24" not in client.get("/downloads/2024-25.csv").text


def test_a_reference_with_a_slash_has_its_page(tmp_path: Path) -> None:
    from tests.conftest import write_csv
    from upheld.ingest.imports import import_files
    from upheld.ingest.kinds import KINDS
    from upheld.search import refresh_index

    register = builtin()
    engine = engines.connect(f"sqlite:///{tmp_path / 'upheld.db'}")
    schema.upgrade(engine)
    cases = write_csv(
        tmp_path / "cases.csv",
        ["reference", "authority", "received", "category", "decided", "outcome", "summary"],
        [["23/001/234", BURY, "2023-05-01", "Housing", "2023-09-01", "upheld", "Put right."]],
    )
    import_files(engine, KINDS["cases"], [cases], register)
    with engine.begin() as connection:
        refresh_index(connection)
    demo.write_config(tmp_path / "config", [ReviewYear(2023)])
    site = Site(engine, tmp_path / "config", now=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    with TestClient(create_app(site)) as client:
        listed = client.get("/decisions")
        assert "/decisions/23/001/234" in listed.text
        for url in ("/decisions/23/001/234", "/decisions/23%2F001%2F234"):
            assert client.get(url).status_code == 200, url
        assert get_json(client, "/decisions/23/001/234.json")["reference"] == "23/001/234"
        assert get_json(client, "/api/v1/decisions/23%2F001%2F234")["reference"] == "23/001/234"
