"""The review cycle: letters written as drafts, approved, changed only with a reason, and shown on
the website only once approved, with each revision and the letter before it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from tests.test_web_safety import CASE_HEADER, small_site
from upheld.cli import cli
from upheld.core.periods import ReviewYear
from upheld.letters import versions
from upheld.site.model import Site
from upheld.web import create_app

BURY, BOLTON = "E08000002", "E08000001"
YEAR = ReviewYear(2023)


@pytest.fixture
def site(tmp_path: Path) -> Site:
    rows = [
        [f"23-{n:03}", code, "2023-05-01", "Housing", "2023-09-01", outcome, "Put right."]
        for n, (code, outcome) in enumerate(
            [(BURY, "upheld"), (BURY, "not_upheld"), (BOLTON, "upheld")]
        )
    ]
    # Looks for changes on every request: the test changes the data faster than once a second.
    return small_site(tmp_path, {"cases": (CASE_HEADER, rows)}, refresh_seconds=0)


def run(site: Site, *args: str) -> Result:
    url = str(site.engine.url)
    return CliRunner().invoke(
        cli, ["--db", url, "--config", str(site.config_folder), *args], catch_exceptions=False
    )


def write(site: Site, out: Path, *extra: str) -> Result:
    return run(site, "letters", "--year", "2023-24", "--authority", BURY, "--out", str(out), *extra)


def status(site: Site) -> dict[str, dict[str, object]]:
    result = run(site, "letters", "status", "--year", "2023-24", "--format", "json")
    assert result.exit_code == 0, result.output
    return {row["code"]: row for row in json.loads(result.output)["letters"]}


def test_a_letter_is_a_draft_until_approved_and_changes_only_with_a_reason(
    site: Site, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert write(site, out).exit_code == 0
    assert status(site)[BURY]["state"] == "draft"
    assert status(site)[BOLTON]["state"] == "none"
    # Writing the same letter again is the same version.
    again = write(site, out)
    assert "0 new letter versions" in again.output
    approved = run(site, "letters", "approve", "--year", "2023-24", "--by", "Alex Example")
    assert approved.exit_code == 0, approved.output
    assert "1 letter approved by Alex Example" in approved.output
    row = status(site)[BURY]
    assert (row["state"], row["version"], row["approved_by"]) == ("approved", 1, "Alex Example")
    # New decisions change the letter: refused without a reason, and nothing is written.
    late = write_csv(
        tmp_path / "late.csv",
        CASE_COLUMNS,
        case_rows(BURY, {"upheld": 2}, year=2023, prefix="LATE"),
    )
    assert run(site, "import", "cases", str(late)).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    refused = write(site, out)
    assert refused.exit_code == 1
    assert "would change after they were approved or sent" in refused.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert status(site)[BURY]["version"] == 1
    corrected = write(site, out, "--reason", "Two late decisions recorded")
    assert corrected.exit_code == 0, corrected.output
    row = status(site)[BURY]
    assert (row["state"], row["version"], row["reason"]) == (
        "draft",
        2,
        "Two late decisions recorded",
    )
    with site.engine.connect() as connection:
        history = versions.history(connection, YEAR.start_year, BURY)
    assert [(v.number, v.state) for v in history] == [(1, "superseded"), (2, "draft")]
    assert history[0].figures["statistics"]["uphold_rate"]["value"] == 50
    assert history[1].figures["statistics"]["uphold_rate"]["value"] == 75


def test_a_council_that_cannot_have_a_letter_stops_the_run_before_anything(
    site: Site, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    cumbria = "E10000006"  # abolished in 2023, no decisions in 2023-24
    result = run(
        site,
        "letters",
        "--year",
        "2023-24",
        "--authority",
        BURY,
        "--authority",
        cumbria,
        "--out",
        str(out),
    )
    assert result.exit_code != 0
    assert not out.exists() or not list(out.iterdir())
    assert status(site)[BURY]["state"] == "none"


def test_the_website_shows_only_approved_letters_and_keeps_each_revision(
    site: Site, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    assert write(site, out).exit_code == 0
    with TestClient(create_app(site)) as client:
        letter = f"/councils/{BURY}/2023-24/letter.pdf"
        assert client.get(letter).status_code == 404  # a draft is not published
        assert run(site, "letters", "approve", "--year", "2023-24").exit_code == 0
        first = client.get(letter)
        assert first.status_code == 200
        late = write_csv(
            tmp_path / "late.csv",
            CASE_COLUMNS,
            case_rows(BURY, {"upheld": 2}, year=2023, prefix="LATE"),
        )
        assert run(site, "import", "cases", str(late)).exit_code == 0
        assert write(site, out, "--reason", "Two late decisions recorded").exit_code == 0
        # The correction is a draft: the approved letter stays up.
        assert client.get(letter).content == first.content
        assert run(site, "letters", "approve", "--year", "2023-24").exit_code == 0
        second = client.get(letter)
        assert second.content != first.content
        assert client.get(f"{letter}?version=1").content == first.content
        assert client.get(f"{letter}?version=7").status_code == 404
        page = client.get(f"/councils/{BURY}/2023-24").text
        assert "Two late decisions recorded" in page
        assert f"/councils/{BURY}/2023-24/letter.pdf?version=1" in page
