"""`upheld check`: the release checks find wrong figures, totals that do not add up, letters
that are missing, unapproved or out of date, and large changes, and say so plainly."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select

from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from upheld.cli import cli
from upheld.config import load_settings
from upheld.core.figures import YearFigures
from upheld.core.output import authority_fields, counts_fields
from upheld.core.periods import ReviewYear
from upheld.core.stats import Counts
from upheld.errors import ConfigError
from upheld.register import Register
from upheld.release import national_totals, row_totals, shown_statistics
from upheld.store import schema
from upheld.store.queries import year_figures

BURY, BOLTON, MANCHESTER = "E08000002", "E08000001", "E08000003"
YEAR = ReviewYear(2023)
CHECKED = ("--authority", BURY, "--authority", BOLTON)

YEAR_CONFIG = """
[letter]
date = 2024-07-16
signatory = "Alex Example"
signatory_title = "Local Government Ombudsman"
show_upheld_per_100k = true

[publication]
date = 2024-07-23
time = 10:00:00

[narrative]
opening = "I write with {council}'s annual review for {year}."
closing = "Thank you."
"""

Run = Callable[..., Result]


@pytest.fixture
def run(engine: Engine, database_url: str, tmp_path: Path) -> Run:
    """A 2023-24 review of Bury (9 of 10 upheld) and Bolton (6 of 12), with their chief
    executives' addresses, and Manchester with cases but no letter and no address; Bury's and
    Bolton's letters written and approved. Returns a runner of `upheld` commands over it."""
    config = tmp_path / "config"
    config.mkdir()
    (config / "2023-24.toml").write_text(YEAR_CONFIG, encoding="utf-8")

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(
            cli, ["--db", database_url, "--config", str(config), *args], catch_exceptions=False
        )

    rows = case_rows(BURY, {"upheld": 9, "not_upheld": 1}, year=2023, remedies=3)
    rows += case_rows(BOLTON, {"upheld": 6, "not_upheld": 6}, year=2023, remedies=2)
    rows += case_rows(MANCHESTER, {"upheld": 4, "not_upheld": 4}, year=2023)
    cases = write_csv(tmp_path / "cases.csv", CASE_COLUMNS, rows)
    contacts = write_csv(
        tmp_path / "contacts.csv",
        ("authority", "role", "name", "email"),
        [
            (BURY, "chief_executive", "Jane Smith", "ceo@bury.example"),
            (BOLTON, "chief_executive", "Sam Jones", "ceo@bolton.example"),
        ],
    )
    for kind, path in (("cases", cases), ("contacts", contacts)):
        assert invoke("import", kind, "--no-index", str(path)).exit_code == 0
    out = str(tmp_path / "letters")
    written = invoke("letters", "--year", "2023-24", *CHECKED, "--out", out, "--format", "html")
    assert written.exit_code == 0, written.output
    assert invoke("letters", "approve", "--year", "2023-24").exit_code == 0
    return invoke


def check(run: Run, *args: str, year: str = "2023-24") -> tuple[int, dict[str, Any]]:
    """Run the checks as JSON: the exit code and the report."""
    result = run("check", "--year", year, "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def messages(report: dict[str, Any], code: str) -> list[str]:
    return [f["message"] for f in report["findings"] if f["code"] == code]


def test_a_clean_year_passes(run: Run) -> None:
    result = run("check", "--year", "2023-24", *CHECKED)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Release checks for 2023-24: 2 councils" in text
    for name in ("figures", "totals", "letters", "changes"):
        assert any(line.startswith(name) and "passed" in line for line in text.splitlines())
    assert "0 errors, 0 warnings in 0 councils" in text
    assert text.rstrip().endswith("All checks passed.")
    code, report = check(run, *CHECKED)
    assert code == 0
    assert report == {
        "year": "2023-24",
        "checks": ["figures", "totals", "letters", "changes"],
        "findings": [],
        "errors": 0,
        "warnings": 0,
    }


def _plant(engine: Engine, code: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the figures kept with a council's letter, as a fault in writing them would."""
    table = schema.letter_versions
    with engine.begin() as connection:
        row = connection.execute(
            select(table.c.id, table.c.figures).where(table.c.authority == code)
        ).one()
        figures = json.loads(row.figures)
        change(figures)
        connection.execute(
            table.update().where(table.c.id == row.id).values(figures=json.dumps(figures))
        )


def test_a_wrong_percentage_in_a_letter_is_an_error(run: Run, engine: Engine) -> None:
    def wrong(figures: dict[str, Any]) -> None:
        figures["statistics"]["uphold_rate"]["value"] = 91

    _plant(engine, BURY, wrong)
    code, report = check(run, *CHECKED)
    assert code == 1
    assert messages(report, "percentage_mismatch") == [
        "Bury Metropolitan Borough Council: letter version 1 (approved) gives the uphold rate "
        "as '9 of 10 = 91%'; it should be 90%"
    ]
    found = next(f for f in report["findings"] if f["code"] == "percentage_mismatch")
    assert (found["level"], found["check"], found["council"]) == ("error", "figures", BURY)


def test_a_wrong_percentage_in_the_statistics_is_an_error(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A fault in presenting a figure: 9 of 10 shown as 91%. The check works it out again from
    # the counts, as the catalogue rounds, so it does not share the fault.
    shown = Counts.figure

    def faulty(self: Counts, key: str) -> int | float | None:
        figure = shown(self, key)
        if key == "uphold_rate" and (self.upheld, self.investigated) == (9, 10):
            return 91
        return figure

    monkeypatch.setattr(Counts, "figure", faulty)
    code, report = check(run, *CHECKED)
    assert code == 1
    assert (
        "Bury Metropolitan Borough Council: the statistics give the uphold rate as "
        "'9 of 10 = 91%'; it should be 90%"
    ) in messages(report, "percentage_mismatch")


def test_the_published_rows_are_checked_figure_by_figure(
    run: Run, engine: Engine, register: Register
) -> None:
    with engine.connect() as connection:
        figures: YearFigures = year_figures(connection, register, YEAR)
    row = authority_fields(figures, BURY)
    counts = figures.counts[BURY]
    assert shown_statistics("Bury", BURY, row, counts) == []
    row["uphold_rate_exact"] = 90.4
    row["upheld_per_100k"] = 99.9
    row["by_category"]["Housing"]["uphold_rate"] = 91
    found = [f.message for f in shown_statistics("Bury", BURY, row, counts)]
    assert found == [
        "Bury: the statistics give the uphold rate to one decimal place as '9 of 10 = 90.4%'; "
        "it should be 90.0%",
        "Bury: the statistics give upheld per 100,000 residents as "
        f"'9 for {counts.population:,} residents = 99.9'; it should be "
        f"{figures.counts[BURY].shown('upheld_per_100k')}",
        "Bury: the statistics give the uphold rate for Housing as '9 of 10 = 91%'; it should be "
        "90%",
    ]


def test_parts_that_do_not_add_up_are_errors(run: Run, engine: Engine, register: Register) -> None:
    with engine.connect() as connection:
        figures = year_figures(connection, register, YEAR)
    row = authority_fields(figures, BURY)
    assert row_totals("Bury", BURY, row) == []
    row["received_by_category"]["Housing"] += 1
    row["decided_by_outcome"]["not_upheld"] = 2
    found = [(f.code, f.message) for f in row_totals("Bury", BURY, row)]
    assert (
        "received_total",
        "Bury: complaints received by service area add up to 11, not the 10 received",
    ) in found
    assert ("decided_total", "Bury: decisions by outcome add up to 11, not the 10 decided") in found
    assert (
        "investigated_total",
        "Bury: upheld and not upheld decisions add up to 11, not the 10 detailed investigations",
    ) in found
    councils = [counts_fields(c) for c in figures.counts.values()]
    national = counts_fields(figures.national)
    assert national_totals(councils, national) == []
    national["upheld"] += 1
    assert [f.message for f in national_totals(councils, national)] == [
        "National figures: the councils' upheld decisions add up to 19, not the national 20"
    ]


def test_a_missing_or_draft_letter_and_a_missing_address_are_errors(
    run: Run, tmp_path: Path
) -> None:
    late = write_csv(
        tmp_path / "late.csv",
        CASE_COLUMNS,
        case_rows(BOLTON, {"upheld": 1}, year=2023, prefix="LATE"),
    )
    # Bolton's letter is written again after a late decision: a new draft, not yet approved.
    assert run("import", "cases", "--no-index", str(late)).exit_code == 0
    out = str(tmp_path / "again")
    again = run(
        "letters",
        "--year",
        "2023-24",
        "--authority",
        BOLTON,
        "--out",
        out,
        "--format",
        "html",
        "--reason",
        "A late decision",
    )
    assert again.exit_code == 0, again.output
    code, report = check(run, *CHECKED, "--authority", MANCHESTER)
    assert code == 1
    assert messages(report, "not_approved") == [
        "Bolton Metropolitan Borough Council: the newest letter (version 2) is still a draft, "
        "not approved"
    ]
    assert messages(report, "no_letter") == [
        "Manchester City Council: no letter has been written for 2023-24"
    ]
    assert messages(report, "no_email") == [
        "Manchester City Council: no email address for the chief executive"
    ]
    assert {f["check"] for f in report["findings"]} == {"letters"}
    # Bolton's late decision moved the average Bury's approved letter gives.
    [bury] = messages(report, "letter_out_of_date")
    assert bury.startswith("Bury Metropolitan Borough Council: letter version 1 (approved)")
    table = run("check", "--year", "2023-24", *CHECKED, "--authority", MANCHESTER)
    assert table.exit_code == 1
    assert "approve them with: upheld letters approve --year 2023-24" in table.output
    assert "4 errors, 0 warnings in 3 councils" in table.output


CUMBERLAND = "E06000063"


def decided_in_2022_23(run: Run, tmp_path: Path, code: str) -> None:
    """A council's decisions in 2022-23, whose letters are dated July 2023."""
    config = YEAR_CONFIG.replace("2024-07", "2023-07")
    (tmp_path / "config" / "2022-23.toml").write_text(config, encoding="utf-8")
    rows = case_rows(code, {"upheld": 3, "not_upheld": 3}, year=2022)
    cases = write_csv(tmp_path / f"{code}.csv", CASE_COLUMNS, rows)
    assert run("import", "cases", "--no-index", str(cases)).exit_code == 0


def add_cumberlands_chief_executive(run: Run, tmp_path: Path) -> None:
    contacts = write_csv(
        tmp_path / "cumberland.csv",
        ("authority", "role", "name", "email"),
        [(CUMBERLAND, "chief_executive", "Alex Brown", "ceo@cumberland.example")],
    )
    assert run("import", "contacts", str(contacts)).exit_code == 0


def no_email(run: Run, code: str) -> list[str]:
    return messages(check(run, "--authority", code, year="2022-23")[1], "no_email")


@pytest.mark.parametrize(
    ("code", "without", "with_cumberland"),
    [
        # Allerdale existed all through 2022-23 and was abolished on 31 March 2023: its letter,
        # in July 2023, goes to the chief executive of Cumberland, which took over.
        (
            "E07000026",
            "Allerdale Borough Council: no email address for the chief executive of Cumberland "
            "Council, who receives its letter",
            None,
        ),
        # Cumbria's work went to two councils on 1 April 2023: its letter goes to both.
        (
            "E10000006",
            "Cumbria County Council: no email address for the chief executives of Cumberland "
            "Council and Westmorland and Furness Council, who receive its letter",
            "Cumbria County Council: no email address for the chief executive of Westmorland and "
            "Furness Council, who receives its letter",
        ),
    ],
)
def test_a_council_abolished_by_the_letter_date_needs_its_successors_addresses(
    run: Run, tmp_path: Path, code: str, without: str, with_cumberland: str | None
) -> None:
    config = YEAR_CONFIG.replace("2024-07", "2023-07")
    (tmp_path / "config" / "2022-23.toml").write_text(config, encoding="utf-8")
    rows = case_rows(code, {"upheld": 3, "not_upheld": 3}, year=2022)
    cases = write_csv(tmp_path / "cases.csv", CASE_COLUMNS, rows)
    assert run("import", "cases", "--no-index", str(cases)).exit_code == 0
    assert messages(check(run, "--authority", code, year="2022-23")[1], "no_email") == [without]
    contacts = write_csv(
        tmp_path / "cumberland.csv",
        ("authority", "role", "name", "email"),
        [("E06000063", "chief_executive", "Alex Brown", "ceo@cumberland.example")],
    )
    assert run("import", "contacts", str(contacts)).exit_code == 0
    found = messages(check(run, "--authority", code, year="2022-23")[1], "no_email")
    assert found == ([with_cumberland] if with_cumberland else [])


def test_data_changed_after_approval_names_the_letter_and_the_figures(
    run: Run, tmp_path: Path
) -> None:
    late = write_csv(
        tmp_path / "late.csv",
        CASE_COLUMNS,
        case_rows(BURY, {"upheld": 2}, year=2023, prefix="LATE"),
    )
    assert run("import", "cases", "--no-index", str(late)).exit_code == 0
    code, report = check(run, *CHECKED)
    assert code == 1
    bolton, said = messages(report, "letter_out_of_date")  # in the councils' name order
    assert said.startswith(
        "Bury Metropolitan Borough Council: letter version 1 (approved) no longer matches the "
        "data: complaints received 10 → 12; decisions 10 → 12; detailed investigations 10 → 12; "
        "upheld decisions 9 → 11; uphold rate 90% (9 of 10) → 92% (11 of 12); "
    )
    assert "satisfactory remedy rate 33% (3 of 9) → 27% (3 of 11)" in said
    # Bolton's own figures did not change, but the average of similar authorities did.
    assert bolton == (
        "Bolton Metropolitan Borough Council: letter version 1 (approved) no longer matches the "
        "data: similar authorities' uphold rate 63% → 64%; similar authorities' satisfactory "
        "remedy rate 22% → 20%"
    )


def test_a_large_change_on_the_year_before_is_a_warning_that_does_not_fail(
    run: Run, tmp_path: Path
) -> None:
    before = case_rows(BURY, {"upheld": 2, "not_upheld": 18}, year=2022)
    before += case_rows(BOLTON, {"upheld": 6, "not_upheld": 6}, year=2022)
    path = write_csv(tmp_path / "before.csv", CASE_COLUMNS, before)
    assert run("import", "cases", "--no-index", str(path)).exit_code == 0
    code, report = check(run, *CHECKED)
    assert code == 0
    assert report["errors"] == 0
    said = messages(report, "large_change")
    assert (
        "Bury Metropolitan Borough Council: the uphold rate rose from 10% (2 of 20) in 2022-23 "
        "to 90% (9 of 10), more than twice the year before"
    ) in said
    assert all(f["level"] == "warning" for f in report["findings"])
    assert not [f for f in report["findings"] if f["council"] == BOLTON]  # the same as before
    table = run("check", "--year", "2023-24", *CHECKED)
    assert table.exit_code == 0
    assert "All checks passed; the warnings are for review." in table.output
    # A larger factor, on the command line or in upheld.toml, lets the change by.
    assert check(run, *CHECKED, "--factor", "10")[1]["warnings"] == 0


def test_the_factor_is_a_setting(tmp_path: Path) -> None:
    (tmp_path / "upheld.toml").write_text("[check]\nchange_factor = 3\n", encoding="utf-8")
    assert load_settings(tmp_path).check.change_factor == 3.0
    assert load_settings(tmp_path / "none").check.change_factor == 2.0
    (tmp_path / "upheld.toml").write_text("[check]\nchange_factor = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[check\] change_factor must be more than 1"):
        load_settings(tmp_path)


def test_the_configured_factor_applies(run: Run, tmp_path: Path) -> None:
    before = case_rows(BURY, {"upheld": 2, "not_upheld": 18}, year=2022)
    path = write_csv(tmp_path / "before.csv", CASE_COLUMNS, before)
    assert run("import", "cases", "--no-index", str(path)).exit_code == 0
    assert messages(check(run, "--authority", BURY)[1], "large_change")
    settings = tmp_path / "config" / "upheld.toml"
    settings.write_text("[check]\nchange_factor = 10\n", encoding="utf-8")
    assert not messages(check(run, "--authority", BURY)[1], "large_change")


def test_a_year_without_its_configuration_is_an_error_and_the_rest_still_run(
    run: Run, tmp_path: Path
) -> None:
    (tmp_path / "config" / "2023-24.toml").unlink()
    code, report = check(run, *CHECKED)
    assert code == 1
    [said] = messages(report, "no_configuration")
    assert said.startswith("The letters for 2023-24 cannot be checked against the data: ")
    assert "2023-24.toml is missing" in said
    assert report["checks"] == ["figures", "totals", "letters", "changes"]


def test_bad_input_is_one_line_without_a_traceback(run: Run) -> None:
    unknown = run("check", "--year", "2023-24", "--authority", "Nowhere Council")
    assert unknown.exit_code == 2
    assert "Error: no council called 'Nowhere Council'" in unknown.output
    assert "Traceback" not in unknown.output
    empty = run("check", "--year", "2031-32")
    assert empty.exit_code == 2
    assert "there are no case records and no letters for 2031-32" in empty.output
    cumbria = run("check", "--year", "2023-24", "--authority", "E10000006")
    assert cumbria.exit_code == 2
    assert "Cumbria County Council did not exist in 2023-24" in cumbria.output
    assert run("check").exit_code == 2
    assert run("check", "--year", "2023-24", "--factor", "0.5").exit_code == 2
