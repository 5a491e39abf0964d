"""Importing the ombudsman's files: stream, validate, stage, check, then merge all or nothing."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    and_,
    case,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    tuple_,
    update,
)

from upheld import __version__
from upheld.core.vocabulary import OUTCOMES
from upheld.errors import MAX_REPORTED_PROBLEMS, InputError, Problem
from upheld.ingest.cells import is_blank
from upheld.ingest.kinds import AuthorityNames, Kind
from upheld.ingest.kinds import Column as KindColumn
from upheld.ingest.read import Sheet, column_key, column_letters, open_sheet
from upheld.ingest.validator import compile_check
from upheld.register import Register
from upheld.store import engines, schema

PROGRESS_ROWS = 20_000
PEEK_ROWS = 2000
"""Rows read ahead to decide whether a file is a new load (all keys new) or an update."""
BULK_ROWS = 100_000
CHANGED_IN = "changed_in"
"""The column, in a table that has it, of the import that last inserted or changed the row: what
the search index reads to bring itself up to date."""

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

    def truncate(self, count: int) -> None:
        """Forget the problems found after the first `count` (a file about to be read again)."""
        self.count = count
        del self.kept[count:]

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
    on_wait: Callable[[], None] | None = None,
) -> ImportResult:
    """Import files of one kind in one transaction: every file whole, or nothing at all.

    The import is the database's one writer while it runs: another command writing waits for
    it, and it for them (`on_wait` is called if it has to), so that two imports of the same
    file one after the other find the second's rows already stored.
    """
    result = ImportResult(kind.name, dry_run)
    problems = _Problems()
    names = AuthorityNames(register)
    with engines.writing(engine, on_wait) as connection, _paused_garbage_collection():
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
            connection.rollback()
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
    """Import one file inside the caller's savepoint; None if it had problems."""
    before = problems.count
    try:
        sheet = open_sheet(path, kind.required, _known_columns(kind), problems.add)
        result.warnings.extend(sheet.warnings)
        outcome = FileResult(str(path), "")
        log = _start_log(connection, kind, path)
        shape = _shape(connection, kind, log)
        rows = _valid_rows(kind, sheet, names, problems, progress, shape)
        if kind.direct:
            first = list(itertools.islice(rows, PEEK_ROWS))
            if _all_new(connection, kind, first):
                loaded = _load_directly(connection, kind, sheet, itertools.chain(first, rows))
                if loaded is not None:
                    outcome.rows = outcome.inserted = loaded
                    return _finish(connection, log, sheet, outcome, problems, before)
                # A key was stored already or repeated in the file: stage it after all.
                problems.truncate(before)
                sheet = open_sheet(path, kind.required, _known_columns(kind), problems.add)
                rows = _valid_rows(kind, sheet, names, problems, progress, shape)
            else:
                rows = itertools.chain(first, rows)
        return _import_staged(connection, kind, sheet, rows, outcome, names, problems, before, log)
    except InputError as exc:
        for problem in exc.problems:
            problems.add(problem)
        return None


@dataclass(frozen=True)
class _Shape:
    """How checked rows come, ready to write as they are: (line, *stored values[, tag])."""

    dates_as_text: frozenset[str]
    """Date columns given as YYYY-MM-DD (SQLite's dates; PostgreSQL's COPY takes dates)."""
    tag: int | None
    """The import log entry, written with each row to a table that records it (CHANGED_IN)."""


def _shape(connection: Connection, kind: Kind, log: int) -> _Shape:
    target = schema.metadata.tables[kind.table]
    dates: frozenset[str] = frozenset()
    if connection.dialect.name != "postgresql":
        dates = frozenset(n for n in kind.stored if isinstance(target.c[n].type, Date))
    return _Shape(dates, log if CHANGED_IN in target.c else None)


def _all_new(connection: Connection, kind: Kind, first: list[tuple[Any, ...]]) -> bool:
    """Whether none of a file's first rows are stored already: then it is likely a new load."""
    target = schema.metadata.tables[kind.table]
    keys = [kind.stored.index(k) + 1 for k in kind.key]
    wanted = {tuple(row[i] for i in keys) for row in first}
    if len(wanted) < len(first):
        return False
    columns = [target.c[k] for k in kind.key]
    ordered = sorted(wanted)
    for start in range(0, len(ordered), 500):
        batch = ordered[start : start + 500]
        query = select(*columns).where(tuple_(*columns).in_(batch)).limit(1)
        if connection.execute(query).first() is not None:
            return False
    return True


def _load_directly(
    connection: Connection, kind: Kind, sheet: Sheet, rows: Iterator[tuple[Any, ...]]
) -> int | None:
    """Write rows straight into their table; None (and nothing written) if a key collides."""
    target = schema.metadata.tables[kind.table]
    done, total = sheet.position()
    estimate = total * PEEK_ROWS // max(done, 1) if total else 0
    columns = list(kind.stored)
    if CHANGED_IN in target.c:
        columns.append(CHANGED_IN)  # the rows end with their import's log entry
    savepoint = connection.begin_nested()
    try:
        with _secondary_indexes_rebuilt(connection, target, estimate):
            loaded = _bulk_write(connection, target, columns, rows, numbered=True)
    except connection.dialect.loaded_dbapi.IntegrityError:
        savepoint.rollback()
        return None
    except BaseException:
        # A file refused part-way (a NUL byte late in it, say) stops the load mid-COPY.
        savepoint.rollback()
        raise
    savepoint.commit()
    return loaded


def _import_staged(
    connection: Connection,
    kind: Kind,
    sheet: Sheet,
    rows: Iterator[tuple[Any, ...]],
    outcome: FileResult,
    names: AuthorityNames,
    problems: _Problems,
    before: int,
    log: int,
) -> FileResult | None:
    """Stage every row, check across rows, count what would change, then merge."""
    target = schema.metadata.tables[kind.table]
    stage = _stage_table(kind, target)
    stage.create(connection)
    outcome.rows = _bulk_write(connection, stage, [c.name for c in stage.columns], rows)
    if outcome.rows and problems.count == before:
        _check_staged(connection, kind, stage, str(sheet.path), names.register, problems)
    if problems.count == before and outcome.rows:
        _fill_defaults(connection, kind, stage)
        outcome.inserted, outcome.updated, outcome.unchanged = _count_changes(
            connection, kind, stage, target
        )
        _merge(connection, kind, stage, target, outcome, log)
    stage.drop(connection)
    return _finish(connection, log, sheet, outcome, problems, before)


def _start_log(connection: Connection, kind: Kind, path: Path) -> int:
    """Enter a file in the import log before reading it: the rows it changes record the entry."""
    entry = schema.imports.insert().values(
        kind=kind.name,
        file=path.name,
        sha256="",
        rows=0,
        inserted=0,
        updated=0,
        unchanged=0,
        imported_at=datetime.now(UTC),
        version=__version__,
    )
    key = connection.execute(entry).inserted_primary_key
    assert key is not None
    return int(key[0])


def _finish(
    connection: Connection,
    log: int,
    sheet: Sheet,
    outcome: FileResult,
    problems: _Problems,
    before: int,
) -> FileResult | None:
    """Log a good file's import; report a file with no data rows."""
    outcome.sha256 = sheet.sha256()
    if problems.count > before:
        return None
    if outcome.rows == 0:
        problems.add(Problem(str(sheet.path), None, None, "the file has a header but no data rows"))
        return None
    connection.execute(
        update(schema.imports)
        .where(schema.imports.c.id == log)
        .values(
            sha256=outcome.sha256,
            rows=outcome.rows,
            inserted=outcome.inserted,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            imported_at=datetime.now(UTC),
        )
    )
    return outcome


def _known_columns(kind: Kind) -> list[str]:
    return [name for c in kind.columns for name in (c.name, *c.accepts)]


def _stage_table(kind: Kind, target: Table) -> Table:
    columns = [Column("line", Integer, nullable=False)]
    columns += [Column(name, target.c[name].type) for name in kind.stored]
    if CHANGED_IN in target.c:
        # The rows come with the log entry; the merge writes it from `log` all the same.
        columns.append(Column(CHANGED_IN, Integer))
    return Table(f"upheld_stage_{kind.name}", MetaData(), *columns, prefixes=["TEMPORARY"])


def _valid_rows(
    kind: Kind,
    sheet: Sheet,
    names: AuthorityNames,
    problems: _Problems,
    progress: Progress | None,
    shape: _Shape,
) -> Iterator[tuple[Any, ...]]:
    """Each row that passes every per-row rule, as (line, *stored values[, tag]), ready to write;
    problems collected."""
    file = str(sheet.path)
    positions = {column.name: _position(sheet, column) for column in kind.columns}
    check = compile_check(
        kind, positions, file, names, problems.add, dates_as_text=shape.dates_as_text, tag=shape.tag
    )
    width = len(sheet.columns)
    # A row cut short would otherwise blank the stored values of the columns it lacks.
    unnamed = [index for index, key in enumerate(sheet.columns) if not key]
    count = 0
    for line, cells in sheet.rows:
        if len(cells) != width:
            problems.add(_wrong_width(sheet, line, len(cells)))
            continue
        if unnamed:
            stray = next((i for i in unnamed if not is_blank(cells[i])), None)
            if stray is not None:
                problems.add(_unnamed_value(sheet, line, stray))
                continue
        checked = check(cells, line)
        if checked is None:
            continue
        yield checked
        count += 1
        if progress is not None and count % PROGRESS_ROWS == 0:
            progress(file, *sheet.position())
    if progress is not None:
        done, total = sheet.position()
        progress(file, total or done, total or done)


def _wrong_width(sheet: Sheet, line: int, cells: int) -> Problem:
    return Problem(
        str(sheet.path),
        line,
        None,
        f"the row has {cells} cell{'s' if cells != 1 else ''} but the header (line "
        f"{sheet.header_line}) has {len(sheet.columns)}; every row needs one cell for each column",
    )


def _unnamed_value(sheet: Sheet, line: int, index: int) -> Problem:
    where = (
        f"column {column_letters(sheet.first_column + index)}"
        if sheet.format == "xlsx"
        else f"cell {index + 1}"
    )
    return Problem(
        str(sheet.path),
        line,
        None,
        f"{where} has a value but no header (line {sheet.header_line}); "
        "give the column a header, or clear the cell",
    )


def _position(sheet: Sheet, column: KindColumn) -> int | None:
    for spelling in (column.name, *column.accepts):
        index = sheet.index_of(column_key(spelling))
        if index is not None:
            return index
    return None


_POSTGRES_TYPES = ((Boolean, "bool"), (Date, "date"), (Integer, "int4"), (Float, "float8"))


def _postgres_type(column_type: Any) -> str:
    for python_type, name in _POSTGRES_TYPES:
        if isinstance(column_type, python_type):
            return name
    return "text"


def _bulk_write(
    connection: Connection,
    table: Table,
    columns: list[str],
    rows: Iterator[tuple[Any, ...]],
    *,
    numbered: bool = False,
) -> int:
    """Write rows into a table in bulk (COPY on PostgreSQL); returns how many. With `numbered`,
    each row starts with its line in the file, which is not written."""
    raw = connection.connection.driver_connection
    assert raw is not None
    names = ", ".join(columns)
    cursor = raw.cursor()
    try:
        if connection.dialect.name == "postgresql":
            types = [_postgres_type(table.c[name].type) for name in columns]
            count = 0
            # Binary COPY: psycopg encodes each value in C, about twice as fast as text.
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row[1:] if numbered else row)
                    count += 1
            return count
        # Numbered parameters pass over the line (?1) without copying each row to drop it.
        first = 2 if numbered else 1
        marks = ", ".join(f"?{n}" for n in range(first, first + len(columns)))
        cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)
        return int(cursor.rowcount)
    finally:
        cursor.close()


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
    cases = schema.cases
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
    compliance = schema.compliance
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
            select(schema.cases.c.category)
            .where(schema.cases.c.reference == stage.c.reference)
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


def _merge(
    connection: Connection, kind: Kind, stage: Table, target: Table, outcome: FileResult, log: int
) -> None:
    """Update changed rows and insert new ones; rows that are the same are not rewritten."""
    stored = list(kind.stored)
    others = [n for n in stored if n not in kind.key]
    same_key = _key_match(kind, target, stage)
    tagged = CHANGED_IN in target.c
    if outcome.updated and others:
        changed = or_(*(target.c[n].is_distinct_from(stage.c[n]) for n in others))
        values: dict[str, Any] = {n: stage.c[n] for n in others}
        if tagged:
            values[CHANGED_IN] = log
        connection.execute(update(target).where(same_key, changed).values(values))
    if outcome.inserted:
        columns: list[Any] = [stage.c[n] for n in stored]
        if tagged:
            stored.append(CHANGED_IN)
            columns.append(literal(log, Integer))
        new = select(*columns).where(~exists().where(same_key))
        with _secondary_indexes_rebuilt(connection, target, outcome.inserted):
            connection.execute(insert(target).from_select(stored, new))


@contextmanager
def _secondary_indexes_rebuilt(connection: Connection, target: Table, rows: int) -> Iterator[None]:
    # Keeping secondary indexes up to date row by row costs more than building them once, when
    # a load brings more rows than the table already holds (a first import, a new year).
    stored = connection.execute(select(func.count()).select_from(target)).scalar_one()
    indexes = list(target.indexes) if rows >= BULK_ROWS and rows > stored else []
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
