"""The website's read-only role on PostgreSQL: `upheld db grant-readonly` gives reading and
nothing more, the whole website works as that role, and the role cannot write."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ProgrammingError

from tests.conftest import POSTGRES_URL, fresh_database_url, write_csv
from tests.servers import upheld_serving
from upheld.cli import cli
from upheld.errors import UsageError
from upheld.register import builtin
from upheld.store import engines, roles
from upheld.synthetic import DemoSpec, demo
from upheld.web import create_app, site_for

ROLE = "upheld_test_reader"
PASSWORD = "not-a-real-secret"
BURY = "E08000002"

Test = TypeVar("Test", bound=Callable[..., None])


def on_postgresql(test: Test) -> Test:
    """A test that needs the test PostgreSQL server, skipped with the reason without it."""
    reason = "set UPHELD_TEST_POSTGRES to a PostgreSQL URL to run"
    skipped: Test = pytest.mark.skipif(not POSTGRES_URL, reason=reason)(test)
    marked: Test = pytest.mark.postgres(skipped)
    return marked


def run(url: str, *args: str, password: str | None = None) -> Result:
    environment = {"UPHELD_READONLY_PASSWORD": password} if password else {}
    return CliRunner().invoke(cli, ["--db", url, *args], env=environment, catch_exceptions=False)


def as_role(url: str, role: str = ROLE, password: str = PASSWORD) -> str:
    """The same database, logged in as another role."""
    return make_url(url).set(username=role, password=password).render_as_string(False)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[demo.Demo]:
    """A small demo on PostgreSQL, with the website's role granted reading by the command."""
    if not POSTGRES_URL:
        pytest.skip("set UPHELD_TEST_POSTGRES to a PostgreSQL URL to run")
    folder = tmp_path_factory.mktemp("readonly")
    url = fresh_database_url("postgresql", folder)
    spec = DemoSpec(scale=0.02)
    made = demo.build(folder, builtin(), spec, say=lambda _text: None, url=url)
    granted = run(url, "db", "grant-readonly", ROLE, "--create", password=PASSWORD)
    assert granted.exit_code == 0, granted.output
    assert PASSWORD not in granted.output
    yield made
    owner = engines.connect(url)
    with owner.begin() as connection:
        connection.execute(text(f"DROP OWNED BY {ROLE}"))
        connection.execute(text(f"DROP ROLE {ROLE}"))
    owner.dispose()


@pytest.fixture(scope="module")
def reader(built: demo.Demo) -> Iterator[Engine]:
    """A plain connection as the website's role, without the website's read-only transactions:
    whatever stops it writing is the role's rights alone."""
    engine = engines.connect(as_role(built.url))
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "name", ["Web", "upheld-web", "web; DROP TABLE cases", '"web"', "1web", "pg_web", "public", ""]
)
def test_a_name_that_needs_quoting_or_is_reserved_is_refused(name: str) -> None:
    with pytest.raises(UsageError, match="upheld_web"):
        roles.checked_name(name)


def test_on_sqlite_there_is_nothing_to_grant(tmp_path: Path) -> None:
    result = run(f"sqlite:///{tmp_path / 'upheld.db'}", "db", "grant-readonly", "upheld_web")
    assert result.exit_code == 1
    assert "opened read-only by the website already; nothing to grant" in result.output
    assert not (tmp_path / "upheld.db").exists()


@on_postgresql
def test_the_role_may_read_every_table_and_nothing_more(built: demo.Demo, reader: Engine) -> None:
    with reader.connect() as connection:
        where = roles.place(connection, ROLE)
        assert roles.write_rights(connection, where) == []
        unreadable = connection.execute(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' "
                "AND NOT has_table_privilege(:role, c.oid, 'SELECT')"
            ),
            {"role": ROLE},
        ).all()
        assert unreadable == []
        assert connection.execute(text("SELECT count(*) FROM cases")).scalar()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO imports (kind, file, sha256, rows, inserted, updated, unchanged, "
        "imported_at, version) VALUES ('cases', 'x', 'x', 0, 0, 0, 0, now(), 'x')",
        "UPDATE cases SET summary = 'changed'",
        "DELETE FROM search_state",
        "TRUNCATE letters",
        "CREATE TABLE mine (x integer)",
        "ALTER TABLE cases ADD COLUMN mine integer",
        "DROP TABLE deliveries",
    ],
)
@on_postgresql
def test_the_role_cannot_write(reader: Engine, statement: str) -> None:
    with reader.connect() as connection, pytest.raises(ProgrammingError) as refused:
        connection.execute(text(statement))
    assert getattr(refused.value.orig, "sqlstate", None) == "42501"  # insufficient privilege
    assert re.search(r"permission denied|must be owner", str(refused.value))


@on_postgresql
def test_a_command_that_writes_as_the_role_is_refused_in_a_line(
    built: demo.Demo, tmp_path: Path
) -> None:
    header = ["reference", "authority", "received", "category"]
    cases = write_csv(tmp_path / "cases.csv", header, [["RO-1", BURY, "2024-05-01", "Housing"]])
    result = run(as_role(built.url), "import", "cases", str(cases))
    assert result.exit_code == 1
    assert "permission denied" in result.output
    assert PASSWORD not in result.output
    assert "Traceback" not in result.output


@on_postgresql
def test_the_whole_website_answers_as_the_role(built: demo.Demo) -> None:
    site = site_for(as_role(built.url), built.config)
    with TestClient(create_app(site), raise_server_exceptions=True) as client:
        downloads = client.get("/downloads").text
        files = sorted(set(re.findall(r'href="(/downloads/[^"?#]+)"', downloads)))
        assert any(f.endswith(".xlsx") for f in files)
        decision = client.get("/api/v1/decisions?per_page=1").json()["items"][0]["reference"]
        pages = [
            "/",
            "/index.json",
            "/index.csv",
            "/councils",
            "/councils.csv",
            f"/councils/{BURY}",
            f"/councils/{BURY}/2024-25",
            f"/councils/{BURY}/2024-25.json",
            f"/councils/{BURY}/2024-25/letter.pdf",
            f"/councils/{BURY}/2024-25/letter.html",
            f"/councils/{BURY}/feed.atom",
            "/methodology",
            f"/compare?council={BURY}&council=E08000001",
            "/national/2024-25",
            "/improvements",
            "/reports.csv",
            "/revisions",
            "/revisions.atom",
            "/feeds",
            "/feeds/all.atom",
            "/decisions?q=housing",
            "/decisions.json?q=care&sort=newest",
            "/decisions.csv",
            f"/decisions/{decision}",
            "/api",
            "/api/v1/years",
            "/api/v1/openapi.json",
            "/api/v1/years/2024-25/statistics",
            *files,
        ]
        for page in pages:
            assert client.get(page).status_code == 200, page


@on_postgresql
def test_the_server_runs_as_the_role(built: demo.Demo) -> None:
    options = ["--db", as_role(built.url), "--config", str(built.config)]
    with upheld_serving(options, ["--workers", "2"]) as base:
        for page in ["/", f"/councils/{BURY}/2024-25", "/decisions?q=housing", "/api/v1/years"]:
            with urllib.request.urlopen(base + page, timeout=30) as answer:
                assert answer.status == 200


@on_postgresql
def test_a_table_the_owner_creates_later_is_readable(built: demo.Demo, reader: Engine) -> None:
    owner = engines.connect(built.url)
    try:
        with owner.begin() as connection:
            # As a migration of a later upheld would, run by `upheld init` as the owner.
            connection.execute(text("CREATE TABLE later_things (id integer PRIMARY KEY)"))
            connection.execute(text("INSERT INTO later_things VALUES (1)"))
        with reader.connect() as connection:
            assert connection.execute(text("SELECT id FROM later_things")).all() == [(1,)]
            with pytest.raises(ProgrammingError):
                connection.execute(text("INSERT INTO later_things VALUES (2)"))
    finally:
        with owner.begin() as connection:
            connection.execute(text("DROP TABLE later_things"))
        owner.dispose()


@on_postgresql
def test_the_search_index_rebuilt_after_the_grant_is_readable(
    built: demo.Demo, reader: Engine
) -> None:
    tables = "SELECT 'search_decisions'::regclass::oid, 'decision_search'::regclass::oid"
    with reader.connect() as connection:
        before = connection.execute(text(tables)).one()
    # The rebuild makes both tables afresh and drops the old ones.
    rebuilt = run(built.url, "index")
    assert rebuilt.exit_code == 0, rebuilt.output
    with reader.connect() as connection:
        assert connection.execute(text(tables)).one() != before
        assert connection.execute(text("SELECT count(*) FROM decision_search")).scalar()
        where = roles.place(connection, ROLE)
        assert roles.write_rights(connection, where) == []
        assert roles.missing_rights(connection, where) == []
    site = site_for(as_role(built.url), built.config)
    with TestClient(create_app(site), raise_server_exceptions=True) as client:
        found = client.get("/decisions.json?q=housing").json()
    assert found["total"] > 0


@on_postgresql
def test_granting_again_changes_nothing_and_the_sql_can_be_printed(built: demo.Demo) -> None:
    again = run(built.url, "db", "grant-readonly", ROLE, "--create")
    assert again.exit_code == 0, again.output  # an existing role needs no password
    assert "Created" not in again.output
    assert "nothing more was granted" in again.output
    shown = run(built.url, "db", "grant-readonly", ROLE, "--sql", "--create")
    assert shown.exit_code == 0
    assert "CREATE ROLE" not in shown.output  # it exists
    assert f'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "{ROLE}";' in shown.output
    assert "ALTER DEFAULT PRIVILEGES FOR ROLE" in shown.output
    for right in ["INSERT", "UPDATE", "DELETE", "TRUNCATE", "CREATE ON", "ALL PRIVILEGES"]:
        assert right not in shown.output
    new = run(built.url, "db", "grant-readonly", "upheld_test_nobody", "--sql", "--create")
    assert 'CREATE ROLE "upheld_test_nobody" LOGIN;' in new.output
    assert "PASSWORD" not in new.output
    assert "\\password upheld_test_nobody" in new.output


@on_postgresql
def test_refusals_change_nothing(built: demo.Demo) -> None:
    missing = run(built.url, "db", "grant-readonly", "upheld_test_nobody")
    assert missing.exit_code == 1
    assert "there is no role upheld_test_nobody" in missing.output
    owner = make_url(built.url).username
    assert owner is not None
    itself = run(built.url, "db", "grant-readonly", owner)
    assert itself.exit_code == 1
    assert "superuser" in itself.output or "owns upheld's tables" in itself.output
    asked = CliRunner().invoke(
        cli, ["--db", built.url, "db", "grant-readonly", "upheld_test_nobody", "--create"], env={}
    )
    assert asked.exit_code == 2
    assert "UPHELD_READONLY_PASSWORD" in asked.output


@on_postgresql
def test_a_right_to_write_given_before_is_reported(built: demo.Demo) -> None:
    owner = engines.connect(built.url)
    try:
        with owner.begin() as connection:
            connection.execute(text(f"GRANT INSERT ON cases TO {ROLE}"))
        result = run(built.url, "db", "grant-readonly", ROLE)
        assert result.exit_code == 1
        assert "INSERT on cases" in result.output
    finally:
        with owner.begin() as connection:
            connection.execute(text(f"REVOKE INSERT ON cases FROM {ROLE}"))
        owner.dispose()
    assert run(built.url, "db", "grant-readonly", ROLE).exit_code == 0


@on_postgresql
def test_a_writer_is_refused_the_sql_too_and_so_is_a_member_of_the_owner(
    built: demo.Demo,
) -> None:
    owner = make_url(built.url).username
    assert owner is not None
    itself = run(built.url, "db", "grant-readonly", owner, "--sql")
    assert itself.exit_code == 1
    assert "GRANT" not in itself.output
    member = "upheld_test_member"
    engine = engines.connect(built.url)
    granted = "SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = :role"
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE ROLE {member} LOGIN"))
            connection.execute(text(f'GRANT "{owner}" TO {member}'))
        for extra in ([], ["--sql"]):
            result = run(built.url, "db", "grant-readonly", member, *extra)
            assert result.exit_code == 1, result.output
            assert f"is a member of {owner}, which owns upheld's tables" in result.output
            assert "GRANT" not in result.output
        with engine.connect() as connection:
            assert connection.execute(text(granted), {"role": member}).scalar() == 0
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {member}"))
            connection.execute(text(f"DROP ROLE {member}"))
        engine.dispose()
