"""The council register: which councils exist each year, their facts, populations and names."""

from __future__ import annotations

import filecmp
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from upheld.core.periods import ReviewYear
from upheld.core.vocabulary import AUTHORITY_TYPES
from upheld.register import (
    AmbiguousAuthority,
    Council,
    Population,
    Register,
    UnknownAuthority,
    builtin,
    core_key,
    name_key,
)

REPO = Path(__file__).resolve().parent.parent
REFERENCE = REPO.parent / "shared" / "reference"
PACKAGE_DATA = REPO / "src" / "upheld" / "data" / "register"


@pytest.fixture(scope="module")
def register() -> Register:
    """The register shipped with upheld."""
    return builtin()


def estimate(register: Register, code: str, year: ReviewYear) -> Population:
    """The population a council's year uses, which the test expects to exist."""
    found = register.population(code, year)
    assert found is not None, (code, year)
    return found


# -- which councils exist each year -------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "county", "district", "metropolitan", "unitary", "london_borough"),
    [
        ("2018-19", 27, 201, 36, 56, 33),
        ("2019-20", 26, 192, 36, 56, 33),
        ("2020-21", 25, 188, 36, 57, 33),
        ("2021-22", 24, 181, 36, 59, 33),
        ("2022-23", 24, 181, 36, 59, 33),
        ("2023-24", 21, 164, 36, 63, 33),
        ("2024-25", 21, 164, 36, 63, 33),
        ("2025-26", 21, 164, 36, 63, 33),
    ],
)
def test_councils_per_type_each_year(
    register: Register,
    year: str,
    county: int,
    district: int,
    metropolitan: int,
    unitary: int,
    london_borough: int,
) -> None:
    counts = Counter(c.type for c in register.in_year(ReviewYear.parse(year)))
    assert counts == {
        "county": county,
        "district": district,
        "metropolitan": metropolitan,
        "unitary": unitary,
        "london_borough": london_borough,
    }


def test_2019_20_has_343_councils(register: Register) -> None:
    assert len(register.in_year(ReviewYear(2019))) == 343


@pytest.mark.parametrize(
    ("code", "year", "exists"),
    [
        ("E06000029", "2018-19", True),  # Borough of Poole
        ("E10000009", "2018-19", True),  # Dorset County Council
        ("E07000205", "2018-19", True),  # Suffolk Coastal
        ("E06000058", "2018-19", False),  # BCP began on 1 April 2019
        ("E06000058", "2019-20", True),
        ("E06000029", "2019-20", False),
        ("E10000002", "2019-20", True),  # Buckinghamshire County Council, to March 2020
        ("E10000002", "2020-21", False),
        ("E07000154", "2020-21", True),  # Northampton, to March 2021
        ("E07000154", "2021-22", False),
        ("E10000027", "2022-23", True),  # Somerset County Council, to March 2023
        ("E10000027", "2023-24", False),
        ("E06000066", "2023-24", True),
        ("E08000016", "2024-25", True),  # Barnsley's old code
        ("E08000016", "2025-26", False),
        ("E08000038", "2024-25", False),  # Barnsley's new code
        ("E08000038", "2025-26", True),
    ],
)
def test_exists_in_year(register: Register, code: str, year: str, exists: bool) -> None:
    assert register[code].exists_in(ReviewYear.parse(year)) is exists


@pytest.mark.parametrize(
    ("day", "exists"),
    [
        (date(2019, 4, 1), True),
        (date(2023, 3, 31), True),
        (date(2023, 4, 1), False),
        (date(2019, 3, 31), False),
    ],
)
def test_exists_on_first_and_last_day(register: Register, day: date, exists: bool) -> None:
    somerset_west_and_taunton = register["E07000246"]
    assert somerset_west_and_taunton.exists_on(day) is exists


def test_in_year_is_ordered_by_name(register: Register) -> None:
    names = [c.name.casefold() for c in register.in_year(ReviewYear(2023))]
    assert names == sorted(names)


def test_register_iterates_in_code_order(register: Register) -> None:
    codes = [c.code for c in register]
    assert codes == sorted(codes)
    assert len(register) == len(codes) == len(set(codes))


# -- facts about councils -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "short_name"),
    [
        ("E08000002", "Bury Metropolitan Borough Council", "Bury"),
        ("E08000026", "Coventry City Council", "Coventry"),
        ("E08000032", "City of Bradford Metropolitan District Council", "Bradford"),
        ("E10000016", "Kent County Council", "Kent"),
        ("E09000001", "City of London Corporation", "City of London"),
        ("E09000007", "London Borough of Camden", "Camden"),
        ("E06000053", "Council of the Isles of Scilly", "Isles of Scilly"),
        ("E06000029", "Borough of Poole", "Poole"),
        (
            "E06000058",
            "Bournemouth, Christchurch and Poole Council",
            "Bournemouth, Christchurch and Poole",
        ),
        ("E06000064", "Westmorland and Furness Council", "Westmorland and Furness"),
    ],
)
def test_names(register: Register, code: str, name: str, short_name: str) -> None:
    assert (register[code].name, register[code].short_name) == (name, short_name)


@pytest.mark.parametrize(
    ("code", "type_", "region", "parent"),
    [
        ("E08000002", "metropolitan", "North West", None),  # Bury
        ("E10000007", "county", "East Midlands", None),  # Derbyshire: mySociety says West Midlands
        ("E10000019", "county", "East Midlands", None),  # Lincolnshire: mySociety says Yorkshire
        ("E10000016", "county", "South East", None),  # Kent
        ("E07000110", "district", "South East", "E10000016"),  # Maidstone, in Kent
        ("E09000001", "london_borough", "London", None),  # City of London
        ("E09000007", "london_borough", "London", None),  # Camden
        ("E06000053", "unitary", "South West", None),  # Isles of Scilly
        ("E06000029", "unitary", "South West", None),  # Poole
        ("E07000154", "district", "East Midlands", "E10000021"),  # Northampton
        (
            "E07000153",
            "district",
            "East Midlands",
            "E10000021",
        ),  # Kettering: no region in mySociety
        # Forest Heath: mySociety gives no region and Surrey as its county; ONS says Suffolk.
        ("E07000201", "district", "East of England", "E10000029"),
        ("E07000244", "district", "East of England", "E10000029"),  # East Suffolk, from 2019
        ("E10000009", "county", "South West", None),  # Dorset County Council
        ("E06000064", "unitary", "North West", None),  # Westmorland and Furness
    ],
)
def test_type_region_and_county(
    register: Register, code: str, type_: str, region: str, parent: str | None
) -> None:
    council = register[code]
    assert (council.type, council.region, council.parent) == (type_, region, parent)


def test_every_council_is_complete(register: Register) -> None:
    for council in register:
        assert council.type in AUTHORITY_TYPES.keys, council
        assert council.type != "other", council
        assert council.region, council
        assert council.lat is not None, council
        assert council.lon is not None, council
        assert 49.8 < council.lat < 55.9, council
        assert -6.5 < council.lon < 1.8, council
        assert council.name in council.aliases
        assert council.short_name in council.aliases
        assert (council.parent is not None) == (council.type == "district"), council
        if council.parent is not None:
            assert register[council.parent].type == "county", council
        for successor in council.successors:
            assert successor in register, council
            assert council.valid_to is not None, council


def test_kent_and_its_twelve_districts(register: Register) -> None:
    kent = [c for c in register if c.parent == "E10000016"]
    assert len(kent) == 12
    assert all(c.type == "district" and c.exists_in(ReviewYear(2024)) for c in kent)


def test_every_district_of_a_year_has_a_county_of_that_year(register: Register) -> None:
    for year in map(ReviewYear, range(2018, 2026)):
        for district in (c for c in register.in_year(year) if c.type == "district"):
            assert district.parent is not None
            assert register[district.parent].exists_in(year), (district, year)


@pytest.mark.parametrize(
    ("code", "valid_from", "valid_to"),
    [
        ("E06000029", None, date(2019, 3, 31)),
        ("E07000246", date(2019, 4, 1), date(2023, 3, 31)),  # mySociety writes 2023-04-01
        ("E07000026", None, date(2023, 3, 31)),
        ("E10000021", None, date(2021, 3, 31)),
        ("E06000060", date(2020, 4, 1), None),
        ("E06000065", date(2023, 4, 1), None),
        ("E08000019", None, date(2025, 3, 31)),
        ("E08000039", date(2025, 4, 1), None),
        ("E08000002", None, None),
    ],
)
def test_first_and_last_days(
    register: Register, code: str, valid_from: date | None, valid_to: date | None
) -> None:
    assert (register[code].valid_from, register[code].valid_to) == (valid_from, valid_to)


@pytest.mark.parametrize(
    ("code", "successors"),
    [
        ("E06000029", ("E06000058",)),  # Poole -> Bournemouth, Christchurch and Poole
        ("E06000028", ("E06000058",)),
        ("E07000048", ("E06000058",)),
        ("E10000009", ("E06000058", "E06000059")),  # Dorset County Council -> BCP and Dorset
        ("E07000205", ("E07000244",)),  # Suffolk Coastal -> East Suffolk
        ("E07000190", ("E07000246",)),  # Taunton Deane -> Somerset West and Taunton
        ("E07000246", ("E06000066",)),  # ... -> Somerset
        ("E10000002", ("E06000060",)),
        ("E10000021", ("E06000061", "E06000062")),  # Northamptonshire -> North and West
        ("E10000006", ("E06000063", "E06000064")),  # Cumbria
        ("E10000023", ("E06000065",)),
        ("E10000027", ("E06000066",)),
        ("E08000016", ("E08000038",)),  # Barnsley recoded, April 2025
        ("E08000019", ("E08000039",)),  # Sheffield recoded, April 2025
        ("E06000058", ()),
    ],
)
def test_successors(register: Register, code: str, successors: tuple[str, ...]) -> None:
    assert register[code].successors == successors
    assert [c.code for c in register.successors(code)] == list(successors)


@pytest.mark.parametrize(
    ("code", "predecessors"),
    [
        ("E06000058", "E06000028 E06000029 E07000048 E10000009"),
        ("E06000059", "E07000049 E07000050 E07000051 E07000052 E07000053 E10000009"),
        ("E06000061", "E07000150 E07000152 E07000153 E07000156 E10000021"),
        ("E06000066", "E07000187 E07000188 E07000189 E07000246 E10000027"),
        ("E08000038", "E08000016"),
        ("E08000002", ""),
    ],
)
def test_predecessors(register: Register, code: str, predecessors: str) -> None:
    assert [c.code for c in register.predecessors(code)] == predecessors.split()


def test_recoded_barnsley_is_the_same_council(register: Register) -> None:
    old, new = register["E08000016"], register["E08000038"]
    assert (new.name, new.short_name, new.type, new.region) == (
        old.name,
        old.short_name,
        old.type,
        old.region,
    )
    assert (new.lat, new.lon) == (old.lat, old.lon)
    old_figure = estimate(register, "E08000016", ReviewYear(2024))
    assert estimate(register, "E08000038", ReviewYear(2025)) == Population(
        "E08000038", 2021, old_figure.population, "Census 2021"
    )


# -- populations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "year", "estimate_year", "population", "vintage"),
    [
        ("E08000002", "2019-20", 2019, 190_990, "ONS mid-2019 estimate"),  # Bury
        ("E08000002", "2020-21", 2020, 190_708, "ONS mid-2020 estimate"),
        ("E08000002", "2021-22", 2021, 193_851, "Census 2021"),
        ("E08000002", "2023-24", 2021, 193_851, "Census 2021"),  # latest earlier estimate
        ("E08000002", "2025-26", 2021, 193_851, "Census 2021"),
        ("E10000016", "2022-23", 2021, 1_576_069, "Census 2021"),  # Kent, sum of its districts
        ("E07000154", "2019-20", 2019, 224_610, "ONS mid-2019 estimate"),  # Northampton
        # ONS did publish mid-2020 figures for the Northamptonshire districts on April 2020
        # boundaries (demographr population20_ltla20), although the reference README says not.
        ("E07000154", "2020-21", 2020, 224_290, "ONS mid-2020 estimate"),
        ("E10000021", "2020-21", 2020, 757_181, "ONS mid-2020 estimate"),  # sum of the seven
        ("E06000065", "2023-24", 2021, 615_493, "Census 2021"),  # North Yorkshire Council
        ("E06000063", "2024-25", 2021, 273_255, "Census 2021"),  # Cumberland
        ("E09000001", "2019-20", 2019, 9_721, "ONS mid-2019 estimate"),  # City of London
        ("E06000053", "2019-20", 2019, 2_224, "ONS mid-2019 estimate"),  # Isles of Scilly
    ],
)
def test_population_for_year(
    register: Register, code: str, year: str, estimate_year: int, population: int, vintage: str
) -> None:
    assert register.population(code, ReviewYear.parse(year)) == Population(
        code, estimate_year, population, vintage
    )


@pytest.mark.parametrize(
    ("code", "year"),
    [("E06000029", "2018-19"), ("E10000009", "2018-19"), ("E99999999", "2019-20")],
)
def test_no_population(register: Register, code: str, year: str) -> None:
    assert register.population(code, ReviewYear.parse(year)) is None


@pytest.mark.parametrize("year", range(2019, 2026))
def test_every_council_has_a_population_from_2019_20(register: Register, year: int) -> None:
    for council in register.in_year(ReviewYear(year)):
        assert register.population(council.code, ReviewYear(year)) is not None, council


def test_county_is_the_sum_of_its_districts(register: Register) -> None:
    for year in (ReviewYear(2019), ReviewYear(2020), ReviewYear(2021)):
        for county in (c for c in register.in_year(year) if c.type == "county"):
            districts = [c for c in register.in_year(year) if c.parent == county.code]
            total = sum(estimate(register, d.code, year).population for d in districts)
            assert estimate(register, county.code, year).population == total


@pytest.mark.parametrize(
    ("year", "expected"),
    [(2018, None), (2019, 100), (2020, 100), (2021, 120), (2024, 120), (2030, 130)],
)
def test_population_falls_back_to_latest_earlier_estimate(year: int, expected: int | None) -> None:
    council = Council("E07999999", "Testshire District Council", "Testshire", "district")
    estimates = [
        Population("E07999999", 2019, 100, "ONS mid-2019 estimate"),
        Population("E07999999", 2021, 120, "Census 2021"),
        Population("E07999999", 2030, 130, "ONS mid-2030 estimate"),
    ]
    found = Register([council], estimates).population("E07999999", ReviewYear(year))
    assert (found.population if found else None) == expected


def test_populations_are_listed_by_code_and_year(register: Register) -> None:
    listed = register.populations()
    assert listed == sorted(listed, key=lambda p: (p.code, p.year))
    assert {p.vintage for p in listed} == {
        "ONS mid-2019 estimate",
        "ONS mid-2020 estimate",
        "Census 2021",
    }


# -- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Coventry City Council", "coventry city council"),
        ("  Westmorland & Furness   Council ", "westmorland and furness council"),
        ("King's Lynn and West Norfolk", "kings lynn and west norfolk"),
        ("Stockton-on-Tees", "stockton on tees"),
        ("Bristol, City of", "bristol city of"),
        ("St. Helens", "st helens"),
    ],
)
def test_name_key(text: str, key: str) -> None:
    assert name_key(text) == key


@pytest.mark.parametrize(
    ("text", "core"),
    [
        ("Coventry City Council", "coventry"),
        ("City of Bradford Metropolitan District Council", "bradford"),
        ("London Borough of Camden", "camden"),
        ("Royal Borough of Greenwich", "greenwich"),
        ("Borough Council of King's Lynn and West Norfolk", "kings lynn and west norfolk"),
        ("Bristol, City of", "bristol"),
        ("St Albans City and District Council", "st albans"),
        ("Council of the Isles of Scilly", "isles of scilly"),
        ("County Durham", "durham"),
        ("Council", "council"),
    ],
)
def test_core_key(text: str, core: str) -> None:
    assert core_key(name_key(text)) == core


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("E08000026", "E08000026"),
        ("  e08000026 ", "E08000026"),
        ("E06000048", "E06000057"),  # Northumberland's code before 2013
        ("E07000097", "E07000242"),  # East Hertfordshire's former code
        ("coventry city council", "E08000026"),
        ("Coventry", "E08000026"),
        ("COVENTRY", "E08000026"),
        ("Coventry Council", "E08000026"),
        ("Westmorland & Furness Council", "E06000064"),
        ("Westmorland and Furness", "E06000064"),
        ("London Borough of Camden", "E09000007"),
        ("Camden", "E09000007"),
        ("Camden London Borough Council", "E09000007"),
        ("Royal Borough of Greenwich", "E09000011"),
        ("Greenwich", "E09000011"),
        ("City of Bradford Metropolitan District Council", "E08000032"),
        ("Bradford Metropolitan District Council", "E08000032"),
        ("Bradford", "E08000032"),
        ("Bury Metropolitan Borough Council", "E08000002"),
        ("Bury Council", "E08000002"),
        ("Poole Borough Council", "E06000029"),
        ("Borough of Poole", "E06000029"),
        ("Bournemouth, Christchurch & Poole Council", "E06000058"),
        ("Kent County Council", "E10000016"),
        ("Northampton Borough Council", "E07000154"),
        ("Northamptonshire County Council", "E10000021"),
        ("Runnymede Borough Council", "E07000212"),
        ("Kingston upon Hull City Council", "E06000010"),
        ("Hull", "E06000010"),
        ("Bristol, City of", "E06000023"),
        ("City of London", "E09000001"),
        ("Isles of Scilly", "E06000053"),
        ("King's Lynn & West Norfolk Borough Council", "E07000146"),
        ("Somerset County Council", "E10000027"),
        ("Somerset Council", "E06000066"),
        ("North Yorkshire County Council", "E10000023"),
        ("North Yorkshire Council", "E06000065"),
        ("Dorset County Council", "E10000009"),
        ("Dorset Council", "E06000059"),
        ("Northumberland", "E06000057"),
    ],
)
def test_resolve(register: Register, text: str, code: str) -> None:
    assert register.resolve(text).code == code


@pytest.mark.parametrize(
    ("text", "on", "code"),
    [
        ("Somerset", date(2022, 6, 1), "E10000027"),
        ("Somerset", date(2023, 6, 1), "E06000066"),
        ("Somerset", None, "E06000066"),  # the one that still exists
        ("North Yorkshire", date(2019, 6, 1), "E10000023"),
        ("North Yorkshire", date(2023, 4, 1), "E06000065"),
        ("Buckinghamshire", date(2019, 6, 1), "E10000002"),
        ("Buckinghamshire", date(2020, 6, 1), "E06000060"),
        ("Barnsley", date(2024, 6, 1), "E08000016"),
        ("Barnsley", date(2025, 4, 1), "E08000038"),
        ("Barnsley Metropolitan Borough Council", None, "E08000038"),
        ("Sheffield City Council", date(2025, 3, 31), "E08000019"),
        ("Dorset", date(2019, 6, 1), "E06000059"),
        # "Dorset" is Dorset Council's alias, but in 2018 only the county council had the name.
        ("Dorset", date(2018, 6, 1), "E10000009"),
        # An official name holds even on a day the council did not exist.
        ("Somerset Council", date(2020, 6, 1), "E06000066"),
        ("Somerset County Council", date(2024, 6, 1), "E10000027"),
        ("Poole", date(2021, 6, 1), "E06000029"),
    ],
)
def test_resolve_by_date(register: Register, text: str, on: date | None, code: str) -> None:
    assert register.resolve(text, on=on).code == code


def test_ambiguous_name_lists_candidates() -> None:
    old = Council("E07000001", "Eastshire District Council", "Eastshire", "district")
    new = Council("E07000002", "Eastshire Borough Council", "Eastshire", "district")
    register = Register([old, new])
    with pytest.raises(AmbiguousAuthority) as raised:
        register.resolve("Eastshire")
    assert raised.value.candidates == [old, new]
    assert "Eastshire District Council (E07000001)" in str(raised.value)
    assert "Eastshire Borough Council (E07000002)" in str(raised.value)


def test_ambiguous_when_date_does_not_decide() -> None:
    first = Council(
        "E07000001", "Westshire Council", "Westshire", "district", valid_to=date(2020, 3, 31)
    )
    second = Council(
        "E07000002",
        "Westshire District Council",
        "Westshire",
        "district",
        valid_to=date(2021, 3, 31),
    )
    register = Register([first, second])
    assert register.resolve("Westshire", on=date(2020, 6, 1)) == second
    with pytest.raises(AmbiguousAuthority):
        register.resolve("Westshire", on=date(2019, 6, 1))
    with pytest.raises(AmbiguousAuthority):
        register.resolve("Westshire")


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("Covnetry", "Coventry City Council"),
        ("Westmoreland and Furnes", "Westmorland and Furness Council"),
        ("Kings Lynn", "Borough Council of Kings Lynn and West Norfolk"),
        ("Richmond", "London Borough of Richmond upon Thames"),
        ("Ashfeld District Council", "Ashfield District Council"),
    ],
)
def test_unknown_name_suggests_nearest(register: Register, text: str, suggestion: str) -> None:
    with pytest.raises(UnknownAuthority) as raised:
        register.resolve(text)
    assert suggestion in raised.value.suggestions
    assert len(raised.value.suggestions) <= 3
    assert repr(text) in str(raised.value)
    assert suggestion in str(raised.value)


@pytest.mark.parametrize("text", ["E99999999", "London", "", "   ", "Atlantis"])
def test_unknown(register: Register, text: str) -> None:
    with pytest.raises(UnknownAuthority):
        register.resolve(text)


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("Atlantis", "no council called 'Atlantis'"),
        ("Bery", "Bury Metropolitan Borough Council"),
    ],
)
def test_an_unknown_council_on_the_command_line_is_a_usage_error(
    written: str, said: str, tmp_path: Path
) -> None:
    from click.testing import CliRunner

    from upheld.cli import cli

    url = f"sqlite:///{tmp_path / 'upheld.db'}"
    assert CliRunner().invoke(cli, ["--db", url, "init"]).exit_code == 0
    result = CliRunner().invoke(
        cli, ["--db", url, "stats", "--year", "2023-24", "--authority", written]
    )
    assert result.exit_code == 2
    assert said in result.output
    assert "Traceback" not in result.output


def test_no_name_means_two_councils_at_once(register: Register) -> None:
    for year in map(ReviewYear, range(2018, 2026)):
        owners: dict[str, str] = {}
        for council in register.in_year(year):
            for alias in council.aliases:
                key = name_key(alias)
                assert owners.setdefault(key, council.code) == council.code, (alias, year)


def test_every_alias_resolves_to_its_council_while_it_exists(register: Register) -> None:
    for council in register:
        day = council.valid_to or council.valid_from or date(2024, 6, 1)
        for alias in council.aliases:
            assert register.resolve(alias, on=day) == council, alias


# -- the container ------------------------------------------------------------------------------


def test_lookup_by_code(register: Register) -> None:
    assert "E08000002" in register
    assert "E99999999" not in register
    assert 8 not in register
    assert register.get("E99999999") is None
    assert register.get("E08000002") == register["E08000002"]
    with pytest.raises(KeyError):
        register["E99999999"]


def test_with_overrides(register: Register) -> None:
    renamed = Council("E08000002", "Bury Council", "Bury", "metropolitan", region="North West")
    added = Council("E06999999", "New Unitary Council", "New Unitary", "unitary")
    new_figure = Population("E08000002", 2023, 195_000, "ONS mid-2023 estimate")
    changed = register.with_overrides([renamed, added], [new_figure])
    assert changed["E08000002"] == renamed
    assert changed["E06999999"] == added
    assert len(changed) == len(register) + 1
    assert changed.population("E08000002", ReviewYear(2024)) == new_figure
    assert estimate(changed, "E08000002", ReviewYear(2022)).vintage == "Census 2021"
    assert changed.resolve("New Unitary") == added
    # The original is untouched.
    assert register["E08000002"].name == "Bury Metropolitan Borough Council"
    assert "E06999999" not in register
    assert estimate(register, "E08000002", ReviewYear(2024)).vintage == "Census 2021"


def test_with_overrides_replaces_an_estimate_of_the_same_year(register: Register) -> None:
    replaced = Population("E08000002", 2019, 191_000, "ONS mid-2019 estimate (revised)")
    changed = register.with_overrides(populations=[replaced])
    assert changed.population("E08000002", ReviewYear(2019)) == replaced
    assert len(changed.populations()) == len(register.populations())


def test_builtin_is_cached() -> None:
    assert builtin() is builtin()


# -- rebuilding the package data ------------------------------------------------------------


@pytest.mark.skipif(
    not REFERENCE.is_dir(),
    reason=f"the public reference data is not here ({REFERENCE}); only a developer checkout has it",
)
def test_rebuild_gives_identical_files(tmp_path: Path) -> None:
    script = REPO / "scripts" / "build_register.py"
    command = [sys.executable, str(script), "--reference", str(REFERENCE), "--out", str(tmp_path)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "2019-20" in done.stdout
    for name in ("councils.csv", "populations.csv"):
        assert filecmp.cmp(tmp_path / name, PACKAGE_DATA / name, shallow=False), name
