"""The synthetic demo: files that follow the data contract and look like the ombudsman's year."""

from __future__ import annotations

import csv
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from upheld.core.periods import ReviewYear, start_year_of
from upheld.core.vocabulary import (
    COMPLIANCE_OUTCOMES,
    CONTACT_ROLES,
    EVENT_KINDS,
    IMPROVEMENT_STATUSES,
    INVESTIGATED_OUTCOMES,
    OUTCOMES,
    REPORT_KINDS,
    SERVICE_AREAS,
)
from upheld.register import Council, Population, Register, builtin
from upheld.synthetic import KINDS, DemoSpec, write_demo_files
from upheld.synthetic.national import CASEWORK_PAUSES, FIGURES

DEMO_YEARS = [ReviewYear(y) for y in range(2019, 2025)]
HEADERS = {
    "cases": [
        "reference", "authority", "received", "category", "subcategory", "decided", "outcome",
        "satisfactory_remedy", "summary", "publish", "complainant",
    ],
    "compliance": ["reference", "assessed", "outcome", "due", "recommendation"],
    "improvements": ["reference", "agreed", "description", "status", "category"],
    "reports": ["reference", "issued", "title", "kind", "url"],
    "contacts": ["authority", "role", "name", "email", "title"],
    "events": ["date", "kind", "title", "location", "attendees", "authorities"],
}  # fmt: skip


def rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows of a generated CSV file."""
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def day(text: str) -> date:
    """An ISO date from a file."""
    return date.fromisoformat(text)


@dataclass
class YearFigures:
    """The national figures of one review year, counted from the files."""

    received: int = 0
    decided: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    remedied: int = 0
    compliance: Counter[str] = field(default_factory=Counter)

    @property
    def investigated(self) -> int:
        """Detailed investigations: decisions upheld or not upheld."""
        return sum(self.outcomes[o] for o in INVESTIGATED_OUTCOMES)

    @property
    def uphold_rate(self) -> float:
        """Upheld as a percentage of investigated."""
        return 100 * self.outcomes["upheld"] / self.investigated

    @property
    def remedy_rate(self) -> float:
        """Satisfactory remedies as a percentage of upheld."""
        return 100 * self.remedied / self.outcomes["upheld"]

    @property
    def compliance_rate(self) -> float:
        """Complied (on time or late) as a percentage of compliance outcomes."""
        outcomes = sum(self.compliance.values())
        return 100 * (self.compliance["complied"] + self.compliance["complied_late"]) / outcomes


def national_summary(files: dict[str, Path]) -> dict[int, YearFigures]:
    """Received, decisions, investigations, uphold and compliance per review year, nationally."""
    years: defaultdict[int, YearFigures] = defaultdict(YearFigures)
    for case in rows(files["cases"]):
        years[start_year_of(day(case["received"]))].received += 1
        if case["decided"]:
            figures = years[start_year_of(day(case["decided"]))]
            figures.decided += 1
            figures.outcomes[case["outcome"]] += 1
            figures.remedied += case["satisfactory_remedy"] == "yes"
    for outcome in rows(files["compliance"]):
        years[start_year_of(day(outcome["assessed"]))].compliance[outcome["outcome"]] += 1
    return dict(years)


@dataclass
class Demo:
    """A generated demo and everything the tests read from it, read once."""

    folder: Path
    files: dict[str, Path]
    national: dict[int, YearFigures]
    cases: dict[str, dict[str, str]]
    progress: list[tuple[str, int]]


@pytest.fixture(scope="session")
def register() -> Register:
    """The register shipped with upheld."""
    return builtin()


@pytest.fixture(scope="session")
def demo(register: Register, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """The default demo (scale 1, 2019-20 to 2024-25) for every council, generated once."""
    folder = tmp_path_factory.mktemp("demo")
    seen: list[tuple[str, int]] = []
    files = write_demo_files(register, folder, DemoSpec(), lambda k, n: seen.append((k, n)))
    cases = {case["reference"]: case for case in rows(files["cases"])}
    return Demo(folder, files, national_summary(files), cases, seen)


def small_demo(folder: Path, register: Register, **spec: object) -> dict[str, Path]:
    """A tenth-size demo, quick enough to generate per test."""
    settings: dict[str, object] = {"scale": 0.1, **spec}
    return write_demo_files(register, folder, DemoSpec(**settings))  # type: ignore[arg-type]


# -- the files ----------------------------------------------------------------------------------


def test_every_kind_is_written_with_the_contract_columns(demo: Demo) -> None:
    assert set(demo.files) == set(KINDS) == set(HEADERS)
    for kind, path in demo.files.items():
        assert path == demo.folder / f"{kind}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            assert next(csv.reader(handle)) == HEADERS[kind], kind


def test_values_come_from_the_vocabularies(demo: Demo) -> None:
    for case in demo.cases.values():
        assert case["category"] in SERVICE_AREAS.keys
        assert case["outcome"] == "" or case["outcome"] in OUTCOMES.keys
        assert case["satisfactory_remedy"] in ("yes", "no")
        assert case["publish"] in ("yes", "no")
    assert {r["outcome"] for r in rows(demo.files["compliance"])} == set(COMPLIANCE_OUTCOMES.keys)
    assert {r["status"] for r in rows(demo.files["improvements"])} == set(IMPROVEMENT_STATUSES.keys)
    assert {r["kind"] for r in rows(demo.files["reports"])} == set(REPORT_KINDS.keys)
    assert {r["role"] for r in rows(demo.files["contacts"])} <= set(CONTACT_ROLES.keys)
    assert {r["kind"] for r in rows(demo.files["events"])} == set(EVENT_KINDS.keys)


def test_progress_is_reported_as_rows_are_written(demo: Demo) -> None:
    counted = [n for kind, n in demo.progress if kind == "cases"]
    assert counted == sorted(counted)
    assert counted[0] == 10_000
    assert counted[-1] == len(demo.cases)
    assert {kind for kind, _ in demo.progress} == set(KINDS)


def test_same_register_and_spec_give_identical_files(register: Register, tmp_path: Path) -> None:
    first = small_demo(tmp_path / "one", register, scale=0.05)
    second = small_demo(tmp_path / "two", register, scale=0.05)
    for kind in KINDS:
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind
    other = small_demo(tmp_path / "three", register, scale=0.05, seed=7)
    assert other["cases"].read_bytes() != first["cases"].read_bytes()


# -- calibration against the national figures -----------------------------------------------------


@pytest.mark.parametrize("year", DEMO_YEARS, ids=str)
def test_national_figures_match_the_published_ones(demo: Demo, year: ReviewYear) -> None:
    target = FIGURES[year.start_year]
    found = demo.national[year.start_year]
    assert found.received == pytest.approx(target.received, rel=0.10)
    assert found.investigated == pytest.approx(target.investigated, rel=0.15)
    assert found.uphold_rate == pytest.approx(100 * target.uphold_rate, abs=4)
    assert 8 <= found.remedy_rate <= 16
    assert found.compliance_rate >= 99
    # About half of all decisions are referred back or closed after initial enquiries.
    sent_away = found.outcomes["referred_back_for_local_resolution"]
    sent_away += found.outcomes["closed_after_initial_enquiries"]
    assert 0.4 <= sent_away / found.decided <= 0.7


def test_published_headline_figures(demo: Demo) -> None:
    received = [demo.national[y.start_year].received for y in DEMO_YEARS]
    assert received[1] < 0.8 * min(received[0], received[2])  # the 2020 pause
    assert received[-1] > 19_000
    late = {
        y: demo.national[y].compliance["complied_late"] / sum(demo.national[y].compliance.values())
        for y in (2019, 2023)
    }
    assert late[2019] < 0.12 < 0.18 < late[2023]


def test_casework_pause_in_spring_2020(demo: Demo) -> None:
    (first, last), *_ = CASEWORK_PAUSES
    spring = Counter(
        day(c["received"]).year for c in demo.cases.values() if 4 <= day(c["received"]).month <= 6
    )
    assert spring[2020] < 0.4 * spring[2019]
    assert not [
        c for c in demo.cases.values() if c["decided"] and first <= day(c["decided"]) <= last
    ]


def test_a_tenth_of_the_scale_gives_about_a_tenth_of_the_cases(
    demo: Demo, register: Register, tmp_path: Path
) -> None:
    files = small_demo(tmp_path, register)
    tenth = national_summary(files)
    for year in DEMO_YEARS:
        ratio = tenth[year.start_year].received / demo.national[year.start_year].received
        assert 0.08 <= ratio <= 0.12, year
    investigated = sum(tenth[y.start_year].investigated for y in DEMO_YEARS)
    assert investigated == pytest.approx(
        sum(FIGURES[y.start_year].investigated for y in DEMO_YEARS) / 10, rel=0.1
    )


# -- the cases ------------------------------------------------------------------------------------


def test_cases_are_consistent(demo: Demo, register: Register) -> None:
    councils = {c.code: c for c in register}
    end = DEMO_YEARS[-1].end
    for reference, case in demo.cases.items():
        assert re.fullmatch(r"\d{2} \d{3} \d{3}", reference)
        received = day(case["received"])
        assert reference[:2] == f"{start_year_of(received) % 100:02d}"
        assert date(2019, 1, 1) <= received <= end
        council = councils[case["authority"]]
        assert council.valid_from is None or council.valid_from <= received, reference
        assert council.valid_to is None or received <= council.valid_to, reference
        if case["decided"]:
            assert received <= day(case["decided"]) <= end
            assert case["outcome"]
            assert case["summary"]
        else:
            assert case["outcome"] == case["summary"] == ""
        if case["satisfactory_remedy"] == "yes":
            assert case["outcome"] == "upheld"
        assert case["complainant"]
        assert case["complainant"] not in case["summary"]
        assert "{" not in case["summary"]
        assert "}" not in case["summary"]


def test_undecided_cases_are_the_recent_ones(demo: Demo) -> None:
    undecided = sorted(day(c["received"]) for c in demo.cases.values() if not c["decided"])
    assert undecided
    assert undecided[len(undecided) // 2] > DEMO_YEARS[-1].end - timedelta(days=120)


def test_decisions_take_days_to_months(demo: Demo) -> None:
    waits: defaultdict[str, list[int]] = defaultdict(list)
    for case in demo.cases.values():
        if case["decided"]:
            waits[case["outcome"]].append((day(case["decided"]) - day(case["received"])).days)
    assert 30 <= statistics.median(waits["upheld"]) <= 270
    assert statistics.median(waits["referred_back_for_local_resolution"]) < 60
    assert max(max(w) for w in waits.values()) < 600


def test_summaries_read_like_decisions(demo: Demo) -> None:
    decided = [c for c in demo.cases.values() if c["decided"]]
    published = sum(c["publish"] == "yes" for c in decided) / len(decided)
    assert 0.90 <= published <= 0.95
    for case in decided[:20_000]:
        text = case["summary"]
        assert re.search(r"\b(Mr|Mrs|Ms|Miss|Mx|Mr and Mrs) [A-Z]\b", text), text
        if case["outcome"] == "upheld" and case["satisfactory_remedy"] == "no":
            assert "agreed" in text or "recommendations" in text, text
        if case["outcome"] == "upheld" and case["satisfactory_remedy"] == "yes":
            assert "already" in text or "before" in text, text
    assert len({c["summary"] for c in decided}) > 0.5 * len(decided)


def test_service_areas_depend_on_the_type_of_council(demo: Demo, register: Register) -> None:
    types = {c.code: c.type for c in register}
    areas: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for case in demo.cases.values():
        areas[types[case["authority"]]][case["category"]] += 1
    assert areas["county"]["Housing"] == areas["county"]["Benefits and tax"] == 0
    assert areas["district"]["Adult care services"] == 0
    assert areas["district"]["Education and children's services"] == 0
    total = Counter[str]()
    for counts in areas.values():
        total.update(counts)
    care = total["Education and children's services"] + total["Adult care services"]
    assert 0.28 <= care / total.total() <= 0.45
    subcategories = {c["subcategory"] for c in demo.cases.values()}
    for expected in (
        "Special educational needs",
        "Residential care",
        "Homelessness",
        "Council tax",
    ):
        assert expected in subcategories


def test_volumes_follow_the_type_of_council(demo: Demo, register: Register) -> None:
    year = ReviewYear(2022)
    investigated: Counter[str] = Counter()
    for case in demo.cases.values():
        if case["outcome"] in INVESTIGATED_OUTCOMES and day(case["decided"]) in year:
            investigated[case["authority"]] += 1
    by_type: defaultdict[str, list[int]] = defaultdict(list)
    for council in register.in_year(year):
        by_type[council.type].append(investigated[council.code])
    districts = by_type["district"]
    assert statistics.median(districts) <= 5
    assert 0 in districts
    assert statistics.median(by_type["county"]) >= 15
    assert max(by_type["metropolitan"]) >= 30


def test_a_councils_tendency_persists_across_years(demo: Demo, register: Register) -> None:
    received: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for case in demo.cases.values():
        received[start_year_of(day(case["received"]))][case["authority"]] += 1
    councils = [c for c in register.in_year(ReviewYear(2019)) if c.exists_in(ReviewYear(2024))]
    relative = []
    for year in (ReviewYear(2019), ReviewYear(2024)):
        # Complaints per resident, relative to the average for the council's type.
        rates = {}
        for council in councils:
            population = register.population(council.code, year)
            assert population is not None
            rates[council.code] = received[year.start_year][council.code] / population.population
        by_type: defaultdict[str, list[float]] = defaultdict(list)
        for council in councils:
            by_type[council.type].append(rates[council.code])
        relative.append([rates[c.code] / statistics.fmean(by_type[c.type]) for c in councils])
    assert statistics.correlation(relative[0], relative[1]) > 0.6


# -- compliance, improvements and reports ----------------------------------------------------------


def test_compliance_follows_upheld_recommendations(demo: Demo) -> None:
    references = []
    for row in rows(demo.files["compliance"]):
        case = demo.cases[row["reference"]]
        assert case["outcome"] == "upheld"
        assert case["satisfactory_remedy"] == "no"
        decided, assessed = day(case["decided"]), day(row["assessed"])
        assert 28 <= (assessed - decided).days <= 125
        assert decided <= day(row["due"]) <= assessed
        assert assessed <= DEMO_YEARS[-1].end
        assert row["recommendation"]
        references.append(row["reference"])
    assert len(references) == len(set(references))


def test_about_a_third_of_upheld_cases_lead_to_improvements(demo: Demo) -> None:
    improved = set()
    keys = set()
    for row in rows(demo.files["improvements"]):
        case = demo.cases[row["reference"]]
        assert case["outcome"] == "upheld"
        assert row["category"] == case["category"]
        assert 0 <= (day(row["agreed"]) - day(case["decided"])).days <= 14
        assert row["description"][0].isupper()
        assert row["description"].endswith(".")
        keys.add((row["reference"], row["description"]))
        improved.add(row["reference"])
    upheld = sum(c["outcome"] == "upheld" for c in demo.cases.values())
    assert 0.25 <= len(improved) / upheld <= 0.40
    assert len(keys) == sum(1 for _ in rows(demo.files["improvements"]))


def test_public_interest_and_further_reports(demo: Demo, register: Register) -> None:
    per_year: defaultdict[int, Counter[str]] = defaultdict(Counter)
    keys = set()
    titles = set()
    for row in rows(demo.files["reports"]):
        case = demo.cases[row["reference"]]
        assert case["outcome"] == "upheld"
        # A title says which council did what, as the ombudsman's titles do, never who complained.
        name = register[case["authority"]].name
        assert row["title"].startswith(name), row["title"]
        assert row["reference"] not in row["title"]
        assert not re.search(r"[{}]|\b(?:Mrs?|Ms|Miss|Mx) [A-Z]\b", row["title"]), row["title"]
        assert len(row["title"]) <= 500
        if row["kind"] == "further":
            assert "did not do what we recommended" in row["title"]
        titles.add(row["title"].removeprefix(name))
        assert day(row["issued"]) >= day(case["decided"])
        assert row["url"] == "" or row["url"].startswith("https://")
        per_year[start_year_of(day(row["issued"]))][row["kind"]] += 1
        keys.add((row["reference"], row["kind"]))
    for year in DEMO_YEARS:
        assert 15 <= per_year[year.start_year]["public_interest"] <= 30, year
    further = sum(per_year[y.start_year]["further"] for y in DEMO_YEARS)
    assert 1 <= further <= 80
    # Varied: most say something of their own, beyond the council they are about.
    assert len(titles) >= 0.5 * sum(sum(kinds.values()) for kinds in per_year.values())
    assert len(keys) == sum(1 for _ in rows(demo.files["reports"]))


# -- contacts and events ---------------------------------------------------------------------------


def test_every_council_has_its_three_contacts(demo: Demo, register: Register) -> None:
    expected = {c.code for c in register if any(c.exists_in(y) for y in DEMO_YEARS)}
    roles: defaultdict[str, set[str]] = defaultdict(set)
    no_address = []
    for row in rows(demo.files["contacts"]):
        roles[row["authority"]].add(row["role"])
        assert row["title"] in ("Mr", "Ms", "Mrs", "Miss", "Dr", "Mx")
        assert row["name"]
        if row["email"]:
            assert re.fullmatch(r"[a-z]+\.[a-z]+@[a-z0-9-]+\.example", row["email"]), row
        else:
            no_address.append(row)
    assert set(roles) == expected
    assert all(
        r == {"chief_executive", "link_officer", "monitoring_officer"} for r in roles.values()
    )
    assert len(no_address) == 3
    assert {r["role"] for r in no_address} == {"chief_executive"}


def test_events_are_the_ombudsmans_courses_and_seminars(demo: Demo, register: Register) -> None:
    councils = {c.code: c for c in register}
    per_year: Counter[int] = Counter()
    keys = set()
    for row in rows(demo.files["events"]):
        when = day(row["date"])
        per_year[start_year_of(when)] += 1
        assert when.weekday() < 5
        attendees = int(row["attendees"])
        codes = row["authorities"].split(";") if row["authorities"] else []
        if row["kind"] == "course":
            assert 8 <= attendees <= 25
            assert 1 <= len(codes) <= 4
        else:
            assert 20 <= attendees <= 150
            assert len(codes) <= 4
        for code in codes:
            council = councils[code]
            assert council.valid_from is None or council.valid_from <= when
            assert council.valid_to is None or when <= council.valid_to
        assert row["location"]
        keys.add((row["date"], row["kind"], row["title"], row["location"]))
    assert sorted(per_year) == [y.start_year for y in DEMO_YEARS]
    assert all(60 <= n <= 120 for n in per_year.values())
    assert len(keys) == sum(per_year.values())


# -- small registers built by hand ----------------------------------------------------------------


def hand_register() -> Register:
    """A county throughout, a district abolished in 2021, and its successor with no population."""
    return Register(
        [
            Council("E10000001", "Shireshire County Council", "Shireshire", "county"),
            Council(
                "E07000001",
                "Oldtown District Council",
                "Oldtown",
                "district",
                valid_to=date(2021, 3, 31),
                successors=("E06000001",),
            ),
            Council(
                "E06000001", "Newtown Council", "Newtown", "unitary", valid_from=date(2021, 4, 1)
            ),
        ],
        [
            Population("E10000001", 2019, 800_000, "test"),
            Population("E07000001", 2019, 120_000, "test"),
        ],
    )


def test_a_hand_built_register(tmp_path: Path) -> None:
    files = write_demo_files(hand_register(), tmp_path, DemoSpec(seed=1, scale=2.0))
    received: defaultdict[str, list[date]] = defaultdict(list)
    for case in rows(files["cases"]):
        received[case["authority"]].append(day(case["received"]))
    assert max(received["E07000001"]) <= date(2021, 3, 31)
    assert min(received["E06000001"]) >= date(2021, 4, 1)
    # A small register gets its councils' share of England's complaints, not all of them.
    assert 50 < len(received["E10000001"]) < 6 * 1_500
    contacts = Counter(r["authority"] for r in rows(files["contacts"]))
    assert contacts == {"E10000001": 3, "E07000001": 3, "E06000001": 3}


def test_an_empty_register_gives_empty_files(tmp_path: Path) -> None:
    files = write_demo_files(Register([]), tmp_path, DemoSpec(scale=0.1))
    for kind in ("cases", "compliance", "improvements", "reports", "contacts"):
        assert files[kind].read_text(encoding="utf-8").count("\n") == 1, kind


def test_other_years(register: Register, tmp_path: Path) -> None:
    spec = DemoSpec(scale=0.05, first_year=ReviewYear(2023), last_year=ReviewYear(2025))
    files = write_demo_files(register, tmp_path, spec)
    received = [day(c["received"]) for c in rows(files["cases"])]
    assert min(received) >= date(2023, 1, 1)
    assert max(received) <= date(2026, 3, 31)
    years = {start_year_of(day(e["date"])) for e in rows(files["events"])}
    assert years == {2023, 2024, 2025}


def test_impossible_specs_are_refused(register: Register, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="before"):
        write_demo_files(
            register, tmp_path, DemoSpec(first_year=ReviewYear(2024), last_year=ReviewYear(2019))
        )
    with pytest.raises(ValueError, match="negative"):
        write_demo_files(register, tmp_path, DemoSpec(scale=-1))
