"""Several server processes follow the data and the publication: no worker is left showing the
website as it was before an import, an edit of the configuration, or a publication time."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import website_url, write_csv
from tests.servers import upheld_serving
from upheld.cli import cli
from upheld.core.periods import ReviewYear
from upheld.core.publication import TIMEZONE
from upheld.site.model import REFRESH_SECONDS
from upheld.synthetic import demo

BURY = "E08000002"
COLUMNS = ["reference", "authority", "received", "category", "decided", "outcome", "summary"]
ASKED = 40
"""Requests after a change: each lands on either worker, so both are asked many times."""
SETTLED = REFRESH_SECONDS + 0.5
"""After this, every worker has looked at the database and the configuration since the change."""


def upheld(url: str, config: Path, *args: str) -> str:
    result = CliRunner().invoke(
        cli, ["--db", url, "--config", str(config), *args], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result.output


def answer(base: str, path: str) -> tuple[int, Any]:
    """The status and JSON of one request, on a connection of its own."""
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, None


def upheld_count(base: str) -> int | None:
    """Bury's upheld decisions in 2023-24, as the website says; None while not public."""
    status, page = answer(base, f"/councils/{BURY}/2023-24.json")
    if status == 404:
        return None
    assert status == 200, status
    return int(page["figures"]["upheld"])


def published_years(base: str) -> tuple[str, ...]:
    status, years = answer(base, "/api/v1/years")
    assert status == 200
    return tuple(sorted(y["year"] for y in years))


def cases(folder: Path, name: str, outcomes: list[str], summary: str, year: int = 2023) -> str:
    """A cases file of Bury's decisions in a review year, each with the summary given."""
    rows = [
        [f"{name}-{n}", BURY, f"{year}-05-01", "Housing", f"{year}-09-01", outcome, summary]
        for n, outcome in enumerate(outcomes)
    ]
    return str(write_csv(folder / f"{name}.csv", COLUMNS, rows))


def rewrite(path: Path, text: str) -> None:
    """Replace a file at once, as an editor saving it does: a worker never reads half of it."""
    draft = path.with_suffix(".new")
    draft.write_text(text, encoding="utf-8")
    draft.replace(path)


def every_answer(ask: Callable[[], Any], times: int = ASKED) -> set[Any]:
    return {ask() for _ in range(times)}


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path, str]]:
    """`upheld serve --workers 2` over a small database, as the website's read-only role where
    there is one; yields its address, the configuration folder and the owner's database URL."""
    config = tmp_path / "config"
    demo.write_config(config, [ReviewYear(2023), ReviewYear(2024)])
    first = ["upheld", "upheld", "not_upheld", "not_upheld", "not_upheld"]
    upheld(database_url, config, "import", "cases", cases(tmp_path, "A", first, "Put right."))
    upheld(database_url, config, "import", "cases", cases(tmp_path, "B", ["upheld"], "Next.", 2024))
    options = ["--db", website_url(database_url), "--config", str(config)]
    with upheld_serving(options, ["--workers", "2"]) as base:
        yield base, config, database_url


def test_every_worker_shows_an_import_at_once(
    served: tuple[str, Path, str], tmp_path: Path
) -> None:
    base, config, owner = served
    # Both workers build and keep the page.
    assert every_answer(lambda: upheld_count(base)) == {2}
    late = cases(tmp_path, "C", ["upheld"] * 3, "Decided late.")
    upheld(owner, config, "import", "cases", late)
    time.sleep(SETTLED)
    assert every_answer(lambda: upheld_count(base)) == {5}
    # The search index was rebuilt by the import: every worker finds the new decisions.
    found = every_answer(lambda: answer(base, "/decisions.json?q=late")[1]["total"])
    assert found == {3}


def test_every_worker_follows_an_edited_publication(served: tuple[str, Path, str]) -> None:
    base, config, _owner = served
    year_file = config / "2024-25.toml"
    public = year_file.read_text()
    later = public.replace("date = 2025-07-23", "date = 2099-07-23")
    assert later != public
    assert every_answer(lambda: published_years(base)) == {("2023-24", "2024-25")}
    # Moved later: the year disappears from every worker.
    rewrite(year_file, later)
    time.sleep(SETTLED)
    assert every_answer(lambda: published_years(base)) == {("2023-24",)}
    rewrite(year_file, public)
    time.sleep(SETTLED)
    assert every_answer(lambda: published_years(base)) == {("2023-24", "2024-25")}


def test_every_worker_publishes_at_the_moment(served: tuple[str, Path, str]) -> None:
    base, config, _owner = served
    assert every_answer(lambda: upheld_count(base)) == {2}
    # 2023-24 is published a few seconds from now, UK time; the workers read nothing new then.
    moment = (datetime.now(TIMEZONE) + timedelta(seconds=4)).replace(microsecond=0)
    year_file = config / "2023-24.toml"
    text = year_file.read_text()
    text = text.replace("date = 2024-07-23", f"date = {moment.date().isoformat()}")
    text = text.replace("time = 10:00:00", f"time = {moment.time().isoformat()}")
    rewrite(year_file, text)
    time.sleep(SETTLED)
    seen_before = seen_after = 0
    deadline = time.monotonic() + 60
    while seen_after < ASKED:
        assert time.monotonic() < deadline, "2023-24 was not published within a minute"
        asked = datetime.now(TIMEZONE)
        count = upheld_count(base)
        answered = datetime.now(TIMEZONE)
        # The server shares this machine's clock: an answer wholly before the moment keeps the
        # year hidden, and one asked after it shows the year, whichever worker gave it.
        if answered < moment:
            assert count is None
            seen_before += 1
        elif asked >= moment:
            assert count == 2
            seen_after += 1
    assert seen_before > 0
