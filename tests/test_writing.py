"""Commands that write take turns; trouble with the database itself is one line, not a traceback."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, func
from sqlalchemy import select as select_from
from sqlalchemy.engine import make_url

from tests.conftest import POSTGRES_URL, write_csv
from upheld.cli import cli
from upheld.store import engines, schema

WAITING = "Waiting for another upheld command to finish writing to the database…"
COLUMNS = ("reference", "authority", "received", "category", "decided", "outcome", "summary")
CASES = 30_000


def upheld(url: str, *args: str) -> subprocess.Popen[str]:
    """An upheld command running in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "upheld", "--db", url, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def run(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)


@pytest.fixture
def cases_file(tmp_path: Path) -> Path:
    """Enough decided cases for an import to take a good part of a second."""
    rows = [
        (f"W{n:06d}", "E08000002", "2019-05-01", "Housing", "2019-11-01", "upheld", f"Summary {n}")
        for n in range(CASES)
    ]
    return write_csv(tmp_path / "cases.csv", COLUMNS, rows)


def stored_cases(url: str) -> int:
    engine = engines.connect(url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(select_from(func.count()).select_from(schema.cases)).scalar_one()
            )
    finally:
        engine.dispose()


def test_two_imports_of_one_file_at_once_both_succeed(database_url: str, cases_file: Path) -> None:
    # Both start on an empty database, so both also race to create the schema.
    first = upheld(database_url, "import", "cases", str(cases_file))
    second = upheld(database_url, "import", "cases", str(cases_file))
    results = [finish(first), finish(second)]
    for code, _out, err in results:
        assert code == 0, err
        assert "Traceback" not in err
    # The import that wrote the cases indexes them; the other, which changed nothing, has
    # nothing to index again.
    indexed = sorted(out.splitlines()[-1].split(" in ")[0] for _code, out, _err in results)
    assert indexed == [
        "Search index: 0 of 30,000 decisions indexed again",
        "Search index: 30,000 decisions indexed",
    ]
    summaries = sorted(out.splitlines()[0].split(": ", 1)[1] for _code, out, _err in results)
    assert summaries == [
        "30,000 rows; 0 were inserted, 0 updated, 30,000 unchanged",
        "30,000 rows; 30,000 were inserted, 0 updated, 0 unchanged",
    ]
    assert sum(err.count("Created the upheld database") for _c, _o, err in results) == 1
    assert stored_cases(database_url) == CASES
    assert run(database_url, "index", "--check").exit_code == 0


def test_two_index_rebuilds_at_once_both_succeed(database_url: str, cases_file: Path) -> None:
    assert run(database_url, "import", "cases", "--no-index", str(cases_file)).exit_code == 0
    assert run(database_url, "index", "--check").exit_code == 1
    rebuilds = [upheld(database_url, "index") for _ in range(2)]
    for code, out, err in map(finish, rebuilds):
        assert code == 0, err
        assert "30,000 decisions indexed" in out
    assert run(database_url, "index", "--check").exit_code == 0


def test_a_command_that_finds_another_writing_waits_and_says_so(
    database_url: str, cases_file: Path
) -> None:
    assert run(database_url, "init").exit_code == 0
    holder = engines.connect(database_url)
    with engines.writing(holder):
        importing = upheld(database_url, "import", "cases", str(cases_file))
        assert importing.stderr is not None
        ready, _, _ = select.select([importing.stderr], [], [], 60)
        assert ready, "the import neither waited nor finished"
        assert importing.stderr.readline().rstrip("\n") == WAITING
        assert importing.poll() is None
    code, out, err = finish(importing)
    holder.dispose()
    assert code == 0, err
    assert "30,000 were inserted" in out
    assert WAITING not in err  # said once only


def test_waiting_has_a_limit(
    engine: Engine, database_url: str, cases_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "WRITER_WAIT_SECONDS", 1)
    with engines.writing(engine):
        result = CliRunner().invoke(
            cli, ["--db", database_url, "import", "cases", str(cases_file)], catch_exceptions=False
        )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        WAITING,
        "gave up after waiting 1 seconds for another upheld command to finish writing to the "
        "database",
    ]


def test_the_writer_lock_is_one_at_a_time(engine: Engine) -> None:
    order: list[str] = []
    inside = threading.Event()

    def second() -> None:
        inside.wait()
        with engines.writing(engine, on_wait=lambda: order.append("waited")):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    with engines.writing(engine):
        order.append("first")
        inside.set()
        thread.join(timeout=1)
        order.append("first done")
    thread.join(timeout=60)
    assert order == ["first", "waited", "first done", "second"]


@pytest.mark.skipif(not POSTGRES_URL, reason="set UPHELD_TEST_POSTGRES to a PostgreSQL URL to run")
def test_a_role_that_does_not_exist(database_url: str) -> None:
    assert POSTGRES_URL is not None
    url = make_url(engines.database_url(POSTGRES_URL)).set(username="nosuchrole", password="secret")
    result = run(url.render_as_string(hide_password=False), "init")
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith(
        f"cannot use the database postgresql+psycopg://nosuchrole:***@{url.host}:{url.port}/"
    )
    assert 'role "nosuchrole" does not exist' in line
    assert "secret" not in result.output


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", COLUMNS, [])
    for args in (["init"], ["stats", "--year", "2019"], ["import", "cases", str(path)]):
        result = run(str(path), *args)
        assert result.exit_code == 1
        assert result.output == (
            f"cannot use the database sqlite:///{path}: file is not a database\n"
        ), args


def test_a_database_that_cannot_be_opened(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path}", "init")
    assert result.exit_code == 1
    assert result.output == (
        f"cannot use the database sqlite:///{tmp_path}: unable to open database file\n"
    )


def test_a_fault_in_upheld_is_not_hidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    import upheld.store.queries

    url = f"sqlite:///{tmp_path / 'u.db'}"
    assert run(url, "init").exit_code == 0

    def broken(connection: object, *args: object, **kwargs: object) -> None:
        connection.execute(text("SELEC 1"))  # type: ignore[attr-defined]

    monkeypatch.setattr(upheld.store.queries, "year_figures", broken)
    with pytest.raises(DBAPIError, match="syntax error"):
        run(url, "stats", "--year", "2019")


OPEN_AT = """
import sys, time
from upheld.store import engines
engine = engines.connect(sys.argv[1])
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
with engine.connect() as connection:
    print(connection.exec_driver_sql("PRAGMA journal_mode").scalar())
"""


def test_processes_opening_a_new_sqlite_file_at_once_all_succeed(tmp_path: Path) -> None:
    # The first to open a new file turns it to write-ahead logging, and SQLite refuses at once,
    # without waiting, a second that tries in the same moment.
    for attempt in range(5):
        url = f"sqlite:///{tmp_path / f'new{attempt}.db'}"
        start = f"{time.time() + 1.2:.3f}"
        openers = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_AT, url, start],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for code, out, err in map(finish, openers):
            assert code == 0, err
            assert out.strip() == "wal"
