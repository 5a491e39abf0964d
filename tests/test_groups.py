"""Peer groups: who a council is compared with, chosen on the command line, in pages and the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from upheld.cli import cli
from upheld.config import load_settings
from upheld.core.figures import compute
from upheld.core.groups import TYPE, built_in, custom
from upheld.core.output import authority_fields
from upheld.core.periods import ReviewYear
from upheld.core.stats import Counts
from upheld.core.vocabulary import SERVICE_AREAS
from upheld.errors import ConfigError
from upheld.register import Register

YEAR = ReviewYear(2023)
BURY, BOLTON, MANCHESTER, WIGAN = "E08000002", "E08000001", "E08000003", "E08000010"
STOCKPORT = "E08000007"


def uphold(upheld: int, not_upheld: int) -> Counts:
    return Counts(decided_by_outcome={"upheld": upheld, "not_upheld": not_upheld})


@pytest.fixture(scope="module")
def counted(register: Register) -> dict[str, Counts]:
    """Every metropolitan borough with a different uphold rate: 1 of 1, 1 of 2, 1 of 3, ..."""
    boroughs = [c for c in register.in_year(YEAR) if c.type == "metropolitan"]
    return {c.code: uphold(1, n) for n, c in enumerate(sorted(boroughs, key=lambda c: c.code))}


def test_type_is_the_ombudsmans_comparison(register: Register, counted: dict[str, Counts]) -> None:
    figures = compute(register, YEAR, counted)
    average = figures.average_for(BURY)
    assert average is not None
    assert average is figures.averages["metropolitan"]
    assert average.councils == 36
    assert figures.group == TYPE


def test_nearest_is_the_councils_closest_in_population(
    register: Register, counted: dict[str, Counts]
) -> None:
    nearest = built_in("nearest", 5)
    assert nearest is not None
    figures = compute(register, YEAR, counted, group=nearest)
    average = figures.average_for(BURY)
    assert average is not None
    assert average.councils == 5
    sizes = {code: p.population for code, p in figures.populations.items()}
    boroughs = [c for c in figures.councils.values() if c.type == "metropolitan"]
    closest = sorted(boroughs, key=lambda c: (abs(sizes[c.code] - sizes[BURY]), c.code))[:5]
    assert BURY in {c.code for c in closest}
    expected = sum(counted[c.code].rate("uphold_rate").value or 0 for c in closest) / 5
    assert average.rate("uphold_rate") == expected
    # Each council has its own group, so two councils' averages differ.
    assert figures.average_for(BURY) != figures.average_for("E08000025")  # Birmingham


def test_region_and_custom_groups(register: Register, counted: dict[str, Counts]) -> None:
    region = built_in("region")
    assert region is not None
    figures = compute(register, YEAR, counted, group=region)
    north_west = [
        c
        for c in figures.councils.values()
        if c.type == "metropolitan" and c.region == register[BURY].region
    ]
    average = figures.average_for(BURY)
    assert average is not None
    assert average.councils == len(north_west) < 36
    members = [BURY, BOLTON, MANCHESTER, WIGAN, STOCKPORT]
    greater_manchester = custom("gm", "Greater Manchester", members)
    figures = compute(register, YEAR, counted, group=greater_manchester)
    average = figures.average_for(BURY)
    assert average is not None
    assert average.councils == 5
    assert figures.average_for("E08000025") is None  # not a member: nothing to compare with
    assert greater_manchester.describe(register[BURY]) == "Greater Manchester"


def test_a_group_too_small_has_no_average(register: Register, counted: dict[str, Counts]) -> None:
    # With fewer than five councils, an average is nearly a council's own figure, and less its
    # own counts it gives away its neighbours' (which it would see in its letter before
    # publication): a group that small is not compared.
    pair = custom("pair", "Bury and Bolton", [BURY, BOLTON])
    figures = compute(register, YEAR, counted, group=pair)
    assert figures.average_for(BURY) is None
    assert BURY not in figures.peers
    fields = authority_fields(figures, BURY)
    assert fields["similar_uphold_rate"] is None
    assert fields["uphold_rate_comparison"] is None
    assert fields["by_category"]["Housing"]["similar_investigated"] is None
    four = custom("four", "four", [BURY, BOLTON, MANCHESTER, WIGAN])
    assert compute(register, YEAR, counted, group=four).average_for(BURY) is None


def test_groups_are_declared_in_settings(tmp_path: Path) -> None:
    (tmp_path / "upheld.toml").write_text(
        '[statistics]\nnearest = 8\nminimum_base = 10\n\n[groups.core_cities]\nlabel = "Core '
        'cities"\nmembers = ["E08000025", "e08000003"]\n'
    )
    settings = load_settings(tmp_path)
    assert settings.statistics.minimum_base == 10
    nearest = settings.group("nearest")
    assert nearest is not None
    assert nearest.nearest == 8
    core = settings.group("core_cities")
    assert core is not None
    assert core.members == frozenset({"E08000025", "E08000003"})
    assert settings.group_names == ["type", "nearest", "region", "core_cities"]
    for bad, said in [
        ("[groups.type]\nmembers = ['E08000025']\n", "needs another name"),
        ("[groups.x]\nmembers = []\n", "members must be a list of council codes"),
        ("[groups.x]\nmembers = ['E08000025']\ncolour = 'red'\n", "unknown key 'colour'"),
        ("[statistics]\nminimum_base = 0\n", "minimum_base must be at least 1"),
        ("[statistics]\nminimum_base = true\n", "minimum_base must be int, not True"),
    ]:
        (tmp_path / "upheld.toml").write_text(bad)
        with pytest.raises(ConfigError, match=said):
            load_settings(tmp_path)


def test_stats_compares_within_the_group_asked_for(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'upheld.db'}"
    rows = case_rows(BURY, {"upheld": 3, "not_upheld": 1}, year=2023)
    rows += case_rows(BOLTON, {"upheld": 1, "not_upheld": 1}, year=2023)
    rows += case_rows(MANCHESTER, {"upheld": 1, "not_upheld": 3}, year=2023)
    cases = write_csv(tmp_path / "cases.csv", CASE_COLUMNS, rows)
    config = tmp_path / "config"
    config.mkdir()
    members = ", ".join(f'"{c}"' for c in (BURY, BOLTON, MANCHESTER, WIGAN, STOCKPORT))
    (config / "upheld.toml").write_text(
        f'[groups.five]\nlabel = "five boroughs"\nmembers = [{members}]\n'
    )
    base = ["--db", url, "--config", str(config)]
    assert CliRunner().invoke(cli, [*base, "import", "cases", str(cases)]).exit_code == 0

    def bury(group: str) -> dict[str, object]:
        result = CliRunner().invoke(
            cli,
            [*base, "stats", "--year", "2023-24", "--format", "json", "--group", group],
        )
        assert result.exit_code == 0, result.output
        found = json.loads(result.output)
        assert found["group"]["name"] == group
        row: dict[str, object] = next(a for a in found["authorities"] if a["code"] == BURY)
        return row

    # (75% + 50% + 25%) / 3: Wigan and Stockport have no detailed investigations.
    assert bury("five")["similar_uphold_rate"] == 50
    assert bury("five")["similar_councils"] == 5
    assert bury("type")["similar_councils"] == 36
    refused = CliRunner().invoke(cli, [*base, "stats", "--year", "2023-24", "--group", "nope"])
    assert refused.exit_code == 2
    assert "no peer group 'nope'; choose type, nearest, region, five" in refused.output


def test_pages_and_the_api_take_a_group(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from tests.test_web_safety import CASE_HEADER, small_site
    from upheld.web import create_app

    rows = [
        [f"23-{n}", code, "2023-05-01", "Housing", "2023-09-01", outcome, "Put right."]
        for n, (code, outcome) in enumerate(
            [(BURY, "upheld"), (BURY, "upheld"), (BOLTON, "not_upheld"), (MANCHESTER, "upheld")]
        )
    ]
    site = small_site(tmp_path, {"cases": (CASE_HEADER, rows)})
    with TestClient(create_app(site)) as client:
        page = client.get(f"/councils/{BURY}/2023-24.json?group=nearest").json()
        assert page["group"]["name"] == "nearest"
        assert "closest in population" in page["compared_with"]
        assert client.get(f"/councils/{BURY}/2023-24?group=region").status_code == 200
        mapped = client.get("/index.json?group=region").json()
        assert mapped["group"] == "region"
        api = client.get("/api/v1/years/2023-24/statistics?group=nearest").json()
        assert api["group"]["name"] == "nearest"
        council = client.get(f"/api/v1/councils/{BURY}/2023-24?group=region").json()
        assert council["group"]["name"] == "region"
        for url in (f"/councils/{BURY}/2023-24?group=nope", "/?group=nope"):
            refused = client.get(url)
            assert refused.status_code == 400, url
            assert "group must be one of type, nearest, region" in refused.text
        assert client.get("/api/v1/years/2023-24/statistics?group=nope").status_code == 400


def test_service_areas_against_the_same_area_across_the_group(register: Register) -> None:
    from upheld.core.output import area_fields

    def council(housing: tuple[int, int], care: tuple[int, int]) -> Counts:
        return Counts(
            received_by_category={"Housing": sum(housing) + 1, "Adult care services": sum(care)},
            decided_by_outcome={"upheld": housing[0] + care[0], "not_upheld": housing[1] + care[1]},
            decided_by_category={
                "Housing": {"upheld": housing[0], "not_upheld": housing[1]},
                "Adult care services": {"upheld": care[0], "not_upheld": care[1]},
            },
        )

    counted = {BURY: council((3, 1), (1, 1)), BOLTON: council((1, 3), (2, 0))}
    pair = custom("five", "five boroughs", [BURY, BOLTON, MANCHESTER, WIGAN, STOCKPORT])
    figures = compute(register, YEAR, counted, group=pair)
    areas = area_fields(figures, BURY)
    assert list(areas) == list(SERVICE_AREAS.keys)  # every one, in the ombudsman's order
    housing = areas["Housing"]
    assert (housing["received"], housing["investigated"], housing["upheld"]) == (5, 4, 3)
    assert housing["uphold_rate"] == 75
    assert (housing["similar_investigated"], housing["similar_upheld"]) == (8, 4)
    assert housing["similar_uphold_rate"] == 50  # pooled: 4 of 8, not the mean of 75% and 25%
    assert sum(a["investigated"] for a in areas.values()) == counted[BURY].investigated
    assert areas["Planning and development"]["uphold_rate"] is None
    assert (
        area_fields(compute(register, YEAR, counted, group=pair), "E08000025")["Housing"][
            "similar_uphold_rate"
        ]
        is None
    )  # not in the group: nothing to compare with
