"""The schema: migrations build exactly the declared tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select, text

from upheld.errors import UpheldError, UsageError
from upheld.store import engines, schema


def test_migrations_match_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": schema.include_name}
        )
        assert compare_metadata(context, schema.metadata) == []
        assert schema.current_revision(connection) == schema.head_revision()


def test_upgrade_is_safe_to_repeat(engine: Engine) -> None:
    assert schema.upgrade(engine) == schema.head_revision()
    schema.require_schema(engine)


def test_the_head_revision_is_the_one_alembic_finds() -> None:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(schema.MIGRATIONS)).get_current_head()
    assert head is not None
    assert schema.head_revision() == head


def test_an_empty_database_is_refused_with_advice(tmp_path: Path) -> None:
    engine = engines.connect(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(UpheldError, match="run `upheld init` first"):
        schema.require_schema(engine)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("review.db", "sqlite:///review.db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
        ("postgresql://u@h/d", "postgresql+psycopg://u@h/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
    ],
)
def test_database_urls(given: str, expected: str) -> None:
    assert engines.database_url(given) == expected


def test_default_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPHELD_DB", raising=False)
    assert engines.database_url() == "sqlite:///upheld.db"
    monkeypatch.setenv("UPHELD_DB", "other.db")
    assert engines.database_url() == "sqlite:///other.db"
    assert engines.database_url("given.db") == "sqlite:///given.db"


def test_unsupported_database() -> None:
    with pytest.raises(UsageError, match="unsupported database 'mysql'"):
        engines.connect("mysql://u@h/d")


def test_read_only_sqlite_cannot_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ro.db'}"
    schema.upgrade(engines.connect(url))
    reader = engines.connect(url, read_only=True)
    with reader.connect() as connection:
        assert connection.execute(select(schema.cases)).all() == []
    with pytest.raises(Exception, match="readonly"), reader.begin() as connection:
        connection.execute(schema.contacts.insert().values(authority="X", role="leader", name="N"))


def test_upgrading_gives_each_stored_case_its_reference_key(database_url: str) -> None:
    from alembic import command

    engine = engines.connect(database_url)
    with engine.begin() as connection:
        command.upgrade(schema._alembic_config(connection), "0007")
        for number, reference in enumerate(["24 001 234", "LG/2023-0042", "Straße 1"]):
            connection.execute(
                text(
                    "INSERT INTO cases (reference, authority, received, received_year, category, "
                    "decided, decided_year, outcome, satisfactory_remedy, summary, publish) VALUES "
                    "(:reference, 'E08000002', '2024-05-01', 2024, 'Housing', '2024-06-01', 2024, "
                    "'upheld', false, 'Put right.', true)"
                ),
                {"reference": reference},
            )
            connection.execute(
                text(
                    "INSERT INTO search_decisions (id, reference, decided, decided_year, "
                    "authority, category, satisfactory_remedy, summary) VALUES (:id, :reference, "
                    "'2024-06-01', 2024, 'E08000002', 'Housing', false, 'Put right.')"
                ),
                {"id": number + 1, "reference": reference},
            )
    schema.upgrade(engine)
    with engine.connect() as connection:
        cases = dict(
            connection.execute(select(schema.cases.c.reference, schema.cases.c.reference_key)).all()
        )
        indexed = dict(
            connection.execute(
                select(schema.search_decisions.c.reference, schema.search_decisions.c.reference_key)
            ).all()
        )
    expected = {"24 001 234": "24001234", "LG/2023-0042": "lg20230042", "Straße 1": "strasse1"}
    assert cases == indexed == expected
    engine.dispose()
