"""Importing the ombudsman's files: stream, validate, stage, check, then merge all or nothing."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from upheld import __version__, db
from upheld.errors import MAX_REPORTED_PROBLEMS, InputError, Problem
from upheld.fields import is_blank
from upheld.kinds import INVALID, AuthorityNames, Kind
from upheld.read import Sheet, column_key, open_sheet
from upheld.register import Register
from upheld.vocabulary import OUTCOMES

BATCH_ROWS = 5000
BULK_ROWS = 50_000
"""Above this many staged rows (and more than stored), indexes are rebuilt after the load."""

Progress = Callable[[str, int, int], None]
"""Called with (file name, amount done, total) while a file is read."""


@dataclass
class FileResult:
    """What importing one file did (or, on a dry run, would do)."""

    file: str
    sha256: str
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    """What an import command did, file by file."""

    kind: str
    dry_run: bool
    files: list[FileResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Data rows read across all files."""
        return sum(f.rows for f in self.files)

    def total(self, what: str) -> int:
        """Inserted, updated or unchanged rows across all files."""
        return sum(int(getattr(f, what)) for f in self.files)


class _Problems:
    """Collects problems in order, keeping the first few and counting the rest."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.count = 0

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.kept) < MAX_REPORTED_PROBLEMS * 4:
            self.kept.append(problem)

    def raise_if_any(self) -> None:
        if self.count:
            ordered = sorted(self.kept, key=lambda p: (p.file, p.line or 0))
            raise InputError(ordered[:MAX_REPORTED_PROBLEMS], self.count)


def import_files(
    engine: Engine,
    kind: Kind,
    paths: Sequence[Path],
    register: Register,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Import files of one kind in one transaction: every file whole, or nothing at all."""
    result = ImportResult(kind.name, dry_run)
    problems = _Problems()
    names = AuthorityNames(register)
    with engine.connect() as connection, _paused_garbage_collection():
        transaction = connection.begin()
        try:
            for path in paths:
                # Each file in its own savepoint: a file that fails part-way (a bad byte in the
                # middle of a COPY, say) is undone alone, and the others are still checked.
                savepoint = connection.begin_nested()
                before = problems.count
                outcome = _import_one(connection, kind, path, names, problems, result, progress)
                if problems.count == before and outcome is not None:
                    savepoint.commit()
                    result.files.append(outcome)
                else:
                    savepoint.rollback()
            problems.raise_if_any()
            if dry_run:
                transaction.rollback()
            else:
                transaction.commit()
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
    return result


@contextmanager
def _paused_garbage_collection() -> Iterator[None]:
    # Millions of short-lived row tuples trigger the cyclic collector over and over, for nothing:
    # rows hold no reference cycles.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import_one(
    connection: Connection,
    kind: Kind,
    path: Path,
    names: AuthorityNames,
    problems: _Problems,
    result: ImportResult,
    progress: Progress | None,
) -> FileResult | None:
    try:
        sheet = open_sheet(path, kind.required, _known_columns(kind))
    except InputError as exc:
        for problem in exc.problems:
            problems.add(problem)
        return None
    result.warnings.extend(sheet.warnings)
    outcome = FileResult(str(path), _sha256(path))
    target = db.metadata.tables[kind.table]
    stage = _stage_table(kind, target)
    stage.create(connection)
    before = problems.count
    try:
        with _StageWriter(connection, stage) as writer:
            for line, values in _valid_rows(kind, sheet, names, problems, progress):
                outcome.rows += 1
                writer.add(line, values)
    except InputError as exc:
        for problem in exc.problems:
            problems.add(problem)
        return None
    if outcome.rows == 0 and problems.count == before:
        problems.add(Problem(str(path), None, None, "the file has a header but no data rows"))
        return None
    _check_staged(connection, kind, stage, str(path), names.register, problems)
    if problems.count > before:
        return None
    _fill_defaults(connection, kind, stage)
    outcome.inserted, outcome.updated, outcome.unchanged = _count_changes(
        connection, kind, stage, target
    )
    _merge(connection, kind, stage, target, outcome.rows)
    stage.drop(connection)
    connection.execute(
        db.imports.insert().values(
            kind=kind.name,
            file=path.name,
            sha256=outcome.sha256,
            rows=outcome.rows,
            inserted=outcome.inserted,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            imported_at=datetime.now(UTC),
            version=__version__,
        )
    )
    return outcome


def _known_columns(kind: Kind) -> list[str]:
    return [name for c in kind.columns for name in (c.name, *c.accepts)]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _stage_table(kind: Kind, target: Table) -> Table:
    columns = [Column("line", Integer, nullable=False)]
    columns += [Column(name, target.c[name].type) for name in kind.stored]
    return Table(f"upheld_stage_{kind.name}", MetaData(), *columns, prefixes=["TEMPORARY"])


def _valid_rows(
    kind: Kind,
    sheet: Sheet,
    names: AuthorityNames,
    problems: _Problems,
    progress: Progress | None,
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """Each row that passes every per-row rule, as (line, stored values); problems collected."""
    file = str(sheet.path)
    plan = []
    for column in kind.columns:
        position = None
        for spelling in (column.name, *column.accepts):
            position = sheet.index_of(column_key(spelling))
            if position is not None:
                break
        plan.append((column, position))
    stored = kind.stored
    finish = kind.finish
    report_every = 20_000
    count = 0
    for line, cells in sheet.rows:
        row: dict[str, Any] = {}
        bad = False
        width = len(cells)
        for column, position in plan:
            value = cells[position] if position is not None and position < width else None
            if value is None or value == "" or (type(value) is str and is_blank(value)):
                if column.required:
                    problems.add(Problem(file, line, column.name, "is required"))
                    bad = True
                    row[column.name] = INVALID
                else:
                    row[column.name] = column.default
                continue
            try:
                row[column.name] = column.parse(value)
            except ValueError as exc:
                problems.add(Problem(file, line, column.name, str(exc)))
                bad = True
                row[column.name] = INVALID
        if finish is not None:
            found = finish(row, names)
            for column_name, message in found:
                problems.add(Problem(file, line, column_name, message))
            bad = bad or bool(found)
        if bad:
            continue
        yield line, tuple(row[name] for name in stored)
        count += 1
        if progress is not None and count % report_every == 0:
            progress(file, *sheet.position())
    if progress is not None:
        done, total = sheet.position()
        progress(file, total or done, total or done)


class _StageWriter:
    """Writes staged rows in bulk: COPY on PostgreSQL, batched executemany on SQLite."""

    def __init__(self, connection: Connection, stage: Table) -> None:
        self.connection = connection
        self.stage = stage
        self.names = [c.name for c in stage.columns]
        self.batch: list[tuple[Any, ...]] = []
        self.postgres = connection.dialect.name == "postgresql"
        self._copy: Any = None
        self._copy_context: Any = None

    def __enter__(self) -> _StageWriter:
        raw = self.connection.connection.driver_connection
        assert raw is not None
        self.cursor = raw.cursor()
        if self.postgres:
            columns = ", ".join(self.names)
            self._copy_context = self.cursor.copy(f"COPY {self.stage.name} ({columns}) FROM STDIN")
            self._copy = self._copy_context.__enter__()
        else:
            marks = ", ".join("?" for _ in self.names)
            columns = ", ".join(self.names)
            self.sql = f"INSERT INTO {self.stage.name} ({columns}) VALUES ({marks})"
        return self

    def add(self, line: int, values: tuple[Any, ...]) -> None:
        if self._copy is not None:
            self._copy.write_row((line, *values))
            return
        self.batch.append((line, *(v.isoformat() if isinstance(v, date) else v for v in values)))
        if len(self.batch) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            self.cursor.executemany(self.sql, self.batch)
            self.batch.clear()

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        if self._copy_context is not None:
            self._copy_context.__exit__(kind, error, trace)
        elif error is None:
            self.flush()
        self.cursor.close()


def _key_match(kind: Kind, left: Table, right: Table) -> Any:
    return and_(*(left.c[k] == right.c[k] for k in kind.key))


def _check_staged(
    connection: Connection,
    kind: Kind,
    stage: Table,
    file: str,
    register: Register,
    problems: _Problems,
) -> None:
    """The rules that look across rows: no key twice in a file; referenced cases exist."""
    limit = MAX_REPORTED_PROBLEMS + 1
    keys = [stage.c[k] for k in kind.key]
    first = (
        select(*keys, func.min(stage.c.line).label("first"))
        .group_by(*keys)
        .having(func.count() > 1)
        .subquery()
    )
    repeated = (
        select(stage.c.line, first.c.first, *keys)
        .join(first, and_(*(stage.c[k] == first.c[k] for k in kind.key)))
        .where(stage.c.line > first.c.first)
        .order_by(stage.c.line)
        .limit(limit)
    )
    for line, first_line, *values in connection.execute(repeated):
        if len(kind.key) == 1:
            message = f"{kind.key[0]} {values[0]} is already on line {first_line}"
        else:
            names = ", ".join(kind.key[:-1]) + f" and {kind.key[-1]}"
            message = f"the same {names} as line {first_line}"
        problems.add(Problem(file, line, kind.key[0], message))
    if kind.references_cases:
        _check_references(connection, kind, stage, file, problems, limit)
    if kind.name == "cases":
        _check_compliance_kept(connection, stage, file, problems, limit)
    if kind.name == "authorities":
        _check_codes(connection, stage, file, register, problems)


def _check_references(
    connection: Connection, kind: Kind, stage: Table, file: str, problems: _Problems, limit: int
) -> None:
    cases = db.cases
    missing = (
        select(stage.c.line, stage.c.reference)
        .where(~exists().where(cases.c.reference == stage.c.reference))
        .order_by(stage.c.line)
        .limit(limit)
    )
    for line, reference in connection.execute(missing):
        problems.add(
            Problem(file, line, "reference", f"no case {reference!r}; import its case first")
        )
    if kind.name != "compliance":
        return
    not_upheld = (
        select(stage.c.line, stage.c.reference, cases.c.outcome)
        .join(cases, cases.c.reference == stage.c.reference)
        .where(or_(cases.c.outcome.is_(None), cases.c.outcome != "upheld"))
        .order_by(stage.c.line)
        .limit(limit)
    )
    for line, reference, outcome in connection.execute(not_upheld):
        status = f"was {OUTCOMES.label(outcome).lower()}" if outcome else "is not yet decided"
        problems.add(
            Problem(
                file,
                line,
                "reference",
                f"case {reference!r} {status}; compliance is only recorded for upheld cases",
            )
        )


def _check_compliance_kept(
    connection: Connection, stage: Table, file: str, problems: _Problems, limit: int
) -> None:
    """A case re-imported as not upheld would orphan its recorded compliance outcome."""
    compliance = db.compliance
    orphaned = (
        select(stage.c.line, stage.c.reference)
        .join(compliance, compliance.c.reference == stage.c.reference)
        .where(or_(stage.c.outcome.is_(None), stage.c.outcome != "upheld"))
        .order_by(stage.c.line)
        .limit(limit)
    )
    for line, reference in connection.execute(orphaned):
        problems.add(
            Problem(
                file,
                line,
                "outcome",
                f"case {reference!r} has a compliance outcome recorded, so it must stay upheld",
            )
        )


def _check_codes(
    connection: Connection, stage: Table, file: str, register: Register, problems: _Problems
) -> None:
    rows = connection.execute(
        select(stage.c.line, stage.c.code, stage.c.successors, stage.c.parent)
    ).all()
    known = {c.code for c in register} | {code for _line, code, _s, _p in rows}
    for line, _code, successors, parent in rows:
        for successor in (successors or "").split(";"):
            if successor and successor not in known:
                problems.add(
                    Problem(file, line, "successor", f"no council with code {successor!r}")
                )
        if parent and parent not in known:
            problems.add(Problem(file, line, "parent", f"no council with code {parent!r}"))


def _fill_defaults(connection: Connection, kind: Kind, stage: Table) -> None:
    if kind.name == "improvements":
        case_category = (
            select(db.cases.c.category)
            .where(db.cases.c.reference == stage.c.reference)
            .scalar_subquery()
        )
        connection.execute(
            update(stage).where(stage.c.category.is_(None)).values(category=case_category)
        )


def _count_changes(
    connection: Connection, kind: Kind, stage: Table, target: Table
) -> tuple[int, int, int]:
    """How many staged rows are new, changed, or the same as what is stored."""
    others = [name for name in kind.stored if name not in kind.key]
    same = and_(true(), *(target.c[n].is_not_distinct_from(stage.c[n]) for n in others))
    joined = stage.outerjoin(target, _key_match(kind, stage, target))
    present = target.c[kind.key[0]].is_not(None)
    query = select(
        func.count(),
        func.coalesce(func.sum(case((present, 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(present, same), 1), else_=0)), 0),
    ).select_from(joined)
    total, existing, unchanged = connection.execute(query).one()
    inserted = int(total) - int(existing)
    return inserted, int(existing) - int(unchanged), int(unchanged)


def _merge(connection: Connection, kind: Kind, stage: Table, target: Table, rows: int) -> None:
    """Insert new rows and update changed ones; rows that are the same are not rewritten."""
    stored = list(kind.stored)
    others = [n for n in stored if n not in kind.key]
    construct: Any = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = construct(target).from_select(
        stored, select(*(stage.c[n] for n in stored)).where(literal(True))
    )
    if others:
        changed = or_(*(target.c[n].is_distinct_from(statement.excluded[n]) for n in others))
        statement = statement.on_conflict_do_update(
            index_elements=list(kind.key),
            set_={n: statement.excluded[n] for n in others},
            where=changed,
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(kind.key))
    with _indexes_rebuilt_after(connection, target, rows):
        connection.execute(statement)


@contextmanager
def _indexes_rebuilt_after(connection: Connection, target: Table, rows: int) -> Iterator[None]:
    # Maintaining secondary indexes row by row during a large load costs far more than building
    # them once at the end; the drop and create are inside the import's transaction.
    stored = connection.execute(select(func.count()).select_from(target)).scalar_one()
    indexes = list(target.indexes) if rows > BULK_ROWS and rows > stored else []
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
