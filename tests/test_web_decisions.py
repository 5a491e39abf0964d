"""A decision's whole story on its page, its twin and the API: the compliance outcome, the service
improvements and public reports that followed it, each only once it is published; references
found however they are written; improvements and reports linked to their decisions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import write_csv
from tests.test_web import BURY, Clock, get_json
from upheld.core.periods import ReviewYear
from upheld.core.references import reference_key
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.register import builtin
from upheld.search import refresh_index
from upheld.site.decisions import decision_page
from upheld.site.model import Site
from upheld.site.twins import without_charts
from upheld.store import engines, schema
from upheld.synthetic import demo
from upheld.web import create_app

STORY = "23 001 234"
"""Decided in 2023-24; followed by records dated in 2023-24 and in 2024-25."""
UNPUBLISHED = "23 009 999"
"""Upheld, never to be published (publish = no), yet its improvement and report are public."""
TWINS = ("23-555-000", "23 555 000")
"""Two published decisions whose references differ only in punctuation."""

# 2023-24 is published on 23 July 2024, 2024-25 on 23 July 2025 (the demo's configuration).
MIDWAY = datetime(2025, 1, 6, 12, 0, tzinfo=UTC)
LATER = datetime(2025, 8, 1, 12, 0, tzinfo=UTC)

CASE_COLUMNS = [
    "reference", "authority", "received", "category", "subcategory", "decided", "outcome",
    "satisfactory_remedy", "summary", "publish",
]  # fmt: skip
CASES = [
    [STORY, BURY, "2023-11-01", "Education and children's services", "Special educational needs",
     "2024-02-20", "upheld", "no", "Mrs X complained the Council delayed her son's plan.", "yes"],
    [UNPUBLISHED, BURY, "2023-10-01", "Housing", "", "2024-01-10", "upheld", "no",
     "Mr Y complained about repairs.", "no"],
    [TWINS[0], BURY, "2023-06-01", "Housing", "", "2023-09-01", "not_upheld", "no",
     "Ms Z complained about a housing register decision.", "yes"],
    [TWINS[1], BURY, "2023-06-02", "Housing", "", "2023-09-02", "not_upheld", "no",
     "Mr W complained about a housing register decision.", "yes"],
    # A case of 2024-25, so that the year has figures to publish.
    ["24 000 001", BURY, "2024-05-01", "Housing", "", "2024-06-01", "not_upheld", "no",
     "Mr V complained about a repair.", "yes"],
]  # fmt: skip
COMPLIANCE = [
    [STORY, "2024-05-01", "complied_late", "2024-04-20", "Within one month: apologise to Mrs X."],
]
IMPROVEMENTS = [
    [STORY, "2024-03-01", "Review how it tracks plans that run late.", "completed"],
    [STORY, "2024-04-10", "Train caseworkers on the statutory deadlines.", "overdue"],
    [UNPUBLISHED, "2024-01-20", "Check repairs are finished before closing them.", "agreed"],
]
REPORTS = [
    [STORY, "2024-03-10", "Bury Council delayed a boy's plan", "public_interest",
     "https://www.ombudsman.example/reports/23-001-234"],
    [STORY, "2024-06-01", "Bury Council did not do what we recommended", "further", ""],
    [UNPUBLISHED, "2024-02-01", "Bury Council left repairs undone", "public_interest", ""],
]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A database of a few cases, with what followed them, under the demo's configuration."""
    folder = tmp_path_factory.mktemp("decisions")
    url = f"sqlite:///{folder / 'upheld.db'}"
    engine = engines.connect(url)
    schema.upgrade(engine)
    register = builtin()
    files = {
        "cases": (CASE_COLUMNS, CASES),
        "compliance": (["reference", "assessed", "outcome", "due", "recommendation"], COMPLIANCE),
        "improvements": (["reference", "agreed", "description", "status"], IMPROVEMENTS),
        "reports": (["reference", "issued", "title", "kind", "url"], REPORTS),
    }
    for kind, (header, rows) in files.items():
        path = write_csv(folder / f"{kind}.csv", header, rows)
        import_files(engine, KINDS[kind], [path], register)
    with engine.begin() as connection:
        refresh_index(connection)
    demo.write_config(folder / "config", [ReviewYear(2023), ReviewYear(2024)])
    # The configuration is looked at on every request, so a test may change it under the site.
    reader = engines.connect(url, read_only=True)
    return Site(reader, folder / "config", now=Clock(LATER), refresh_seconds=0)


@pytest.fixture
def clock(site: Site) -> Iterator[Clock]:
    clock = site.now
    assert isinstance(clock, Clock)
    yield clock
    clock.moment = LATER


@pytest.fixture
def client(site: Site, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_app(site)) as test_client:
        yield test_client


def page_url(reference: str) -> str:
    return "/decisions/" + reference.replace(" ", "%20")


def test_the_page_tells_the_whole_story(client: TestClient) -> None:
    html = client.get(page_url(STORY)).text
    # The compliance outcome, in words, with its dates in words and for machines.
    assert "Complied late." in html
    assert "after the date it was due" in html
    assert '<time datetime="2024-04-20">20 April 2024</time>' in html
    assert '<time datetime="2024-05-01">1 May 2024</time>' in html
    assert "Within one month: apologise to Mrs X." in html
    assert '<time datetime="2024-02-20">20 February 2024</time>' in html
    # Each improvement with its status and the day it was agreed.
    assert "Review how it tracks plans that run late." in html
    assert "Train caseworkers on the statutory deadlines." in html
    assert 'Completed · agreed <time datetime="2024-03-01">1 March 2024</time>' in html
    assert "Overdue · agreed" in html
    # Each report: its title (linked to the report where there is one), kind and date.
    assert (
        '<a href="https://www.ombudsman.example/reports/23-001-234">'
        "Bury Council delayed a boy&#39;s plan</a>"
    ) in html
    assert (
        'Public interest report · issued <time datetime="2024-03-10">10 March 2024</time>' in html
    )
    assert "Further report · issued" in html
    assert "Public reports" in html


def test_the_twin_and_the_api_have_the_whole_story(client: TestClient, site: Site) -> None:
    twin = get_json(client, page_url(STORY) + ".json")
    built = decision_page(site, site.publication(), STORY)
    assert twin == json.loads(json.dumps(without_charts(built)))
    assert get_json(client, "/api/v1/decisions/" + STORY.replace(" ", "%20")) == twin
    assert twin["url"] == "/decisions/23%20001%20234"
    assert twin["decided_text"] == "20 February 2024"
    assert twin["compliance"] == {
        "outcome": "complied_late",
        "outcome_label": "Complied late",
        "assessed": "2024-05-01",
        "assessed_text": "1 May 2024",
        "year": "2024-25",
        "due": "2024-04-20",
        "due_text": "20 April 2024",
        "recommendation": "Within one month: apologise to Mrs X.",
    }
    improvements = {i["description"]: i for i in twin["improvements"]}
    assert improvements["Train caseworkers on the statutory deadlines."] == {
        "reference": STORY,
        "agreed": "2024-04-10",
        "agreed_text": "10 April 2024",
        "year": "2024-25",
        "description": "Train caseworkers on the statutory deadlines.",
        "status": "overdue",
        "status_label": "Overdue",
        "category": "Education and children's services",
        "decision_url": "/decisions/23%20001%20234",
    }
    reports = {r["kind"]: r for r in twin["reports"]}
    assert set(reports) == {"public_interest", "further"}
    assert reports["public_interest"]["title"] == "Bury Council delayed a boy's plan"
    assert reports["public_interest"]["kind_label"] == "Public interest report"
    assert reports["public_interest"]["issued_text"] == "10 March 2024"
    assert reports["further"]["url"] is None


def test_what_is_not_yet_public_is_left_out(client: TestClient, clock: Clock) -> None:
    # 2023-24 is published, 2024-25 not: the decision shows, with only its 2023-24 records.
    clock.moment = MIDWAY
    twin = get_json(client, page_url(STORY) + ".json")
    assert twin["compliance"] is None
    assert [i["agreed"] for i in twin["improvements"]] == ["2024-03-01"]
    assert [r["kind"] for r in twin["reports"]] == ["public_interest"]
    assert get_json(client, "/api/v1/decisions/23%20001%20234") == twin
    html = client.get(page_url(STORY)).text
    for hidden in ("Did the council do what we recommended", "Complied late", "Train caseworkers",
                   "did not do what we recommended", "Further report", "1 May 2024"):  # fmt: skip
        assert hidden not in html, hidden
    assert "Review how it tracks plans that run late." in html
    assert "Public report<" in html  # one report, so the heading is singular
    # The moment 2024-25 is published, the rest of the story appears.
    clock.moment = LATER
    later = get_json(client, page_url(STORY) + ".json")
    assert later["compliance"] is not None
    assert len(later["improvements"]) == 2
    assert len(later["reports"]) == 2


@pytest.mark.parametrize(
    "written",
    ["23-001-234", "23001234", "23 001 234 ", " 23-001 234", "23.001.234", "23/001/234"],
)
def test_a_reference_written_another_way_redirects_to_its_decision(
    client: TestClient, written: str
) -> None:
    for suffix, api in (("", False), (".json", False), ("", True)):
        prefix = "/api/v1/decisions/" if api else "/decisions/"
        moved = client.get(prefix + written + suffix, follow_redirects=False)
        assert moved.status_code == 301, (written, suffix, api)
        target = ("/api/v1" if api else "") + "/decisions/23%20001%20234" + suffix
        assert moved.headers["location"] == target
        assert client.get(prefix + written + suffix).status_code == 200
    # A query string comes along.
    moved = client.get(f"/decisions/{written}?from=letter", follow_redirects=False)
    assert moved.headers["location"] == "/decisions/23%20001%20234?from=letter"


def test_the_stored_form_answers_in_place(client: TestClient) -> None:
    for url in (page_url(STORY), page_url(STORY) + ".json", "/api/v1/decisions/23%20001%20234"):
        assert client.get(url, follow_redirects=False).status_code == 200, url


@pytest.mark.parametrize(
    "written", ["23-001-234", "23 001 234", "23001234", "  23 001 234  ", "23/001/234"]
)
def test_search_finds_a_decision_by_its_reference(client: TestClient, written: str) -> None:
    for url in ("/decisions.json", "/api/v1/decisions"):
        found = client.get(url, params={"q": written}).json()
        assert [item["reference"] for item in found["items"]] == [STORY], url
        assert found["total"] == 1
    html = client.get("/decisions", params={"q": written}).text
    assert 'href="/decisions/23%20001%20234"' in html
    assert 'Decided <time datetime="2024-02-20">20 February 2024</time>' in html


def test_a_reference_in_lower_case_is_found(tmp_path: Path) -> None:
    # References are any text; one with letters is found in either case.
    engine = engines.connect(f"sqlite:///{tmp_path / 'upheld.db'}")
    schema.upgrade(engine)
    cases = write_csv(
        tmp_path / "cases.csv",
        ["reference", "authority", "received", "category", "decided", "outcome", "summary"],
        [["LG-2023-0042", BURY, "2023-05-01", "Housing", "2023-09-01", "upheld", "Put right."]],
    )
    import_files(engine, KINDS["cases"], [cases], builtin())
    with engine.begin() as connection:
        refresh_index(connection)
        stored = connection.execute(select(schema.cases.c.reference_key)).scalar()
    assert stored == reference_key("lg 2023 0042") == "lg20230042"
    demo.write_config(tmp_path / "config", [ReviewYear(2023)])
    site = Site(engine, tmp_path / "config", now=lambda: datetime(2025, 1, 1, tzinfo=UTC))
    with TestClient(create_app(site)) as client:
        moved = client.get("/decisions/lg20230042", follow_redirects=False)
        assert moved.headers["location"] == "/decisions/LG-2023-0042"
        found = get_json(client, "/decisions.json?q=lg%202023%200042")
        assert [item["reference"] for item in found["items"]] == ["LG-2023-0042"]


def test_references_several_decisions_share_lead_to_a_search(client: TestClient) -> None:
    for written in TWINS:
        assert get_json(client, page_url(written) + ".json")["reference"] == written
    moved = client.get("/decisions/23555000", follow_redirects=False)
    assert moved.status_code == 302
    assert moved.headers["location"] == "/decisions?q=23+555+000"
    found = get_json(client, "/decisions.json?q=23555000")
    assert sorted(item["reference"] for item in found["items"]) == sorted(TWINS)


@pytest.mark.parametrize("written", ["24-001-234", "nope", "---", UNPUBLISHED, "23-009-999"])
def test_an_unknown_or_unpublished_reference_is_a_clean_404(
    client: TestClient, written: str
) -> None:
    # Never a redirect: that would tell the world an unpublished decision exists.
    page = client.get(page_url(written), follow_redirects=False)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Page not found" in page.text
    twin = client.get(page_url(written) + ".json", follow_redirects=False)
    assert twin.status_code == 404
    assert twin.json() == {"detail": "There is no such published decision."}
    api = client.get("/api/v1/decisions/" + written, follow_redirects=False)
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is no such published decision.",
    }
    if reference_key(written):  # ("---" is no reference, and searches for everything)
        assert get_json(client, f"/decisions.json?q={written}")["total"] == 0


def records(client: TestClient, kind: str) -> dict[str, Any]:
    listed = get_json(client, f"/{kind}.json")
    return {item.get("description") or item["title"]: item for item in listed["items"]}


def test_improvements_and_reports_link_to_their_published_decisions(client: TestClient) -> None:
    improvements, reports = records(client, "improvements"), records(client, "reports")
    link = "/decisions/23%20001%20234"
    assert improvements["Review how it tracks plans that run late."]["decision_url"] == link
    assert reports["Bury Council delayed a boy's plan"]["decision_url"] == link
    # Public records of a decision that is never published link nowhere.
    assert improvements["Check repairs are finished before closing them."]["decision_url"] is None
    assert reports["Bury Council left repairs undone"]["decision_url"] is None
    html = client.get("/improvements").text
    assert f'<a class="nowrap" href="{link}">23 001 234</a>' in html
    assert f'<span class="nowrap">{UNPUBLISHED}</span>' in html
    assert f'href="/decisions/{UNPUBLISHED.replace(" ", "%20")}"' not in html
    assert '<td><time datetime="2024-03-01">1 March 2024</time></td>' in html
    reports_html = client.get("/reports").text
    assert f'<a class="nowrap" href="{link}">23 001 234</a>' in reports_html
    assert '<td><time datetime="2024-03-10">10 March 2024</time></td>' in reports_html
    csv_text = client.get("/reports.csv").text
    assert "decision_url" in csv_text.splitlines()[0]
    assert link in csv_text
    # The title shows as imported.
    assert "Bury Council delayed a boy&#39;s plan" in client.get("/reports").text


def test_a_record_is_linked_only_once_its_decision_is_due(
    client: TestClient, clock: Clock, site: Site
) -> None:
    # Published continuously, records show from their date but a decision waits three months.
    settings = site.config_folder / "upheld.toml"
    before = settings.read_text()
    settings.write_text(before + "continuous_publication = true\n")
    try:
        clock.moment = datetime(2024, 3, 12, 12, 0, tzinfo=UTC)
        reports = records(client, "reports")
        assert reports["Bury Council delayed a boy's plan"]["decision_url"] is None
        assert client.get(page_url(STORY)).status_code == 404
        clock.moment = datetime(2024, 5, 21, 12, 0, tzinfo=UTC)
        reports = records(client, "reports")
        assert reports["Bury Council delayed a boy's plan"]["decision_url"] == page_url(STORY)
        assert client.get(page_url(STORY)).status_code == 200
    finally:
        settings.write_text(before)
