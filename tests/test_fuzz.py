"""The readers fuzzed: any file is either imported exactly as written, or refused whole.

Each example is a file of case records in CSV, JSON Lines or XLSX, built from cells of every
kind (good values, text with any character in it, numbers, dates, blanks, very long text, NUL,
JSON objects and NaN, rows cut short or too long), or plain random bytes. The property: the
import either succeeds and stores exactly the rows the file holds, or raises InputError whose
every problem names the file (and a line, unless it is about the whole file), leaving every
table as it was. Which of the two is also predicted from how the file was built.
"""

from __future__ import annotations

import csv
import json
import math
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from tests.conftest import POSTGRES_URL, fresh_database_url
from tests.test_imports import snapshot
from upheld.errors import InputError
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.register import Register
from upheld.store import engines, schema

COLUMNS = (
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
BAD = object()
"""What a cell is expected to read as when the importer must refuse it."""


@dataclass(frozen=True)
class Cell:
    """A value as written in a file, and what it should be stored as (or BAD)."""

    written: Any
    stored: Any


def good(*pairs: tuple[Any, Any]) -> st.SearchStrategy[Cell]:
    return st.sampled_from([Cell(w, s) for w, s in pairs])


def bad(*written: Any) -> st.SearchStrategy[Cell]:
    return st.sampled_from([Cell(w, BAD) for w in written])


def as_text(value: Any, limit: int | None) -> Any:
    """What a free-text column stores for a value: trimmed text, None for blank."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return BAD
    if isinstance(value, dict | list):
        return BAD
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if "\x00" in text or any("\ud800" <= c <= "\udfff" for c in text):
        return BAD
    if not text:
        return None
    return BAD if limit is not None and len(text) > limit else text


def free_text(limit: int | None, fmt: str, dirty: bool) -> st.SearchStrategy[Cell]:
    """Text of every kind for a free-text column, with what it should be stored as; only a
    dirty row gets what must be refused (NUL, JSON objects, NaN, text over the limit)."""
    if not dirty:
        clean: st.SearchStrategy[Any] = st.one_of(
            st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=30),
            st.text(st.sampled_from(' ,"\n\t;é中'), max_size=12),
            st.integers(-(10**6), 10**6),
        )
        if fmt == "xlsx":
            clean = clean.filter(
                lambda v: not isinstance(v, str) or not {"=", "_", "\n", "\t"} & set(v)
            )
        elif fmt == "csv":
            clean = clean.map(str)
        return clean.map(lambda v: Cell(v, as_text(v, limit)))
    if fmt == "xlsx":
        # What a spreadsheet program can hold: no control characters, no formulas, no _x0000_.
        alphabet = st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="_=")
        values: st.SearchStrategy[Any] = st.one_of(
            st.text(alphabet, max_size=30),
            st.integers(-(10**9), 10**9),
            st.just("x" * 250),
        )
    else:
        values = st.one_of(
            st.text(max_size=30),
            st.text(st.sampled_from(' ,"\n\r\t\x00;é中\u2028'), max_size=12),
            st.just("y" * 5000),
            st.integers(-(10**12), 10**12),
            st.floats(allow_nan=fmt == "jsonl", allow_infinity=fmt == "jsonl"),
            st.booleans(),
        )
        if fmt == "jsonl":
            values = st.one_of(
                values,
                st.just({"a": 1}),
                st.just([1, 2]),
                st.just("\ud800"),
                st.none(),
            )
        else:
            values = values.map(str)  # a CSV file holds only text
    return values.map(lambda v: Cell(v, as_text(v, limit)))


GOOD_RECEIVED = good(
    ("2019-05-01", date(2019, 5, 1)),
    ("01/05/2019", date(2019, 5, 1)),
    (" 2019-10-31 ", date(2019, 10, 31)),
)
BAD_RECEIVED = bad("2019-02-30", "May 2019", "", "31/13/2019", "1969-12-31", "2020-03-31")
"""The last is no date to refuse, but after the decision date below."""


@dataclass(frozen=True)
class Row:
    """One row as built: its cells in column order, and whether it should be refused."""

    cells: tuple[Cell, ...]
    width: int

    @property
    def refused(self) -> bool:
        return self.width != len(COLUMNS) or any(c.stored is BAD for c in self.cells)


def maybe(dirty: bool, fine: st.SearchStrategy[Cell], wrong: st.SearchStrategy[Cell]) -> Any:
    return fine | wrong if dirty else fine


@st.composite
def rows(draw: st.DrawFn, number: int, fmt: str) -> Row:
    # Most rows are good, so that most files import; a dirty row may have anything in it.
    dirty = draw(st.integers(0, 4)) == 0
    reference = draw(
        maybe(
            dirty,
            good((f"F{number}", f"F{number}"), (f" F{number} ", f"F{number}")),
            bad("", "R" * 41),
        )
    )
    authority = draw(
        maybe(
            dirty,
            good(("E08000002", "E08000002"), ("Bury", "E08000002"), ("kent", "E10000016")),
            bad("Nowhere"),
        )
    )
    received = draw(maybe(dirty, GOOD_RECEIVED, BAD_RECEIVED))
    if fmt == "xlsx" and received.stored is not BAD and draw(st.booleans()):
        received = Cell(datetime.combine(received.stored, datetime.min.time()), received.stored)
    category = draw(
        maybe(dirty, good(("Housing", "Housing"), ("housing", "Housing")), bad("Housng"))
    )
    decisions = (
        [None, "upheld", "Not upheld", "uphold"] if dirty else [None, "upheld", "Not upheld"]
    )
    decision = draw(st.sampled_from(decisions))
    decided = Cell("2019-11-01" if decision else "", date(2019, 11, 1) if decision else None)
    outcome = Cell(
        decision or "",
        {"upheld": "upheld", "Not upheld": "not_upheld", "uphold": BAD, None: None}[decision],
    )
    if received.written == "2020-03-31":
        received = Cell(received.written, date(2020, 3, 31))
        if decision:
            decided = Cell(decided.written, BAD)  # decided before it was received
    remedies = [("", False), ("no", False)] + ([("yes", True)] if decision == "upheld" else [])
    remedy = draw(maybe(dirty, good(*remedies), bad("maybe", "yes")))
    if remedy.stored is BAD and remedy.written == "yes" and outcome.stored == "upheld":
        remedy = Cell("yes", True)
    publish = draw(maybe(dirty, good(("", True), ("no", False), ("YES", True)), bad("perhaps")))
    cells = (
        reference,
        authority,
        received,
        category,
        draw(free_text(200, fmt, dirty)),
        decided,
        outcome,
        remedy,
        draw(free_text(None, fmt, dirty)),
        publish,
        draw(free_text(200, fmt, dirty)),
    )
    width = len(COLUMNS)
    if dirty and fmt != "jsonl" and draw(st.booleans()):
        width = draw(st.sampled_from([1, 4, 10, 12]))
    return Row(cells, width)


def write(path: Path, fmt: str, built: list[Row]) -> None:
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            for row in built:
                written = [c.written for c in row.cells]
                writer.writerow((written + ["extra"] * 2)[: row.width])
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for row in built:
                record = {name: c.written for name, c in zip(COLUMNS, row.cells, strict=True)}
                handle.write(json.dumps(record) + "\n")
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Cases")
        sheet.append(list(COLUMNS))
        for row in built:
            written = [c.written for c in row.cells]
            # A spreadsheet pads a short row with blanks: only a value past the header is wrong.
            if row.width > len(COLUMNS):
                sheet.append([*written, "extra"])
            else:
                sheet.append(written)
        workbook.save(path)


def skipped(row: Row) -> bool:
    """A row whose every written cell is empty: a blank line, which is skipped."""
    return all(c.written in ("", None) for c in row.cells[: row.width])


def expected_refusal(fmt: str, built: list[Row]) -> bool:
    for row in built:
        if fmt == "xlsx" and row.width < len(COLUMNS):
            row = Row(row.cells, len(COLUMNS))
        if row.refused and not skipped(row):
            return True
    return all(skipped(row) for row in built)  # no data rows at all


def stored(engine: Engine) -> set[tuple[Any, ...]]:
    """The cases the file imported (COLUMNS are the table's own column names)."""
    with engine.connect() as connection:
        found = connection.execute(select(*(schema.cases.c[n] for n in COLUMNS)))
        return {tuple(row) for row in found if not row.reference.startswith("BASE")}


def fresh(engine: Engine, register: Register, folder: Path) -> None:
    """Every table emptied, then one case stored, so that 'unchanged' means something."""
    with engine.begin() as connection:
        for table in reversed(schema.metadata.sorted_tables):
            connection.execute(table.delete())
    base = folder / "base.csv"
    base.write_text(
        "reference,authority,received,category\nBASE1,Bury,2019-05-01,Housing\n", encoding="utf-8"
    )
    import_files(engine, KINDS["cases"], [base], register)


def check(engine: Engine, register: Register, path: Path, expected: list[Row] | None) -> None:
    """Import a file: either every row stored as expected, or refused whole with locations."""
    before = snapshot(engine)
    refused: InputError | None = None
    try:
        import_files(engine, KINDS["cases"], [path], register)
    except InputError as exc:
        refused = exc
    event("refused" if refused else "imported")
    if refused is not None:
        assert snapshot(engine) == before
        assert refused.problems
        for problem in refused.problems:
            assert problem.file == str(path)
            assert problem.line is None or problem.line >= 1
            assert problem.message
        assert expected is None or expected_refusal(path.suffix[1:], expected), refused.report()
        return
    if expected is None:
        return
    assert not expected_refusal(path.suffix[1:], expected)
    rows = {tuple(c.stored for c in row.cells) for row in expected if not skipped(row)}
    assert stored(engine) == rows


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = engines.connect(fresh_database_url("sqlite", tmp_path))
    schema.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(tmp_path: Path) -> Iterator[Engine]:
    if not POSTGRES_URL:
        pytest.skip("set UPHELD_TEST_POSTGRES to a PostgreSQL URL to run")
    engine = engines.connect(fresh_database_url("postgresql", tmp_path))
    schema.upgrade(engine)
    yield engine
    engine.dispose()


@st.composite
def files(draw: st.DrawFn) -> tuple[str, list[Row]]:
    fmt = draw(st.sampled_from(["csv", "jsonl", "xlsx"]))
    count = draw(st.integers(1, 6))
    return fmt, [draw(rows(number, fmt)) for number in range(count)]


FUZZ = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
"""The same examples on every run, so that the suite stays quick and repeatable."""


def built_files(engine: Engine, register: Register, folder: Path, built: Any) -> None:
    fmt, made = built
    fresh(engine, register, folder)
    path = folder / f"cases.{fmt}"
    write(path, fmt, made)
    check(engine, register, path, made)


@settings(FUZZ, max_examples=250)
@given(built=files())
def test_built_files_on_sqlite(
    sqlite_engine: Engine, register: Register, tmp_path: Path, built: Any
) -> None:
    built_files(sqlite_engine, register, tmp_path, built)


@pytest.mark.postgres
@settings(FUZZ, max_examples=40)
@given(built=files())
def test_built_files_on_postgresql(
    postgres_engine: Engine, register: Register, tmp_path: Path, built: Any
) -> None:
    built_files(postgres_engine, register, tmp_path, built)


@st.composite
def damaged(draw: st.DrawFn) -> tuple[str, bytes]:
    """Random bytes, random bytes after a header, or a real file with bytes changed."""
    fmt = draw(st.sampled_from(["csv", "jsonl", "xlsx"]))
    choice = draw(st.sampled_from(["random", "after header", "changed"]))
    if choice == "random":
        return fmt, draw(st.binary(max_size=3000))
    if choice == "after header":
        head = {"csv": ",".join(COLUMNS) + "\n", "jsonl": '{"reference": "1"}\n'}.get(fmt, "PK")
        return fmt, head.encode() + draw(st.binary(max_size=3000))
    return fmt, b""  # filled in from a real file by the test


def damaged_file(folder: Path, register: Register, engine: Engine, case: Any, data: Any) -> None:
    fmt, content = case
    path = folder / f"damaged.{fmt}"
    if not content:
        made = [data.draw(rows(n, fmt)) for n in range(3)]
        write(path, fmt, made)
        content = bytearray(path.read_bytes())
        for _ in range(data.draw(st.integers(1, 8))):
            at = data.draw(st.integers(0, len(content) - 1))
            content[at] = data.draw(st.integers(0, 255))
        content = bytes(content)
    path.write_bytes(content)
    fresh(engine, register, folder)
    check(engine, register, path, None)


@settings(FUZZ, max_examples=200)
@given(case=damaged(), data=st.data())
def test_damaged_files_on_sqlite(
    sqlite_engine: Engine, register: Register, tmp_path: Path, case: Any, data: Any
) -> None:
    damaged_file(tmp_path, register, sqlite_engine, case, data)


@pytest.mark.postgres
@settings(FUZZ, max_examples=40)
@given(case=damaged(), data=st.data())
def test_damaged_files_on_postgresql(
    postgres_engine: Engine, register: Register, tmp_path: Path, case: Any, data: Any
) -> None:
    damaged_file(tmp_path, register, postgres_engine, case, data)


def test_a_damaged_xlsx_is_still_a_zip_file(tmp_path: Path) -> None:
    """The damaged XLSX examples really reach the zip reader and the checks after it."""
    path = tmp_path / "x.xlsx"
    write(path, "xlsx", [])
    assert zipfile.is_zipfile(path)
