"""The schema: migrations build exactly the declared tables, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select

from upheld.errors import UpheldError, UsageError
from upheld.store import db


def test_migrations_match_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": db.include_name}
        )
        assert compare_metadata(context, db.metadata) == []
        assert db.current_revision(connection) == db.head_revision()


def test_upgrade_is_safe_to_repeat(engine: Engine) -> None:
    assert db.upgrade(engine) == db.head_revision()
    db.require_schema(engine)


def test_an_empty_database_is_refused_with_advice(tmp_path: Path) -> None:
    engine = db.connect(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(UpheldError, match="run `upheld init` first"):
        db.require_schema(engine)


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
    assert db.database_url(given) == expected


def test_default_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UPHELD_DB", raising=False)
    assert db.database_url() == "sqlite:///upheld.db"
    monkeypatch.setenv("UPHELD_DB", "other.db")
    assert db.database_url() == "sqlite:///other.db"
    assert db.database_url("given.db") == "sqlite:///given.db"


def test_unsupported_database() -> None:
    with pytest.raises(UsageError, match="unsupported database 'mysql'"):
        db.connect("mysql://u@h/d")


def test_read_only_sqlite_cannot_write(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ro.db'}"
    db.upgrade(db.connect(url))
    reader = db.connect(url, read_only=True)
    with reader.connect() as connection:
        assert connection.execute(select(db.cases)).all() == []
    with pytest.raises(Exception, match="readonly"), reader.begin() as connection:
        connection.execute(db.contacts.insert().values(authority="X", role="leader", name="N"))
