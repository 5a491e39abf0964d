"""The search index brought up to date with only what imports changed: exactly the index, and the
answers, that rebuilding it whole gives, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select, text

from tests.conftest import write_csv
from tests.test_search import COLUMNS, case, public
from upheld.cli import cli
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.register import Register
from upheld.search import (
    DecisionQuery,
    Update,
    index,
    index_is_current,
    refresh_index,
    search,
    update_index,
)
from upheld.store import engines, schema

QUERIES = [
    DecisionQuery(per_page=100),
    DecisionQuery(per_page=100, sort="oldest"),
    DecisionQuery(text="roof", per_page=100),
    DecisionQuery(text="roof leak", per_page=100, sort="relevance"),
    DecisionQuery(text='"housing advice"', per_page=100),
    DecisionQuery(text="-roof", per_page=100),
    DecisionQuery(text="parking", per_page=100, sort="oldest"),
    DecisionQuery(text="homelessness", per_page=3, page=2),
]


def fingerprint(engine: Engine) -> tuple[Any, ...]:
    """Everything the search index holds, word by word, and what searches find in it."""
    with engine.connect() as connection:
        decisions = connection.execute(
            select(schema.search_decisions).order_by(schema.search_decisions.c.id)
        ).all()
        if connection.dialect.name == "postgresql":
            words = connection.execute(
                text("SELECT id, document::text FROM decision_search ORDER BY id")
            ).all()
        else:
            # Every word of every decision the FTS5 index holds, where it is in which column.
            connection.execute(
                text(
                    "CREATE VIRTUAL TABLE IF NOT EXISTS temp.indexed_words "
                    "USING fts5vocab(main, decision_search, instance)"
                )
            )
            words = connection.execute(
                text("SELECT term, doc, col, offset FROM temp.indexed_words ORDER BY 1, 2, 3, 4")
            ).all()
        found = [search(connection, query, public()) for query in QUERIES]
    return decisions, words, found


def import_cases(
    engine: Engine, register: Register, path: Path, rows: Sequence[dict[str, Any]]
) -> None:
    write_csv(path, COLUMNS, [[row[c] for c in COLUMNS] for row in rows])
    result = import_files(engine, KINDS["cases"], [path], register)
    assert result.files, result


def updated(engine: Engine) -> Update:
    with engines.writing(engine) as connection:
        return update_index(connection)


def rebuilt(engine: Engine) -> None:
    with engines.writing(engine) as connection:
        refresh_index(connection)


def build(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.execute(select(schema.search_state.c.build)).scalar_one())


def day(n: int) -> str:
    return (date(2023, 4, 1) + timedelta(days=n)).isoformat()


FIRST = [
    case("A-01", decided=day(10), summary="A leaking roof was not repaired."),
    case("A-02", decided=day(20), summary="Mr X complained about the Council's housing advice."),
    case("A-03", decided=day(20), summary="The roof leak went on for months."),
    case(
        "A-04",
        decided=day(30),
        summary="A parking fine was wrongly issued.",
        category="Highways and transport",
        subcategory="Parking and enforcement",
    ),
    case("A-05", decided=day(40), summary="Homelessness advice was slow."),
    case("A-06", decided=day(50), summary="Housing advice was wrong.", outcome="not_upheld"),
    case("A-07", decided=day(60), summary="Roof repairs were delayed again."),
    case("A-08", decided="", outcome="", summary="Not yet decided."),
    case("A-09", decided=day(70), summary="Private, never shown.", publish="no"),
    case(
        "A-10",
        decided=day(80),
        summary="Parking permits were refused.",
        category="Highways and transport",
        subcategory="Parking and enforcement",
    ),
    case("A-11", decided=day(90), summary="Homelessness duty was not met."),
    case("A-12", decided=day(100), summary="The roof still leaks."),
]


@pytest.fixture(autouse=True)
def never_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """A few test cases are all a large share of the index: update them in place all the same."""
    monkeypatch.setattr(index, "WHOLE_SHARE", 1e9)


@pytest.fixture
def indexed(engine: Engine, register: Register, tmp_path: Path) -> Engine:
    """Twelve cases imported and indexed (the first update builds the index whole)."""
    import_cases(engine, register, tmp_path / "first.csv", FIRST)
    assert updated(engine).whole
    return engine


def test_an_update_is_the_index_a_rebuild_makes(
    indexed: Engine, register: Register, tmp_path: Path
) -> None:
    changes = [
        # A summary changed: found by its new words.
        case("A-01", decided=day(10), summary="A broken boiler was not repaired."),
        # Taken out of publication, and a summary emptied.
        case("A-03", decided=day(20), summary="The roof leak went on for months.", publish="no"),
        case("A-05", decided=day(40), summary=" "),
        # Decided at last, and moved to another date.
        case("A-08", decided=day(55), outcome="upheld", summary="Roof tiles fell off."),
        case("A-07", decided=day(95), summary="Roof repairs were delayed again."),
        # Brought into publication.
        case("A-09", decided=day(70), summary="Private, now shown.", publish="yes"),
        # Unchanged.
        case("A-12", decided=day(100), summary="The roof still leaks."),
        # New: in between, and after all the others.
        case("B-01", decided=day(35), summary="Another roof complaint about parking."),
        case("B-02", decided=day(120), summary="Homelessness advice came too late."),
    ]
    before = build(indexed)
    import_cases(indexed, register, tmp_path / "changes.csv", changes)
    with indexed.connect() as connection:
        assert not index_is_current(connection)
    done = updated(indexed)
    assert not done.whole
    # A-01 in its place, then from day 20 on (A-03 taken out) every decision numbered again.
    assert done.written == done.decisions
    with indexed.connect() as connection:
        assert index_is_current(connection)
    assert build(indexed) != before
    incremental = fingerprint(indexed)
    rebuilt(indexed)
    assert fingerprint(indexed) == incremental
    found = {item["reference"] for item in incremental[2][2].items}
    assert found == {"A-07", "A-08", "A-12", "B-01"}


def test_a_changed_summary_is_indexed_again_in_its_place(
    indexed: Engine, register: Register, tmp_path: Path
) -> None:
    changes = [
        case("A-02", decided=day(20), summary="A roof over the housing office."),
        case(
            "A-11",
            decided=day(90),
            summary="Homelessness duty was not met.",
            subcategory="Allocations",
        ),
    ]
    import_cases(indexed, register, tmp_path / "changes.csv", changes)
    done = updated(indexed)
    assert (done.written, done.whole) == (2, False)
    incremental = fingerprint(indexed)
    rebuilt(indexed)
    assert fingerprint(indexed) == incremental


def test_new_decisions_after_the_rest_are_only_added(
    indexed: Engine, register: Register, tmp_path: Path
) -> None:
    month = [case(f"C-{n:02}", decided=day(200 + n), summary=f"Roof case {n}.") for n in range(5)]
    import_cases(indexed, register, tmp_path / "month.csv", month)
    done = updated(indexed)
    assert (done.written, done.whole) == (5, False)
    incremental = fingerprint(indexed)
    rebuilt(indexed)
    assert fingerprint(indexed) == incremental


def test_an_import_that_changes_nothing_keeps_the_build(
    indexed: Engine, register: Register, tmp_path: Path
) -> None:
    before = build(indexed)
    import_cases(indexed, register, tmp_path / "again.csv", FIRST)
    with indexed.connect() as connection:
        assert not index_is_current(connection)
    assert updated(indexed) == Update(10, 0, whole=False)
    with indexed.connect() as connection:
        assert index_is_current(connection)
    # The words are as they were: the bit sets the website holds for the build still stand.
    assert build(indexed) == before


def test_several_imports_are_caught_up_at_once(
    indexed: Engine, register: Register, tmp_path: Path
) -> None:
    import_cases(indexed, register, tmp_path / "one.csv", [case("D-01", decided=day(5))])
    import_cases(
        indexed, register, tmp_path / "two.csv", [case("A-04", decided=day(30), publish="no")]
    )
    assert not updated(indexed).whole
    incremental = fingerprint(indexed)
    rebuilt(indexed)
    assert fingerprint(indexed) == incremental


def test_an_index_built_from_no_known_import_is_rebuilt_whole(
    indexed: Engine, register: Register, tmp_path: Path
) -> None:
    with indexed.begin() as connection:
        connection.execute(schema.search_state.update().values(last_import=None))
    import_cases(indexed, register, tmp_path / "one.csv", [case("D-01", decided=day(5))])
    assert updated(indexed).whole


def test_many_changes_rebuild_the_index_whole(
    indexed: Engine, register: Register, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index, "WHOLE_SHARE", 0.25)
    changed = [{**row, "summary": row["summary"] + " Changed."} for row in FIRST]
    import_cases(indexed, register, tmp_path / "changed.csv", changed)
    assert updated(indexed).whole


def test_upgrading_forgets_an_index_behind_the_latest_import(
    database_url: str, register: Register, tmp_path: Path
) -> None:
    from alembic import command

    engine = engines.connect(database_url)
    with engine.begin() as connection:
        command.upgrade(schema._alembic_config(connection), "0008")
        connection.execute(
            text(
                "INSERT INTO imports (id, kind, file, sha256, rows, inserted, updated, unchanged, "
                "imported_at, version) VALUES (7, 'cases', 'a.csv', '', 1, 1, 0, 0, "
                "'2025-01-01 00:00:00', '1'), (8, 'cases', 'b.csv', '', 1, 1, 0, 0, "
                "'2025-01-02 00:00:00', '1')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO search_state (id, build, last_import, decisions, built_at, version) "
                "VALUES (1, 'old', 7, 0, '2025-01-01 00:00:00', '1')"
            )
        )
    schema.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(select(schema.search_state.c.last_import)).scalar() is None
    assert updated(engine).whole
    engine.dispose()


# Any import, any changes


def rows_of(spec: list[tuple[int, int | None, bool, int]]) -> list[dict[str, Any]]:
    words = ["roof leak", "parking fine", "housing advice", "homelessness duty", " "]
    return [
        case(
            f"H-{n:02}",
            decided="" if at is None else day(at),
            outcome="" if at is None else "upheld",
            publish="yes" if shown else "no",
            summary=f"{words[word]} {n}" if word < 4 else words[word],
        )
        for n, at, shown, word in spec
    ]


specs = st.lists(
    st.tuples(
        st.integers(0, 25),
        st.one_of(st.none(), st.integers(0, 12)),
        st.booleans(),
        st.integers(0, 4),
    ),
    min_size=1,
    max_size=20,
    unique_by=lambda t: t[0],
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=specs, second=specs, third=specs)
def test_any_updates_give_the_index_a_rebuild_makes(
    engine: Engine,
    register: Register,
    tmp_path: Path,
    first: list[Any],
    second: list[Any],
    third: list[Any],
) -> None:
    with engines.writing(engine) as connection:
        for table in ("search_state", "search_decisions", "cases", "imports"):
            connection.execute(text(f"DELETE FROM {table}"))
    rebuilt(engine)
    import_cases(engine, register, tmp_path / "first.csv", rows_of(first))
    updated(engine)
    import_cases(engine, register, tmp_path / "second.csv", rows_of(second))
    updated(engine)
    import_cases(engine, register, tmp_path / "third.csv", rows_of(third))
    updated(engine)
    incremental = fingerprint(engine)
    rebuilt(engine)
    assert fingerprint(engine) == incremental


# The command line


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


def test_the_commands_say_what_they_indexed(database_url: str, tmp_path: Path) -> None:
    first = write_csv(tmp_path / "first.csv", COLUMNS, [[r[c] for c in COLUMNS] for r in FIRST])
    result = run(database_url, "import", "cases", str(first))
    assert re.search(r"Search index: 10 decisions indexed in \d+\.\d s", result.output)
    month = [case("M-01", decided=day(300)), case("M-02", decided=day(301))]
    added = write_csv(tmp_path / "month.csv", COLUMNS, [[r[c] for c in COLUMNS] for r in month])
    result = run(database_url, "import", "cases", "--no-index", str(added))
    assert "Search index" not in result.output
    assert run(database_url, "index", "--check").exit_code == 1
    result = run(database_url, "index", "--update")
    assert result.exit_code == 0, result.output
    assert re.search(r"Search index: 2 of 12 decisions indexed again in \d+\.\d s", result.output)
    assert run(database_url, "index", "--check").exit_code == 0
    refused = run(database_url, "index", "--update", "--check")
    assert refused.exit_code == 2
    assert "choose one of --check and --update" in refused.output
