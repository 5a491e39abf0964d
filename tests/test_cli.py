"""The `upheld` command line, run in process: exit codes, messages and output formats."""

from __future__ import annotations

import csv
import importlib
import io
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

import upheld.cli
from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from upheld.cli import COMMANDS, cli
from upheld.core.periods import ReviewYear

BURY = "E08000002"


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


@pytest.fixture
def loaded(database_url: str, tmp_path: Path) -> str:
    """A database with Bury's 2019-20 decisions imported through the command line."""
    rows = case_rows(BURY, {"upheld": 6, "not_upheld": 9, "advice_given": 2}, remedies=1)
    path = write_csv(tmp_path / "cases.csv", CASE_COLUMNS, rows)
    assert run(database_url, "init").exit_code == 0
    result = run(database_url, "import", "cases", str(path))
    assert result.exit_code == 0, result.output
    assert "17 rows; 17 were inserted, 0 updated, 0 unchanged" in result.output
    return database_url


def test_init_is_safe_to_rerun(database_url: str) -> None:
    first = run(database_url, "init")
    assert first.exit_code == 0
    assert "Created the upheld database" in first.output
    again = run(database_url, "init")
    assert again.exit_code == 0
    assert "is up to date" in again.output


def test_stats_json_follows_the_contract(loaded: str) -> None:
    result = run(loaded, "stats", "--year", "2019-20", "--authority", "Bury", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["year"] == "2019-20"
    assert data["period"] == {"start": "2019-04-01", "end": "2020-03-31"}
    assert data["average_method"] == "mean"
    (bury,) = data["authorities"]
    expected = {
        "code": BURY,
        "name": "Bury Metropolitan Borough Council",
        "type": "metropolitan",
        "received": 17,
        "decided": 17,
        "investigated": 15,
        "upheld": 6,
        "uphold_rate": 40,
        "similar_uphold_rate": 40,
        "satisfactory_remedies": 1,
        "satisfactory_remedy_rate": 17,
        "compliance_outcomes": 0,
        "compliance_rate": None,
        "population": 190_990,
        "upheld_per_100k": 3.1,
        # The only metropolitan borough with cases is its own average: in line, from 15 cases.
        "uphold_rate_interval": [19.8, 64.3],
        "uphold_rate_comparison": "within",
        # Upheld per 100,000: 6 upheld where the average expects under one is far beyond chance.
        "upheld_per_100k_comparison": "well_above",
        "compliance_rate_interval": None,
        "compliance_rate_comparison": None,
        # No cases the year before: no change to tell.
        "uphold_rate_change": None,
    }
    assert {k: bury[k] for k in expected} == expected
    assert set(data["averages"]) == {
        "county",
        "district",
        "metropolitan",
        "unitary",
        "london_borough",
    }
    assert data["averages"]["metropolitan"]["councils"] == 36
    assert data["national"]["upheld"] == 6


def test_stats_csv_has_every_council(loaded: str) -> None:
    result = run(loaded, "stats", "--year", "2019-20", "--format", "csv", "--average", "pooled")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert len(rows) == 343
    bury = next(r for r in rows if r["code"] == BURY)
    assert (bury["uphold_rate"], bury["upheld_per_100k"]) == ("40", "3.1")
    kent = next(r for r in rows if r["code"] == "E10000016")
    assert (kent["received"], kent["uphold_rate"]) == ("0", "")
    assert "received_by_category" not in rows[0]
    assert (bury["uphold_rate_interval_low"], bury["uphold_rate_interval_high"]) == ("19.8", "64.3")
    assert bury["uphold_rate_comparison"] == "within"
    assert bury["uphold_rate_change_beyond_chance"] == ""


def test_stats_table_is_for_people(loaded: str) -> None:
    result = run(loaded, "stats", "--year", "2019-20", "--authority", BURY)
    assert result.exit_code == 0
    assert "Bury Metropolitan Borough Council" in result.output
    assert "40% of 15 (40%)" in result.output  # its figure, what it is out of, its average
    assert "3.1 (0.1) ▲▲" in result.output  # far more upheld than the average would give
    assert "too few cases to compare" in result.output
    assert "n/a" in result.output
    assert "Average of similar authorities" in result.output


def test_dry_run_then_import(database_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", CASE_COLUMNS, case_rows(BURY, {"upheld": 2}))
    run(database_url, "init")
    dry = run(database_url, "import", "cases", "--dry-run", str(path))
    assert dry.exit_code == 0
    assert "2 would be inserted" in dry.output
    assert "nothing written" in dry.output
    stats = run(database_url, "stats", "--year", "2019-20", "--authority", BURY, "--format", "json")
    assert json.loads(stats.output)["authorities"][0]["upheld"] == 0


def test_bad_file_exits_1_with_file_and_line(database_url: str, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        CASE_COLUMNS,
        [("1", "Bury", "2019-05-01", "Hosing", "", "", "")],
    )
    run(database_url, "init")
    result = run(database_url, "import", "cases", str(path))
    assert result.exit_code == 1
    assert f"{path}:2: category: unknown service area 'Hosing'; did you mean 'Housing'?" in (
        result.output
    )
    assert "1 problem found; nothing was imported." in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["stats"], "--year is required"),
        (["stats", "--year", "2019-21"], "'2019-21' is not a review year"),
        (["stats", "--year", "2019-20", "--authority", "Atlantis"], "no council called 'Atlantis'"),
        (
            ["stats", "--year", "2019-20", "--authority", "Cumberland"],
            "Cumberland Council did not exist in 2019-20 (from 2023-04-01)",
        ),
        (["import", "parish", "x.csv"], "'parish' is not one of"),
        (["stats", "--year", "2019-20", "--format", "xml"], "'xml' is not one of"),
    ],
)
def test_usage_errors_exit_2(loaded: str, args: list[str], message: str) -> None:
    result = run(loaded, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_commands_need_a_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'none.db'}"
    result = run(url, "stats", "--year", "2019-20")
    assert result.exit_code == 1
    assert "run `upheld init` first" in result.output


def test_import_creates_a_new_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    path = write_csv(tmp_path / "cases.csv", CASE_COLUMNS, case_rows(BURY, {"upheld": 1}))
    result = run(url, "import", "cases", str(path))
    assert result.exit_code == 0
    assert "Created the upheld database" in result.output


def test_database_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPHELD_DB", str(tmp_path / "env.db"))
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0
    assert (tmp_path / "env.db").exists()


def test_authorities(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    run(url, "init")
    table = run(url, "authorities", "--year", "2023-24")
    assert table.exit_code == 0
    assert (
        "317 councils: 21 county councils, 164 district councils, 36 metropolitan boroughs, "
        "63 unitary councils, 33 London boroughs" in " ".join(table.output.split())
    )
    rows = json.loads(run(url, "authorities", "--year", "2019-20", "--format", "json").output)
    assert len(rows) == 343
    bury = next(r for r in rows if r["code"] == BURY)
    assert (bury["population"], bury["population_vintage"]) == (190_990, "ONS mid-2019 estimate")


def test_imported_authorities_extend_the_register(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    path = write_csv(
        tmp_path / "wales.csv",
        ("code", "name", "type", "region", "valid_from"),
        [("W06000015", "Cardiff Council", "unitary", "Wales", "1996-04-01")],
    )
    assert run(url, "import", "authorities", str(path)).exit_code == 0
    pops = write_csv(
        tmp_path / "pops.csv", ("authority", "year", "population"), [("Cardiff", "2023", "372089")]
    )
    assert run(url, "import", "populations", str(pops)).exit_code == 0
    rows = json.loads(run(url, "authorities", "--year", "2023-24", "--format", "json").output)
    cardiff = next(r for r in rows if r["code"] == "W06000015")
    assert (cardiff["population"], cardiff["population_vintage"]) == (372_089, "imported")
    assert len(rows) == 318


def test_help_has_examples() -> None:
    for command in ("init", "import", "stats", "authorities", "demo"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert "Example:" in result.output, command


def _defined_in(command: click.Command) -> set[str]:
    """The modules defining a command and, for a group, its subcommands."""
    modules = {command.callback.__module__} if command.callback else set()
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            modules |= _defined_in(sub)
    return modules


def test_every_command_is_named_with_the_modules_that_define_it() -> None:
    # Commands load only when run: one missing from COMMANDS would not be found at all.
    for module in pkgutil.iter_modules(upheld.cli.__path__):
        importlib.import_module(f"upheld.cli.{module.name}")
    assert set(cli.commands) == set(COMMANDS)
    for name, command in cli.commands.items():
        assert _defined_in(command) <= {f"upheld.cli.{m}" for m in COMMANDS[name]}, name


def test_a_command_loads_only_its_own_modules() -> None:
    script = (
        "import sys\n"
        "from upheld.cli import cli\n"
        "cli.main(['letters', '--help'], standalone_mode=False)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('upheld.cli.'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "approve" in done.stdout
    assert done.stdout.splitlines()[-1] == "upheld.cli.approval upheld.cli.review"


def test_demo_builds_a_database_and_prints_every_council(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        cli, ["demo", "--out", str(out), "--scale", "0.05", "--year", "2023-24"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "upheld.db").exists()
    assert sorted(p.name for p in (out / "data").iterdir()) == [
        "cases.csv",
        "compliance.csv",
        "contacts.csv",
        "events.csv",
        "improvements.csv",
        "reports.csv",
    ]
    assert "Council statistics 2023-24 (1 April 2023 to 31 March 2024)" in result.output
    assert "317 councils." in result.output
    stats = run(f"sqlite:///{out / 'upheld.db'}", "stats", "--year", "2023-24", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(stats.output)))
    assert sum(row["existed"] == "True" for row in rows) == 317
    # Councils abolished in 2023 still had decisions in 2023-24, so they are listed too.
    assert {row["existed"] for row in rows} == {"True", "False"}


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("deep.jsonl", "[" * 100_000 + "\n", "deep.jsonl:1: not valid JSON: nested too deeply"),
        (
            "nul.csv",
            "reference,authority,received,category\n"
            + "".join(f"N{n},Bury,2019-05-01,Housing\n" for n in range(200))
            + "N200,Bury,2019-05-01,Hous\0ing\n",
            "nul.csv:202: contains a NUL character (byte 0x00), which cannot be stored; "
            "remove it and try again",
        ),
    ],
)
def test_bad_files_are_one_line_without_a_traceback(
    database_url: str, tmp_path: Path, name: str, content: str, expected: str
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    assert run(database_url, "init").exit_code == 0
    result = run(database_url, "import", "cases", str(path))
    assert result.exit_code == 1
    assert result.output == (f"{tmp_path}/{expected}\n1 problem found; nothing was imported.\n")


def test_config_show_prints_the_narrative_as_written(tmp_path: Path) -> None:
    from upheld.synthetic.demo import write_config

    write_config(tmp_path, [ReviewYear(2024)])
    path = tmp_path / "2024-25.toml"
    path.write_text(
        path.read_text().replace(
            "I am writing with", "See [our guidance] and [/b] [bold]this[/bold]. I am writing with"
        )
    )
    result = CliRunner().invoke(
        cli, ["--config", str(tmp_path), "config", "show", "--year", "2024-25"]
    )
    assert result.exit_code == 0, result.output
    assert "See [our guidance] and [/b] [bold]this[/bold]. I am writing with" in result.output
    assert "require_approval = true" in result.output
