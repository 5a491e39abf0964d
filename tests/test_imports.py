"""Importing every kind of file: counts, idempotence, dry runs, and bad input refused whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from tests.conftest import CASE_COLUMNS, case_rows, write_csv, write_jsonl, write_xlsx
from upheld.errors import InputError
from upheld.ingest.imports import PEEK_ROWS, ImportResult, import_files
from upheld.ingest.kinds import KINDS
from upheld.register import Register
from upheld.store import schema


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, to compare before and after; not which import last changed a
    case, which an import that changes a case back as it was still moves on."""
    with engine.connect() as connection:
        return {
            name: sorted(
                map(
                    tuple,
                    connection.execute(select(*(c for c in table.c if c.name != "changed_in"))),
                ),
                key=repr,
            )
            for name, table in schema.metadata.tables.items()
        }


def load(
    engine: Engine, register: Register, kind: str, *paths: Path, dry_run: bool = False
) -> ImportResult:
    return import_files(engine, KINDS[kind], list(paths), register, dry_run=dry_run)


def problems_of(engine: Engine, register: Register, kind: str, path: Path) -> list[str]:
    """The report lines for a file that must be refused, checking nothing changed."""
    before = snapshot(engine)
    with pytest.raises(InputError) as caught:
        load(engine, register, kind, path)
    assert snapshot(engine) == before
    return [str(p).replace(f"{path.parent}/", "") for p in caught.value.problems]


BURY = "E08000002"
KENT = "E10000016"


@pytest.fixture
def cases_file(tmp_path: Path) -> Path:
    rows = case_rows(BURY, {"upheld": 3, "not_upheld": 2, "advice_given": 1}, remedies=1)
    rows.append(("19-undecided", BURY, "2019-06-01", "Housing", "", "", ""))
    return write_csv(tmp_path / "cases.csv", CASE_COLUMNS, rows)


def test_import_counts_and_is_idempotent(
    engine: Engine, register: Register, cases_file: Path
) -> None:
    first = load(engine, register, "cases", cases_file)
    assert (first.rows, first.total("inserted"), first.total("updated")) == (7, 7, 0)
    after_first = snapshot(engine)
    second = load(engine, register, "cases", cases_file)
    assert (second.total("inserted"), second.total("updated"), second.total("unchanged")) == (
        0,
        0,
        7,
    )
    after_second = snapshot(engine)
    del after_first["imports"], after_second["imports"]
    assert after_first == after_second
    with engine.connect() as connection:
        log = connection.execute(select(schema.imports).order_by(schema.imports.c.id)).all()
    assert [(r.kind, r.file, r.rows, r.inserted, r.unchanged) for r in log] == [
        ("cases", "cases.csv", 7, 7, 0),
        ("cases", "cases.csv", 7, 0, 7),
    ]
    assert len(log[0].sha256) == 64


def test_changed_rows_are_updated(engine: Engine, register: Register, tmp_path: Path) -> None:
    rows = case_rows(BURY, {"upheld": 2})
    load(engine, register, "cases", write_csv(tmp_path / "a.csv", CASE_COLUMNS, rows))
    changed = [(*rows[0][:5], "not_upheld", "no"), rows[1], ("new-1", *rows[1][1:])]
    result = load(engine, register, "cases", write_csv(tmp_path / "b.csv", CASE_COLUMNS, changed))
    assert (result.total("inserted"), result.total("updated"), result.total("unchanged")) == (
        1,
        1,
        1,
    )
    with engine.connect() as connection:
        outcome = connection.execute(
            select(schema.cases.c.outcome).where(schema.cases.c.reference == rows[0][0])
        ).scalar_one()
    assert outcome == "not_upheld"


def test_progress_is_reported_to_the_end(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    rows = case_rows(BURY, {"upheld": 45_000}, prefix="P")
    path = write_csv(tmp_path / "many.csv", CASE_COLUMNS, rows)
    seen: list[tuple[str, int, int]] = []
    import_files(engine, KINDS["cases"], [path], register, progress=lambda *args: seen.append(args))
    assert len(seen) >= 3
    size = path.stat().st_size
    assert seen[-1] == (str(path), size, size)
    assert all(done <= total == size for _, done, total in seen)


def test_dry_run_writes_nothing(engine: Engine, register: Register, cases_file: Path) -> None:
    before = snapshot(engine)
    result = load(engine, register, "cases", cases_file, dry_run=True)
    assert result.total("inserted") == 7
    assert snapshot(engine) == before


def test_stored_values(engine: Engine, register: Register, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        (*CASE_COLUMNS, "subcategory", "summary", "publish", "complainant"),
        [
            (
                "20 001 234",
                "coventry city council",
                "03/02/2021",
                "education & children's services",
                "2021-04-09",
                "Upheld",
                "Y",
                "Special educational needs",
                "Mrs X complained.",
                "no",
                "A Person",
            )
        ],
    )
    load(engine, register, "cases", path)
    with engine.connect() as connection:
        row = connection.execute(select(schema.cases)).one()._asdict()
    assert row["authority"] == "E08000026"
    assert str(row["received"]) == "2021-02-03"
    assert (row["received_year"], row["decided_year"]) == (2020, 2021)
    assert row["category"] == "Education and children's services"
    assert row["outcome"] == "upheld"
    assert row["satisfactory_remedy"] is True
    assert row["publish"] is False
    assert row["complainant"] == "A Person"


def test_the_same_rows_from_csv_xlsx_and_jsonl(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    rows = case_rows(BURY, {"upheld": 2, "not_upheld": 1}, remedies=1)
    csv_path = write_csv(tmp_path / "c.csv", CASE_COLUMNS, rows)
    xlsx_path = write_xlsx(tmp_path / "c.xlsx", CASE_COLUMNS, rows, title_rows=3)
    jsonl_path = write_jsonl(
        tmp_path / "c.jsonl", [dict(zip(CASE_COLUMNS, r, strict=True)) for r in rows]
    )
    assert load(engine, register, "cases", csv_path).total("inserted") == 3
    for path in (xlsx_path, jsonl_path):
        assert load(engine, register, "cases", path).total("unchanged") == 3


def test_xlsx_dates_and_numbers(engine: Engine, register: Register, tmp_path: Path) -> None:
    from datetime import date, datetime

    header = ("Reference", "Authority", "Received", "Category", "Decided", "Outcome")
    rows = [(19001234, BURY, date(2019, 5, 1), "Housing", datetime(2019, 9, 2), "Upheld")]
    load(engine, register, "cases", write_xlsx(tmp_path / "n.xlsx", header, rows))
    with engine.connect() as connection:
        row = connection.execute(select(schema.cases)).one()
    assert (row.reference, str(row.received), str(row.decided)) == (
        "19001234",
        "2019-05-01",
        "2019-09-02",
    )


def test_header_found_below_title_rows_and_columns_folded(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "\ufeffOmbudsman case export,,,,\nRun on 2020-04-02,,,,\n\n"
        "Case Reference,AUTHORITY,Received,category,Satisfactory-Remedy,Notes\n"
        "19 000 001,Bury,2019-05-01,Housing,no,anything\n",
        encoding="utf-8",
    )
    result = load(engine, register, "cases", path)
    assert (result.rows, result.total("inserted")) == (1, 1)
    assert any("notes" in w for w in result.warnings)


def test_every_kind_imports(engine: Engine, register: Register, tmp_path: Path) -> None:
    load(
        engine,
        register,
        "cases",
        write_csv(
            tmp_path / "cases.csv",
            CASE_COLUMNS,
            case_rows(KENT, {"upheld": 2, "not_upheld": 1}, prefix="K"),
        ),
    )
    files: dict[str, tuple[tuple[str, ...], list[tuple[str, ...]]]] = {
        "compliance": (
            ("reference", "assessed", "outcome", "due"),
            [
                ("K-00001", "2020-01-10", "complied", "2020-01-01"),
                ("K-00002", "2020-02-01", "Late", ""),
            ],
        ),
        "improvements": (
            ("reference", "agreed", "description", "status"),
            [("K-00001", "2019-11-20", "Review how it records decisions", "")],
        ),
        "reports": (
            ("reference", "issued", "title", "kind"),
            [("K-00002", "2020-01-20", "Report on complaint K-00002", "section 30")],
        ),
        "contacts": (
            ("authority", "role", "name", "email", "title"),
            [("Kent County Council", "Chief Executive", "A Smith", "a.smith@kent.example", "Ms")],
        ),
        "populations": (("authority", "year", "population"), [(KENT, "2019-20", "1,600,000")]),
        "events": (
            ("date", "kind", "title", "attendees", "authorities"),
            [("2019-10-01", "course", "Complaint handling", "12", f"{KENT};Bury")],
        ),
        "authorities": (
            ("code", "name", "type", "region", "valid_from", "successor", "aliases"),
            [
                (
                    "W06000001",
                    "Isle of Anglesey County Council",
                    "unitary",
                    "Wales",
                    "",
                    "",
                    "Ynys Mon",
                )
            ],
        ),
    }
    for kind, (header, rows) in files.items():
        result = load(engine, register, kind, write_csv(tmp_path / f"{kind}.csv", header, rows))
        assert result.total("inserted") == len(rows), kind
    with engine.connect() as connection:
        improvement = connection.execute(select(schema.improvements)).one()
        event = connection.execute(select(schema.events)).one()
        compliance = connection.execute(select(schema.compliance.c.outcome)).scalars().all()
    assert improvement.category == "Housing"  # taken from its case
    assert improvement.status == "agreed"
    assert event.authorities == f"{KENT};{BURY}"
    assert sorted(compliance) == ["complied", "complied_late"]


def test_multiple_files_are_one_transaction(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "good.csv", CASE_COLUMNS, case_rows(BURY, {"upheld": 1}))
    bad = write_csv(
        tmp_path / "bad.csv", CASE_COLUMNS, [("X1", "Nowhere", "2019-05-01", "Housing", "", "", "")]
    )
    before = snapshot(engine)
    with pytest.raises(InputError):
        load(engine, register, "cases", good, bad)
    assert snapshot(engine) == before


# Bad input: each gives a message with file and line, and the database is unchanged.


def bad_cases(
    tmp_path: Path, *rows: tuple[str, ...], header: tuple[str, ...] = CASE_COLUMNS
) -> Path:
    return write_csv(tmp_path / "bad.csv", header, list(rows))


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            ("1", "Coventri", "2019-05-01", "Housing", "", "", ""),
            "bad.csv:2: authority: no council called 'Coventri'; did you mean "
            "'Coventry City Council', 'Daventry District Council' or 'Dover District Council'?",
        ),
        (
            ("1", BURY, "2019-05-01", "Housng", "", "", ""),
            "bad.csv:2: category: unknown service area 'Housng'; did you mean 'Housing'?",
        ),
        (
            ("1", BURY, "2019-05-01", "Housing", "2019-06-01", "uphold", ""),
            "bad.csv:2: outcome: unknown outcome 'uphold'; did you mean 'upheld' or 'not_upheld'?",
        ),
        (
            ("1", BURY, "2019-05-01", "Housing", "2019-04-01", "upheld", ""),
            "bad.csv:2: decided: 2019-04-01 is before the date received (2019-05-01)",
        ),
        (
            ("1", BURY, "2019-02-29", "Housing", "", "", ""),
            "bad.csv:2: received: '2019-02-29' is not a real date (that month has no day 29)",
        ),
        (
            ("1", BURY, "31/13/2019", "Housing", "", "", ""),
            "bad.csv:2: received: '31/13/2019' is not a real date (there is no month 13)",
        ),
        (
            ("1", BURY, "May 2019", "Housing", "", "", ""),
            "bad.csv:2: received: 'May 2019' is not a date; write it as YYYY-MM-DD or DD/MM/YYYY",
        ),
        (
            ("1", BURY, "2019-05-01", "Housing", "2019-06-01", "not_upheld", "yes"),
            "bad.csv:2: satisfactory_remedy: only an upheld case can have a satisfactory remedy; "
            "the outcome is not upheld",
        ),
        (
            ("1", BURY, "2019-05-01", "Housing", "2019-06-01", "", ""),
            "bad.csv:2: outcome: a decided case needs an outcome",
        ),
        (
            ("1", BURY, "2019-05-01", "Housing", "", "upheld", ""),
            "bad.csv:2: decided: the case has an outcome but no decision date",
        ),
        (
            ("1", BURY, "", "Housing", "", "", ""),
            "bad.csv:2: received: is required",
        ),
        (
            ("1", BURY, "2019-05-01", "Housing", "", "", "maybe"),
            "bad.csv:2: satisfactory_remedy: 'maybe' is not yes or no",
        ),
        (
            ("x" * 41, BURY, "2019-05-01", "Housing", "", "", ""),
            "bad.csv:2: reference: is 41 characters long; at most 40 allowed",
        ),
    ],
)
def test_bad_case_rows(
    engine: Engine, register: Register, tmp_path: Path, row: tuple[str, ...], expected: str
) -> None:
    assert problems_of(engine, register, "cases", bad_cases(tmp_path, row)) == [expected]


def test_duplicate_references_in_a_file(engine: Engine, register: Register, tmp_path: Path) -> None:
    row = ("19 1", BURY, "2019-05-01", "Housing", "", "", "")
    other = ("19 2", BURY, "2019-05-01", "Housing", "", "", "")
    path = bad_cases(tmp_path, row, other, row, row)
    assert problems_of(engine, register, "cases", path) == [
        "bad.csv:4: reference: reference 19 1 is already on line 2",
        "bad.csv:5: reference: reference 19 1 is already on line 2",
    ]


def test_missing_required_columns(engine: Engine, register: Register, tmp_path: Path) -> None:
    path = bad_cases(tmp_path, ("1", BURY), header=("reference", "authority"))
    assert problems_of(engine, register, "cases", path) == [
        "bad.csv:1: missing required columns: received, category"
    ]


def test_no_header(engine: Engine, register: Register, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    assert problems_of(engine, register, "cases", path) == [
        "bad.csv: no header row found in the first 20 rows; expected columns reference, "
        "authority, received, category"
    ]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "bad.csv: the file is empty"),
        (b"\n\n,,\n", "bad.csv: the file has no rows"),
        (
            b"reference,authority,received,category\n",
            "bad.csv: the file has a header but no data rows",
        ),
        (
            b"reference,authority,received,category\n1,Bury,2019-05-01,Housing\n2,Caf\xe9,x,y\n",
            "bad.csv:3: not UTF-8 text (byte 0xe9 at character 6); save the file as UTF-8 "
            "(CSV UTF-8 in Excel) and try again",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "bad.csv: this is not a text file (CSV); is it a spreadsheet?",
        ),
    ],
)
def test_unreadable_files(
    engine: Engine, register: Register, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    assert problems_of(engine, register, "cases", path) == [expected]


def test_corrupt_xlsx(engine: Engine, register: Register, tmp_path: Path) -> None:
    good = write_xlsx(tmp_path / "good.xlsx", CASE_COLUMNS, case_rows(BURY, {"upheld": 1}))
    path = tmp_path / "bad.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    (problem,) = problems_of(engine, register, "cases", path)
    assert problem.startswith("bad.xlsx: not a readable XLSX spreadsheet")


def test_not_a_spreadsheet_named_xlsx(engine: Engine, register: Register, tmp_path: Path) -> None:
    path = tmp_path / "bad.xlsx"
    path.write_text("reference,authority\n", encoding="utf-8")
    (problem,) = problems_of(engine, register, "cases", path)
    assert "not a readable XLSX spreadsheet" in problem


def test_bad_jsonl(engine: Engine, register: Register, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"reference": "1"}\n[1, 2]\n{"reference": \n', encoding="utf-8")
    problems = problems_of(engine, register, "cases", path)
    assert problems == [
        "bad.jsonl:1: authority: is required",
        "bad.jsonl:1: received: is required",
        "bad.jsonl:1: category: is required",
        "bad.jsonl:2: each line must be a JSON object {...}",
    ]


def test_problems_are_capped_at_50_with_a_count(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    rows = [(str(n), "Nowhere", "2019-05-01", "Housing", "", "", "") for n in range(120)]
    before = snapshot(engine)
    with pytest.raises(InputError) as caught:
        load(engine, register, "cases", bad_cases(tmp_path, *rows))
    assert snapshot(engine) == before
    assert len(caught.value.problems) == 50
    assert caught.value.total == 120
    assert caught.value.report().endswith("... and 70 more problems")


@pytest.fixture
def stored_cases(engine: Engine, register: Register, tmp_path: Path) -> Engine:
    rows = case_rows(BURY, {"upheld": 1, "not_upheld": 1}, prefix="B")
    rows.append(("B-open", BURY, "2019-06-01", "Housing", "", "", ""))
    load(engine, register, "cases", write_csv(tmp_path / "cases.csv", CASE_COLUMNS, rows))
    return engine


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("B-99999", "bad.csv:2: reference: no case 'B-99999'; import its case first"),
        (
            "B-00002",
            "bad.csv:2: reference: case 'B-00002' was not upheld; "
            "compliance is only recorded for upheld cases",
        ),
        (
            "B-open",
            "bad.csv:2: reference: case 'B-open' is not yet decided; "
            "compliance is only recorded for upheld cases",
        ),
    ],
)
def test_compliance_needs_an_upheld_case(
    stored_cases: Engine, register: Register, tmp_path: Path, reference: str, expected: str
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        ("reference", "assessed", "outcome"),
        [(reference, "2020-01-01", "complied")],
    )
    assert problems_of(stored_cases, register, "compliance", path) == [expected]


def test_a_case_with_compliance_stays_upheld(
    stored_cases: Engine, register: Register, tmp_path: Path
) -> None:
    load(
        stored_cases,
        register,
        "compliance",
        write_csv(
            tmp_path / "c.csv",
            ("reference", "assessed", "outcome"),
            [("B-00001", "2020-01-01", "complied")],
        ),
    )
    path = bad_cases(
        tmp_path, ("B-00001", BURY, "2019-05-01", "Housing", "2019-11-01", "not_upheld", "")
    )
    assert problems_of(stored_cases, register, "cases", path) == [
        "bad.csv:2: outcome: case 'B-00001' has a compliance outcome recorded, "
        "so it must stay upheld"
    ]


@pytest.mark.parametrize(
    ("kind", "header", "row", "expected"),
    [
        (
            "contacts",
            ("authority", "role", "name", "email"),
            (BURY, "chief executive", "A Person", "not-an-address"),
            "bad.csv:2: email: 'not-an-address' is not an email address",
        ),
        (
            "contacts",
            ("authority", "role", "name"),
            (BURY, "mayor", "A Person"),
            "bad.csv:2: role: unknown contact role 'mayor'",
        ),
        (
            "populations",
            ("authority", "year", "population"),
            (BURY, "2019-20", "-5"),
            "bad.csv:2: population: -5 must be greater than zero",
        ),
        (
            "populations",
            ("authority", "year", "population"),
            (BURY, "2019-21", "5"),
            "bad.csv:2: year: '2019-21' is not a review year",
        ),
        (
            "events",
            ("date", "kind", "title", "attendees"),
            ("2019-10-01", "party", "Hello", "3"),
            "bad.csv:2: kind: unknown event kind 'party'",
        ),
        (
            "authorities",
            ("code", "name", "type", "successor"),
            ("X1", "New Council", "unitary", "X2"),
            "bad.csv:2: successor: no council with code 'X2'",
        ),
        (
            "authorities",
            ("code", "name", "type"),
            ("X1", "New Council", "parish"),
            "bad.csv:2: type: unknown authority type 'parish'",
        ),
        (
            "improvements",
            ("reference", "agreed", "description"),
            ("NOPE", "2020-01-01", "Train staff"),
            "bad.csv:2: reference: no case 'NOPE'; import its case first",
        ),
        (
            "reports",
            ("reference", "issued", "title", "kind"),
            ("B-00001", "2020-01-01", "A report", "section 99"),
            "bad.csv:2: kind: unknown report kind 'section 99'",
        ),
    ],
)
def test_bad_rows_of_other_kinds(
    stored_cases: Engine,
    register: Register,
    tmp_path: Path,
    kind: str,
    header: tuple[str, ...],
    row: tuple[str, ...],
    expected: str,
) -> None:
    path = write_csv(tmp_path / "bad.csv", header, [row])
    (problem,) = problems_of(stored_cases, register, kind, path)
    assert problem.startswith(expected)


outcomes = st.sampled_from(["upheld", "not_upheld", "advice_given", ""])
case_lists = st.lists(
    st.tuples(st.integers(0, 30), outcomes, st.sampled_from([BURY, KENT, "Coventry"])),
    min_size=1,
    max_size=25,
    unique_by=lambda t: t[0],
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=case_lists, second=case_lists)
def test_importing_twice_equals_importing_once(
    engine: Engine, register: Register, tmp_path: Path, first: list[Any], second: list[Any]
) -> None:
    def rows(spec: list[Any]) -> list[tuple[str, ...]]:
        return [
            (f"H{n}", who, "2019-05-01", "Housing", "2019-08-01" if o else "", o, "")
            for n, o, who in spec
        ]

    with engine.begin() as connection:
        connection.execute(schema.cases.delete())
    a = write_csv(tmp_path / "a.csv", CASE_COLUMNS, rows(first))
    b = write_csv(tmp_path / "b.csv", CASE_COLUMNS, rows(second))
    load(engine, register, "cases", a, b)
    once = snapshot(engine)["cases"]
    result = load(engine, register, "cases", a, b)
    assert snapshot(engine)["cases"] == once
    assert result.total("inserted") == 0
    assert len(once) == len({n for n, _, _ in first} | {n for n, _, _ in second})


def test_a_large_new_file_with_a_late_duplicate(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    """New files are loaded straight into the table; a late clash still falls back and reports."""
    rows = case_rows(BURY, {"upheld": PEEK_ROWS + 100}, prefix="L")
    rows.append(rows[PEEK_ROWS + 50])
    path = write_csv(tmp_path / "big.csv", CASE_COLUMNS, rows)
    line = len(rows) + 1
    assert problems_of(engine, register, "cases", path) == [
        f"big.csv:{line}: reference: reference L-{PEEK_ROWS + 51:05d} is already on line "
        f"{PEEK_ROWS + 52}"
    ]


def test_a_file_whose_later_rows_are_stored_counts_them(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    rows = case_rows(BURY, {"upheld": PEEK_ROWS + 100}, prefix="M")
    load(engine, register, "cases", write_csv(tmp_path / "tail.csv", CASE_COLUMNS, rows[-10:]))
    changed = [(*row[:5], "not_upheld", "no") for row in rows[-3:]]
    path = write_csv(tmp_path / "all.csv", CASE_COLUMNS, rows[:-3] + changed)
    result = load(engine, register, "cases", path)
    assert (result.total("inserted"), result.total("updated"), result.total("unchanged")) == (
        PEEK_ROWS + 90,
        3,
        7,
    )
    assert len(snapshot(engine)["cases"]) == PEEK_ROWS + 100


# Rows of the wrong width, NUL characters, JSON values of the wrong type: each refused by line.

ALL_CASE_COLUMNS = (
    "reference",
    "authority",
    "received",
    "category",
    "subcategory",
    "decided",
    "outcome",
    "satisfactory_remedy",
    "summary",
    "publish",
    "complainant",
)
DECIDED = ("S1", BURY, "2019-05-01", "Housing", "", "2019-11-01", "upheld", "no", "Text", "yes", "")


def test_a_short_row_is_refused_rather_than_wiping_a_decision(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    load(engine, register, "cases", write_csv(tmp_path / "full.csv", ALL_CASE_COLUMNS, [DECIDED]))
    path = tmp_path / "bad.csv"
    path.write_text(
        ",".join(ALL_CASE_COLUMNS) + "\n" + ",".join(DECIDED[:4]) + "\n", encoding="utf-8"
    )
    assert problems_of(engine, register, "cases", path) == [
        "bad.csv:2: the row has 4 cells but the header (line 1) has 11; "
        "every row needs one cell for each column"
    ]


def test_rows_with_extra_cells_are_refused_and_blank_lines_skipped(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    good = ",".join(DECIDED)
    path = tmp_path / "bad.csv"
    path.write_text(
        ",".join(ALL_CASE_COLUMNS) + f"\n\n{good}\n\n{good.replace('S1', 'S2')},extra\n",
        encoding="utf-8",
    )
    assert problems_of(engine, register, "cases", path) == [
        "bad.csv:5: the row has 12 cells but the header (line 1) has 11; "
        "every row needs one cell for each column"
    ]
    path.write_text(",".join(ALL_CASE_COLUMNS) + f"\n\n{good}\n\n", encoding="utf-8")
    assert load(engine, register, "cases", path).total("inserted") == 1


def test_a_value_under_a_blank_header_is_refused(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    header = ("reference", "authority", "received", "category", "", "")
    rows = [("B1", BURY, "2019-05-01", "Housing", "", ""), ("B2", BURY, "2019-05-01", "Housing")]
    xlsx_path = write_xlsx(tmp_path / "bad.xlsx", header[:4], [*rows[:1], (*rows[1], "", "note")])
    assert problems_of(engine, register, "cases", xlsx_path) == [
        "bad.xlsx:3: column F has a value but no header (line 1); "
        "give the column a header, or clear the cell"
    ]
    csv_path = bad_cases(tmp_path, *rows[:1], (*rows[1], "", "note"), header=header)
    assert problems_of(engine, register, "cases", csv_path) == [
        "bad.csv:3: cell 6 has a value but no header (line 1); "
        "give the column a header, or clear the cell"
    ]


def test_xlsx_lines_are_the_spreadsheet_rows(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["C3"], sheet["D3"], sheet["E3"], sheet["F3"] = CASE_COLUMNS[:4]
    sheet["C4"], sheet["D4"], sheet["E4"], sheet["F4"] = ("R1", "Nowhere", "2019-05-01", "Housing")
    workbook.save(tmp_path / "low.xlsx")
    (problem,) = problems_of(engine, register, "cases", tmp_path / "low.xlsx")
    assert problem.startswith("low.xlsx:4: authority: no council called 'Nowhere'")


@pytest.mark.parametrize("where", [10, 100, 10_000, 200_000])
def test_a_nul_anywhere_in_a_csv_is_refused_by_line(
    engine: Engine, register: Register, tmp_path: Path, where: int
) -> None:
    rows = case_rows(BURY, {"upheld": where + 10}, prefix="N")
    rows[where] = (*rows[where][:3], "Hous\x00ing", *rows[where][4:])
    path = write_csv(tmp_path / "bad.csv", CASE_COLUMNS, rows)
    assert problems_of(engine, register, "cases", path) == [
        f"bad.csv:{where + 2}: contains a NUL character (byte 0x00), which cannot be stored; "
        "remove it and try again"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('{"a": 1}', "received: is a JSON object; give text, a number, true/false or null"),
        ("[1, 2]", "received: is a JSON list; give text, a number, true/false or null"),
        ("NaN", "received: NaN is not a value; give text, a number, true/false or null"),
        (
            "-Infinity",
            "received: -Infinity is not a value; give text, a number, true/false or null",
        ),
        ("1e999", "received: Infinity is not a value; give text, a number, true/false or null"),
        (
            '"2019\\u0000-05-01"',
            "received: contains a NUL character (\\u0000), which cannot be stored",
        ),
        (
            '"\\ud800"',
            "received: contains half of a UTF-16 surrogate pair (\\ud800), which is not text",
        ),
    ],
)
def test_json_values_of_the_wrong_type_are_refused(
    engine: Engine, register: Register, tmp_path: Path, value: str, expected: str
) -> None:
    path = tmp_path / "bad.jsonl"
    good = (
        '{"reference": "J1", "authority": "Bury", "received": "2019-05-01", "category": "Housing"}'
    )
    bad = good.replace('"J1"', '"J2"').replace('"2019-05-01"', value)
    path.write_text(f"{good}\n{bad}\n{good.replace('J1', 'J3')}\n", encoding="utf-8")
    assert problems_of(engine, register, "cases", path) == [f"bad.jsonl:2: {expected}"]


def test_a_nan_reference_is_not_case_nan(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"reference": NaN, "authority": "Bury", "received": "2019-05-01", '
        '"category": "Housing"}\n',
        encoding="utf-8",
    )
    assert problems_of(engine, register, "cases", path) == [
        "bad.jsonl:1: reference: NaN is not a value; give text, a number, true/false or null"
    ]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[" * 100_000, "not valid JSON: nested too deeply"),
        (
            '{"reference": ' + "9" * 5000 + "}",
            "not valid JSON: Exceeds the limit (4300 digits) for integer string conversion",
        ),
    ],
)
def test_json_too_deep_or_too_long_is_refused(
    engine: Engine, register: Register, tmp_path: Path, line: str, expected: str
) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text('{"reference": "1"}\n' + line + "\n", encoding="utf-8")
    problems = problems_of(engine, register, "cases", path)
    assert problems[:3] == [
        "deep.jsonl:1: authority: is required",
        "deep.jsonl:1: received: is required",
        "deep.jsonl:1: category: is required",
    ]
    assert problems[3].startswith(f"deep.jsonl:2: {expected}")


@pytest.mark.parametrize(
    ("attendees", "expected"),
    [
        ("-5", "attendees: -5 is not a count; it must be 0 or more"),
        ("2.5", "attendees: '2.5' is not a whole number"),
        ("3000000000", "attendees: 3000000000 is too large"),
    ],
)
def test_event_attendees_are_a_count(
    engine: Engine, register: Register, tmp_path: Path, attendees: str, expected: str
) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        ("date", "kind", "title", "attendees"),
        [("2019-10-01", "course", "Complaint handling", attendees)],
    )
    assert problems_of(engine, register, "events", path) == [f"bad.csv:2: {expected}"]
    zero = write_csv(
        tmp_path / "zero.csv",
        ("date", "kind", "title", "attendees"),
        [("2019-10-01", "course", "Complaint handling", "0")],
    )
    assert load(engine, register, "events", zero).total("inserted") == 1


@pytest.mark.parametrize("code", ["X01000001", "LGSCO-TEST"])
def test_an_imported_council_is_found_by_its_own_code(
    engine: Engine, register: Register, tmp_path: Path, code: str
) -> None:
    from upheld.store.queries import load_register

    councils = write_csv(
        tmp_path / "councils.csv", ("code", "name", "type"), [(code, "Test Council", "unitary")]
    )
    load(engine, register, "authorities", councils)
    with engine.connect() as connection:
        extended = load_register(connection, register)
    cases = write_csv(
        tmp_path / "cases.csv",
        CASE_COLUMNS,
        [("T1", code.lower(), "2019-05-01", "Housing", "", "", "")],
    )
    contacts = write_csv(
        tmp_path / "contacts.csv", ("authority", "role", "name"), [(code, "leader", "A Person")]
    )
    assert load(engine, extended, "cases", cases).total("inserted") == 1
    assert load(engine, extended, "contacts", contacts).total("inserted") == 1
    with engine.connect() as connection:
        assert connection.execute(select(schema.cases.c.authority)).scalar_one() == code


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "old.xls",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504,
            "an Excel 97-2003 workbook",
        ),
        ("sheet.ods", b"PK\x03\x04" + b"\x00" * 100, "an OpenDocument spreadsheet"),
        ("disguised.dat", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "an Excel 97-2003"),
    ],
)
def test_xls_and_ods_are_refused(
    engine: Engine, register: Register, tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    (problem,) = problems_of(engine, register, "cases", path)
    assert problem.startswith(f"{name}: this is {expected}")
    assert problem.endswith("save it as XLSX or CSV and try again")
