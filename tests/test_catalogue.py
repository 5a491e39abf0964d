"""Every statistic of the catalogue reaches every channel: the terminal, JSON, CSV, XLSX, the map,
council and national pages and their twins, the API, letters and the methodology."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader

from upheld.cli import cli
from upheld.core.catalogue import CATALOGUE, Statistic
from upheld.core.stats import Counts, similar_average
from upheld.register import builtin
from upheld.site.model import Site
from upheld.store import engines
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app

BURY = "E08000002"
YEAR = "2023-24"
STATISTICS = list(CATALOGUE)
NAMES = [s.key for s in STATISTICS]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    folder = tmp_path_factory.mktemp("catalogue")
    return demo.build(folder, builtin(), DemoSpec(scale=0.05), say=lambda _text: None)


@pytest.fixture(scope="module")
def client(built: demo.Demo) -> Iterator[TestClient]:
    site = Site(
        engines.connect(built.url, read_only=True),
        built.config,
        now=lambda: datetime(2025, 12, 1, tzinfo=UTC),
    )
    with TestClient(create_app(site)) as test_client:
        yield test_client


def stats_json(built: demo.Demo) -> dict[str, object]:
    result = CliRunner().invoke(
        cli, ["--db", built.url, "stats", "--year", YEAR, "--authority", BURY, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    loaded: dict[str, object] = json.loads(result.output)
    return loaded


def test_late_compliance_rate_is_complied_late_of_all_complied() -> None:
    counts = Counts(compliance_by_outcome={"complied": 3, "complied_late": 1, "not_complied": 2})
    assert counts.complied_any == 4
    assert counts.figure("late_compliance_rate") == 25
    assert counts.figure("compliance_rate") == 67
    assert Counts(compliance_by_outcome={"not_complied": 2}).figure("late_compliance_rate") is None
    group = [counts, Counts(compliance_by_outcome={"complied_late": 1})]
    assert similar_average(group, "mean").figure("late_compliance_rate") == 63  # (25 + 100) / 2
    assert similar_average(group, "pooled").figure("late_compliance_rate") == 40  # 2 of 5


def test_every_statistic_is_in_the_stats_output(built: demo.Demo) -> None:
    result = stats_json(built)
    council = result["authorities"][0]  # type: ignore[index]
    averages = result["averages"]["metropolitan"]  # type: ignore[index]
    national = result["national"]
    for statistic in STATISTICS:
        assert statistic.key in council, statistic.key
        assert statistic.similar_key in council, statistic.key
        assert statistic.key in averages, statistic.key
        assert statistic.key in national, statistic.key  # type: ignore[operator]
    table = CliRunner().invoke(cli, ["--db", built.url, "stats", "--year", YEAR])
    header = next(line for line in table.output.splitlines() if "Code" in line)
    for statistic in STATISTICS:
        assert statistic.short_label in header, statistic.short_label
    rows = CliRunner().invoke(cli, ["--db", built.url, "stats", "--year", YEAR, "--format", "csv"])
    columns = next(csv.reader(io.StringIO(rows.output)))
    for statistic in STATISTICS:
        assert {statistic.key, statistic.similar_key} <= set(columns)


def test_every_statistic_is_on_the_site(client: TestClient) -> None:
    page = client.get(f"/councils/{BURY}/{YEAR}.json").json()
    shown = [s["name"] for s in page["statistics"]]
    assert shown == NAMES
    trend = page["trend"]["years"][-1]
    html = client.get(f"/councils/{BURY}/{YEAR}").text
    national = client.get(f"/national/{YEAR}.json").json()
    national_html = client.get(f"/national/{YEAR}").text
    api = client.get(f"/api/v1/years/{YEAR}/statistics").json()
    download = client.get(f"/downloads/{YEAR}.csv").text
    book = load_workbook(io.BytesIO(client.get(f"/downloads/{YEAR}.xlsx").content))
    councils_header = [c.value for c in next(book["Statistics"].iter_rows(max_row=1))]
    # The data dictionary sheet gives each statistic's column the catalogue's definition.
    meanings = {row[2]: row[4] for row in book["Data dictionary"].iter_rows(values_only=True)}
    for statistic in STATISTICS:
        key = statistic.key
        assert {key, statistic.similar_key} <= set(trend), key
        assert statistic.heading in html, key
        assert statistic.label in html, key
        assert key in national["national"], key
        assert key in national["by_type"][0], key
        assert statistic.label in national_html, key
        assert key in api["authorities"][0], key
        assert key in api["averages"]["metropolitan"], key
        assert f",{statistic.similar_key}" in download.splitlines()[0], key
        assert key in councils_header, key
        assert statistic.definition in meanings[key], key
        mapped = client.get(f"/index.json?year={YEAR}&statistic={key}")
        assert mapped.status_code == 200, key
        row = next(r for r in mapped.json()["councils"] if r["code"] == BURY)
        assert row["value"] == page["figures"][key], key
        assert row["average"] == page["figures"][statistic.similar_key], key
        assert f'value="{key}"' in client.get("/").text, key
        key_text = client.get(f"/?year={YEAR}&statistic={key}").text
        assert f"For this figure, {statistic.better} is better." in key_text, key


def optional(statistic: Statistic) -> bool:
    return statistic.in_letters == "optional"


def test_letters_show_a_statistic_when_the_year_says_so(built: demo.Demo, tmp_path: Path) -> None:
    config = built.config / "2024-25.toml"
    text = config.read_text()
    for statistic in filter(optional, STATISTICS):
        assert f"{statistic.option} = true" in text  # the demo shows every optional statistic
    quiet = tmp_path / "config"
    quiet.mkdir()
    (quiet / "2024-25.toml").write_text(re.sub(r"(?m)^show_\w+ = true\n", "", text))
    for name in ("upheld.toml", "logo.png", "signature.png"):
        (quiet / name).write_bytes((built.config / name).read_bytes())
    for folder in (built.config, quiet):
        out = tmp_path / f"letters-{folder.name}"
        result = CliRunner().invoke(
            cli,
            [
                *("--db", built.url, "--config", str(folder), "letters", "--year", "2024-25"),
                *("--authority", BURY, "--out", str(out), "--format", "pdf"),
                # The demo's letters are approved: a different letter needs a reason.
                *("--reason", f"Configuration from {folder.name}"),
            ],
        )
        assert result.exit_code == 0, result.output
        words = " ".join(
            page.extract_text() for page in PdfReader(out / f"{BURY}-2024-25.pdf").pages
        )
        words = " ".join(words.split())
        for statistic in STATISTICS:
            present = statistic.heading in words
            assert present == (folder == built.config or not optional(statistic)), (
                folder,
                statistic.key,
            )


def test_the_methodology_defines_every_statistic() -> None:
    methodology = (Path(__file__).parent.parent / "docs" / "methodology.md").read_text()
    for statistic in STATISTICS:
        assert f"`{statistic.key}`" in methodology
        assert statistic.definition in methodology


def test_rounding_hides_nothing() -> None:
    from upheld.core.catalogue import COMPLIANCE_RATE, UPHOLD_RATE
    from upheld.core.output import counts_fields
    from upheld.present.sections import basis

    nearly_all = Counts(compliance_by_outcome={"complied": 12_300, "not_complied": 45})
    assert nearly_all.figure("compliance_rate") == 100  # the published whole percentage
    assert nearly_all.exact("compliance_rate") == 99.6
    assert nearly_all.shown("compliance_rate") == "100% (99.6%)"
    said = basis(COMPLIANCE_RATE, nearly_all)
    assert "100% (99.6%) of cases (12,300 of 12,345)" in said
    assert "In 45 cases it did not comply." in said
    assert counts_fields(nearly_all)["compliance_rate_exact"] == 99.6
    nearly_none = Counts(decided_by_outcome={"upheld": 1, "not_upheld": 999})
    assert nearly_none.shown("uphold_rate") == "0% (0.1%)"
    assert Counts(decided_by_outcome={"upheld": 5}).shown("uphold_rate") == "100%"
    assert Counts(decided_by_outcome={"not_upheld": 5}).shown("uphold_rate") == "0%"
    assert Counts(decided_by_outcome={"upheld": 2, "not_upheld": 1}).shown("uphold_rate") == "67%"
    assert UPHOLD_RATE.text(None, None) == "n/a"
    # Even to one decimal place, the counts decide whether it is all or none.
    four_short = Counts(compliance_by_outcome={"complied": 9_996, "not_complied": 4})
    assert four_short.shown("compliance_rate") == "100% (99.9%)"
    assert "In 4 cases it did not comply." in basis(COMPLIANCE_RATE, four_short)
    one_in_ten_thousand = Counts(decided_by_outcome={"upheld": 1, "not_upheld": 9_999})
    assert one_in_ten_thousand.shown("uphold_rate") == "0% (0.1%)"
    assert "upheld_per_100k_exact" not in counts_fields(nearly_all)  # percentages only
