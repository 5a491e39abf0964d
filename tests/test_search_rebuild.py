"""PostgreSQL's whole rebuild of the search index, made beside the one in use and swapped in:
the same tables, names and rights as before, the same words, and searches that keep working
while it runs and are never the ones to fail when they meet it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, text

from tests.conftest import POSTGRES_URL, fresh_database_url
from tests.test_search import case, load
from upheld.errors import UpheldError
from upheld.register import Register
from upheld.search import refresh_index, tidy_index
from upheld.store import engines, replacement, schema

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not POSTGRES_URL, reason="set UPHELD_TEST_POSTGRES to a PostgreSQL URL to run"
    ),
]

TABLES = ("search_decisions", "decision_search")

ROWS = [
    case(f"R-{n:03}", decided=f"2024-0{1 + n % 9}-1{n % 10}", summary=f"A roof leak, number {n}.")
    for n in range(40)
] + [case("R-900", subcategory="", summary="Parking fines were wrongly issued.")]


@pytest.fixture
def engine(tmp_path: Path, register: Register) -> Iterator[Engine]:
    """A PostgreSQL database with cases imported and the search index built."""
    url = fresh_database_url("postgresql", tmp_path)
    schema.upgrade(engines.connect(url))
    made = engines.connect(url)
    load(made, register, tmp_path, ROWS)
    yield made
    made.dispose()


def catalogue(connection: Connection) -> dict[str, Any]:
    """What PostgreSQL says about the index's tables, other than where each is stored."""
    described: dict[str, Any] = {}
    for table in TABLES:
        described[table] = connection.execute(
            text(
                "SELECT c.relowner::regrole::text, c.reloptions, "
                "obj_description(c.oid, 'pg_class'), "
                "(SELECT array_agg(pg_get_indexdef(i.indexrelid) ORDER BY 1) FROM pg_index i "
                "WHERE i.indrelid = c.oid), "
                "(SELECT array_agg(conname || ' ' || pg_get_constraintdef(k.oid) ORDER BY 1) "
                "FROM pg_constraint k WHERE k.conrelid = c.oid), "
                "(SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) "
                "|| ' ' || a.attnotnull ORDER BY a.attnum) FROM pg_attribute a "
                "WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), "
                # The rights in force: no list at all means the owner's defaults.
                "(SELECT array_agg(x::text ORDER BY x::text) "
                "FROM aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) x) "
                "FROM pg_class c WHERE c.oid = CAST(:table AS regclass)"
            ),
            {"table": table},
        ).one()
    return described


def oids(connection: Connection) -> list[int]:
    return [
        connection.execute(text("SELECT CAST(:t AS regclass)::oid"), {"t": t}).scalar_one()
        for t in TABLES
    ]


def test_a_rebuild_makes_new_tables_exactly_like_the_old(engine: Engine) -> None:
    with engine.begin() as connection:
        before, old = catalogue(connection), oids(connection)
        refresh_index(connection)
    tidy_index(engine)
    with engine.connect() as connection:
        assert oids(connection) != old  # swapped, not refilled
        assert catalogue(connection) == before
        stray = connection.execute(
            text("SELECT relname FROM pg_class WHERE relname LIKE '%rebuilt%'")
        ).all()
        assert stray == []
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": schema.include_name}
        )
        assert compare_metadata(context, schema.metadata) == []


def test_the_words_are_those_an_index_kept_up_to_date_holds(engine: Engine) -> None:
    with engine.connect() as connection:
        # The expression update_index writes each decision's words with.
        different = connection.execute(
            text(
                "SELECT count(*) FROM search_decisions s JOIN decision_search d USING (id) "
                "WHERE d.document IS DISTINCT FROM setweight(to_tsvector('english', s.summary), "
                "'A') || setweight(to_tsvector('english', coalesce(s.subcategory, '')), 'B')"
            )
        ).scalar_one()
        counts = connection.execute(
            text("SELECT (SELECT count(*) FROM search_decisions), count(*) FROM decision_search")
        ).one()
        parking = connection.execute(
            text(
                "SELECT s.reference FROM decision_search d JOIN search_decisions s USING (id) "
                "WHERE d.document @@ plainto_tsquery('english', 'parking')"
            )
        ).all()
    assert different == 0
    assert tuple(counts) == (len(ROWS), len(ROWS))
    assert parking == [("R-900",)]


def test_the_rights_others_hold_are_kept_exactly(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("GRANT SELECT ON search_decisions TO PUBLIC"))
        # New tables would otherwise get this, which the old ones do not have.
        connection.execute(
            text("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT UPDATE ON TABLES TO PUBLIC")
        )
    try:
        with engine.begin() as connection:
            before = catalogue(connection)
            refresh_index(connection)
            assert catalogue(connection) == before
            public_rights = connection.execute(
                text(
                    "SELECT has_table_privilege('public', 'search_decisions', 'SELECT'), "
                    "has_table_privilege('public', 'search_decisions', 'UPDATE'), "
                    "has_table_privilege('public', 'decision_search', 'SELECT')"
                )
            ).one()
            assert tuple(public_rights) == (True, False, False)
    finally:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE UPDATE ON TABLES FROM PUBLIC"
                )
            )


class Rebuild(threading.Thread):
    """The index rebuilt on a connection of its own, as `upheld index` does."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(daemon=True)
        self.engine = engine
        self.error: BaseException | None = None
        self.finished_at = 0.0

    def run(self) -> None:
        try:
            with engines.writing(self.engine) as connection:
                refresh_index(connection)
        except BaseException as exc:  # handed to the test
            self.error = exc
        self.finished_at = time.monotonic()


def waiting_for(connection: Connection, table: str) -> bool:
    """Whether some other connection waits for a lock on the table."""
    return bool(
        connection.execute(
            text(
                "SELECT EXISTS (SELECT FROM pg_locks WHERE NOT granted "
                "AND relation = CAST(:table AS regclass) AND pid <> pg_backend_pid())"
            ),
            {"table": table},
        ).scalar()
    )


def until(condition: Any, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.005)


def test_a_search_reads_the_old_index_until_the_swap(engine: Engine) -> None:
    with engine.connect() as reader, engine.connect() as watcher:
        old = reader.execute(text("SELECT count(*) FROM search_decisions")).scalar_one()
        rebuild = Rebuild(engine)
        rebuild.start()
        until(lambda: waiting_for(watcher, "search_decisions"))
        # Still searching the index it began with, words and all.
        found = reader.execute(
            text("SELECT count(*) FROM decision_search WHERE document @@ to_tsquery('roof')")
        ).scalar_one()
        assert (old, found) == (len(ROWS), len(ROWS) - 1)
        time.sleep(0.3)
        assert rebuild.is_alive()  # for as long as the search's transaction lasts
        released = time.monotonic()
        reader.commit()
        rebuild.join(30)
    assert rebuild.error is None
    assert rebuild.finished_at >= released


def test_a_search_that_meets_the_swap_halfway_does_not_fail(engine: Engine) -> None:
    # The search holds the words and then wants the decisions, which the swap holds while it
    # waits for the words: a deadlock, which the swap must be the one to give way in.
    for _ in range(3):
        with engine.connect() as reader, engine.connect() as watcher:
            reader.execute(text("SELECT count(*) FROM decision_search")).scalar_one()
            rebuild = Rebuild(engine)
            rebuild.start()
            until(lambda: waiting_for(watcher, "decision_search"))
            decided = reader.execute(text("SELECT count(*) FROM search_decisions")).scalar_one()
            reader.commit()
            rebuild.join(30)
        assert rebuild.error is None
        assert decided == len(ROWS)


def test_a_swap_that_cannot_have_the_tables_gives_up_and_undoes_the_rebuild(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replacement, "ATTEMPTS", 3)
    with engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM search_decisions")).scalar_one()
        with engine.connect() as connection, connection.begin():
            old = oids(connection)
            with pytest.raises(UpheldError, match="stayed in use by other connections"):
                refresh_index(connection)
            # Not left aborted: the transaction still answers, and is then undone.
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
            connection.rollback()
        reader.commit()
    with engine.connect() as connection:
        assert oids(connection) == old
        assert connection.execute(text("SELECT count(*) FROM decision_search")).scalar_one() == len(
            ROWS
        )


def test_a_table_something_else_depends_on_is_not_dropped(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("CREATE VIEW mine AS SELECT id FROM search_decisions"))
    with engine.connect() as connection, connection.begin():
        with pytest.raises(UpheldError, match="view mine depends on it"):
            refresh_index(connection)
        connection.rollback()


def test_a_role_that_does_not_own_the_tables_is_told_which_does(engine: Engine) -> None:
    writer = "upheld_test_index_writer"
    with engine.begin() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {writer}"))
        connection.execute(text(f"CREATE ROLE {writer}"))
        connection.execute(text(f"GRANT USAGE, CREATE ON SCHEMA public TO {writer}"))
        connection.execute(text(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {writer}"))
    try:
        with engine.connect() as connection, connection.begin():
            connection.execute(text(f"SET LOCAL ROLE {writer}"))
            with pytest.raises(UpheldError, match="belongs to the role postgres"):
                refresh_index(connection)
            connection.rollback()
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP OWNED BY {writer}"))
            connection.execute(text(f"DROP ROLE {writer}"))


@pytest.mark.parametrize("held", TABLES)
def test_a_table_held_longer_is_waited_for_one_at_a_time(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, held: str
) -> None:
    # As after the brief attempts: waiting past deadlock_timeout for one table, not for the other.
    monkeypatch.setattr(replacement, "SHORT_ATTEMPTS", 0)
    with engine.connect() as reader, engine.connect() as watcher:
        reader.execute(text(f"SELECT count(*) FROM {held}")).scalar_one()
        rebuild = Rebuild(engine)
        rebuild.start()
        until(lambda: waiting_for(watcher, held))
        # A search of both meanwhile is not held up for long, and does not fail.
        assert reader.execute(text("SELECT count(*) FROM search_decisions")).scalar_one()
        assert reader.execute(text("SELECT count(*) FROM decision_search")).scalar_one()
        released = time.monotonic()
        reader.commit()
        rebuild.join(60)
    assert rebuild.error is None
    assert rebuild.finished_at >= released
