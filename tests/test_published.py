"""The ombudsman's published figures (methodology.md), reproduced from case-level records.

Each council's own figures come from its cases exactly as published. The averages of similar
authorities depend on every peer council's cases, which are not public, so each test builds peers
whose rates give the published average, and checks the whole chain (import, count, average,
round) lands on the published numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from upheld.core.output import statistics
from upheld.core.periods import ReviewYear
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.register import Register
from upheld.store.queries import year_figures

POOLE, BOURNEMOUTH = "E06000029", "E06000028"
DORSET_CC, SOMERSET_CC = "E10000009", "E10000027"
NORTHAMPTON, RUNNYMEDE, GUILDFORD = "E07000154", "E07000212", "E07000209"
KENT, BURY = "E10000016", "E08000002"


def year_stats(
    engine: Engine,
    register: Register,
    tmp_path: Path,
    year: int,
    cases: list[tuple[str, ...]],
    compliance: Sequence[tuple[str, str, str]] = (),
) -> dict[str, Any]:
    """Import cases (and compliance outcomes), then the year's statistics by council code."""
    cases_file = write_csv(tmp_path / "cases.csv", CASE_COLUMNS, cases)
    import_files(engine, KINDS["cases"], [cases_file], register)
    if compliance:
        path = write_csv(
            tmp_path / "compliance.csv", ("reference", "assessed", "outcome"), compliance
        )
        import_files(engine, KINDS["compliance"], [path], register)
    with engine.connect() as connection:
        result = statistics(year_figures(connection, register, ReviewYear(year)))
    result["by_code"] = {row["code"]: row for row in result["authorities"]}
    return result


def complied(
    rows: list[tuple[str, ...]], on_time: int, late: int = 0, not_complied: int = 0
) -> list[tuple[str, str, str]]:
    """Compliance outcomes for the first upheld cases among rows, assessed in the same year."""
    upheld = [r for r in rows if r[5] == "upheld"]
    outcomes = ["complied"] * on_time + ["complied_late"] * late + ["not_complied"] * not_complied
    assert len(outcomes) <= len(upheld)
    return [
        (row[0], row[4][:4] + "-12-15", outcome)
        for row, outcome in zip(upheld, outcomes, strict=False)
    ]


def test_poole_2018_19(engine: Engine, register: Register, tmp_path: Path) -> None:
    """Poole (unitary) 2018-19: 12 of 15 = 80%; 10 outcomes, 100%; 1 of 12 = 8%; avg 55/100/11."""
    poole = case_rows(
        "Poole Borough Council", {"upheld": 12, "not_upheld": 3}, year=2018, remedies=1
    )
    peer = case_rows(BOURNEMOUTH, {"upheld": 30, "not_upheld": 70}, year=2018, remedies=4)
    result = year_stats(
        engine, register, tmp_path, 2018, poole + peer, complied(poole, 10) + complied(peer, 20)
    )
    row = result["by_code"][POOLE]
    assert (row["upheld"], row["investigated"], row["uphold_rate"]) == (12, 15, 80)
    assert (row["compliance_outcomes"], row["compliance_rate"]) == (10, 100)
    assert (row["satisfactory_remedies"], row["satisfactory_remedy_rate"]) == (1, 8)
    assert (
        row["similar_uphold_rate"],
        row["similar_compliance_rate"],
        row["similar_satisfactory_remedy_rate"],
    ) == (55, 100, 11)
    assert row["population"] is None  # no estimate before mid-2019 in the register
    assert row["upheld_per_100k"] is None


def test_dorset_county_council_2018_19(engine: Engine, register: Register, tmp_path: Path) -> None:
    """Dorset CC 2018-19: 24 of 34 = 71%; 19 outcomes, 100%; 0 of 24 = 0%; avg 64/99/9."""
    dorset = case_rows(DORSET_CC, {"upheld": 24, "not_upheld": 10}, year=2018)
    peer = case_rows(SOMERSET_CC, {"upheld": 54, "not_upheld": 40}, year=2018, remedies=10)
    outcomes = complied(dorset, 19) + complied(peer, 45, late=4, not_complied=1)
    result = year_stats(engine, register, tmp_path, 2018, dorset + peer, outcomes)
    row = result["by_code"][DORSET_CC]
    assert (row["upheld"], row["investigated"], row["uphold_rate"]) == (24, 34, 71)
    assert (row["compliance_outcomes"], row["compliance_rate"]) == (19, 100)
    assert (row["satisfactory_remedies"], row["satisfactory_remedy_rate"]) == (0, 0)
    assert (
        row["similar_uphold_rate"],
        row["similar_compliance_rate"],
        row["similar_satisfactory_remedy_rate"],
    ) == (64, 99, 9)


def test_northampton_2021_22_after_abolition(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    """Northampton 2021-22: 2 of 4 = 50%, no compliance outcomes, 0 of 2 = 0%; districts 51/20.

    Northampton Borough Council was abolished on 31 March 2021; its decisions in 2021-22 still
    count for it, but it is no longer compared with districts (methodology.md).
    """
    northampton = case_rows(
        "Northampton Borough Council", {"upheld": 2, "not_upheld": 2}, year=2021
    )
    for row in northampton:  # received before abolition, decided after
        assert row[2] == "2021-05-01"
    northampton = [(r[0], r[1], "2021-01-15", *r[3:]) for r in northampton]
    peer = case_rows(GUILDFORD, {"upheld": 51, "not_upheld": 49}, year=2021, remedies=10)
    result = year_stats(engine, register, tmp_path, 2021, northampton + peer)
    row = result["by_code"][NORTHAMPTON]
    assert row["existed"] is False
    assert (row["upheld"], row["investigated"], row["uphold_rate"]) == (2, 4, 50)
    assert (row["compliance_outcomes"], row["compliance_rate"]) == (0, None)
    assert (row["satisfactory_remedies"], row["satisfactory_remedy_rate"]) == (0, 0)
    assert row["similar_uphold_rate"] is None
    district = result["averages"]["district"]
    assert (district["uphold_rate"], district["satisfactory_remedy_rate"]) == (51, 20)
    assert district["councils"] == 181  # Northampton is not one of them


def test_kent_2022_23(engine: Engine, register: Register, tmp_path: Path) -> None:
    """Kent 2022-23: 53 of 61 = 87%; 51 outcomes; 4 of 53 = 8%; 3.4 per 100k; avg 80/100/6/3.4."""
    year = ReviewYear(2022)
    kent = case_rows(KENT, {"upheld": 53, "not_upheld": 8}, year=2022, remedies=4)
    rows = list(kent)
    outcomes = complied(kent, 51)
    # Every other county has about 3.4 upheld per 100,000 residents, 80% upheld, 6% remedied.
    for council in register.in_year(year):
        if council.type != "county" or council.code == KENT:
            continue
        population = register.population(council.code, year)
        assert population is not None
        upheld = round(population.population * 3.4 / 100_000)
        peers = case_rows(
            council.code,
            {"upheld": upheld, "not_upheld": round(upheld * 0.25)},
            year=2022,
            remedies=round(upheld * 0.06),
        )
        rows += peers
        outcomes += complied(peers, upheld)
    result = year_stats(engine, register, tmp_path, 2022, rows, outcomes)
    row = result["by_code"][KENT]
    assert (row["upheld"], row["investigated"], row["uphold_rate"]) == (53, 61, 87)
    assert (row["compliance_outcomes"], row["compliance_rate"]) == (51, 100)
    assert (row["satisfactory_remedies"], row["satisfactory_remedy_rate"]) == (4, 8)
    assert (row["population"], row["population_vintage"]) == (1_576_069, "Census 2021")
    assert row["upheld_per_100k"] == 3.4
    assert (
        row["similar_uphold_rate"],
        row["similar_compliance_rate"],
        row["similar_satisfactory_remedy_rate"],
        row["similar_upheld_per_100k"],
    ) == (80, 100, 6, 3.4)


def test_runnymede_2022_23(engine: Engine, register: Register, tmp_path: Path) -> None:
    """Runnymede 2022-23: 3 of 3 = 100%; no compliance outcomes; 2 of 3 = 67%."""
    rows = case_rows("Runnymede Borough Council", {"upheld": 3}, year=2022, remedies=2)
    row = year_stats(engine, register, tmp_path, 2022, rows)["by_code"][RUNNYMEDE]
    assert (row["upheld"], row["investigated"], row["uphold_rate"]) == (3, 3, 100)
    assert (row["compliance_outcomes"], row["compliance_rate"]) == (0, None)
    assert (row["satisfactory_remedies"], row["satisfactory_remedy_rate"]) == (2, 67)


def test_bury_2019_20(engine: Engine, register: Register, tmp_path: Path) -> None:
    """Bury 2019-20: 4 incomplete, 2 advice, 24 referred back, 27 closed, 9 not upheld, 6 upheld."""
    decisions = {
        "incomplete_invalid": 4,
        "advice_given": 2,
        "referred_back_for_local_resolution": 24,
        "closed_after_initial_enquiries": 27,
        "not_upheld": 9,
        "upheld": 6,
    }
    rows = case_rows(BURY, decisions, year=2019, remedies=1)
    rows.append(("19-open", BURY, "2020-03-01", "Housing", "", "", ""))
    outcomes = complied(rows, 3, late=1)
    result = year_stats(engine, register, tmp_path, 2019, rows, outcomes)
    row = result["by_code"][BURY]
    assert row["decided_by_outcome"] == decisions
    assert row["decided_by_outcome_group"] == {
        "not_for_us": 30,
        "assessed_and_closed": 27,
        "investigated": 15,
    }
    assert (row["received"], row["decided"], row["investigated"], row["upheld"]) == (73, 72, 15, 6)
    assert row["uphold_rate"] == 40
    assert (row["satisfactory_remedies"], row["satisfactory_remedy_rate"]) == (1, 17)
    assert (row["compliance_outcomes"], row["complied"], row["complied_late"]) == (4, 3, 1)
    assert row["compliance_rate"] == 100
    assert (row["population"], row["upheld_per_100k"]) == (190_990, 3.1)
    assert result["national"]["uphold_rate"] == 40  # Bury is the only council with cases


@pytest.mark.parametrize("method", ["mean", "pooled"])
def test_output_states_the_method(
    engine: Engine, register: Register, tmp_path: Path, method: str
) -> None:
    with engine.connect() as connection:
        figures = year_figures(connection, register, ReviewYear(2019), method)  # type: ignore[arg-type]
    result = statistics(figures)
    assert result["average_method"] == method
    assert len(result["authorities"]) == 343
    assert all(row["uphold_rate"] is None for row in result["authorities"])
