"""Reading input files (CSV, XLSX, JSON Lines) as a stream of numbered rows under a found header."""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from upheld.errors import InputError, Problem
from upheld.ingest.xlsx import check_workbook, unreadable

HEADER_SEARCH_ROWS = 20
FORMATS = ("csv", "xlsx", "jsonl")
REFUSED_FORMATS = {
    "xls": "an Excel 97-2003 workbook (.xls)",
    "ods": "an OpenDocument spreadsheet (.ods)",
}
"""Spreadsheet formats that cannot be checked against the XLSX limits before they are read."""

_COLUMN_NOISE = re.compile(r"[\s_\-]+")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
"""Characters no database can store as text: NUL, and halves of UTF-16 surrogate pairs."""
_JSON_VALUES = "give text, a number, true/false or null"

Report = Callable[[Problem], None]
"""Called with each problem in a row that a reader leaves out."""

csv.field_size_limit(16 * 1024 * 1024)


def column_key(name: object) -> str:
    """Fold a column name: case, spaces, `-` and `_` don't matter."""
    return _COLUMN_NOISE.sub("", str(name)).lower().lstrip("\ufeff")


def column_letters(index: int) -> str:
    """A spreadsheet column's letters from its position (0 is A, 26 is AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


@dataclass
class Sheet:
    """An opened input file: where its header is, its columns, and its rows still to read."""

    path: Path
    format: str
    header_line: int
    columns: list[str]
    """Column keys (folded) in file order; '' for a blank header cell."""
    rows: Iterator[tuple[int, Sequence[Any]]]
    """(line number, cells in column order) for each data row, read lazily."""
    position: Callable[[], tuple[int, int]]
    """How far reading has got: (done, total), in bytes or rows."""
    sha256: Callable[[], str]
    """The file's SHA-256; for CSV and JSON Lines, hashed as it is read."""
    warnings: list[str] = field(default_factory=list)
    first_column: int = 0
    """The spreadsheet column (0 for A) of each row's first cell."""

    def index_of(self, key: str) -> int | None:
        """The position of a folded column key, or None."""
        try:
            return self.columns.index(key)
        except ValueError:
            return None


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_format(path: Path) -> str:
    """CSV, XLSX or JSON Lines (or xls/ods, refused): by extension, else by the first bytes."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    if suffix in (".xls", ".ods"):
        return suffix[1:]
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_OLE_SIGNATURE):
        return "xls"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "jsonl"
    return "csv"


def open_sheet(
    path: Path, required: Iterable[Sequence[str]], known: Iterable[str], report: Report
) -> Sheet:
    """Open a file of any supported format and find its header row among the first 20 rows.

    Each required column is given with its accepted spellings, the usual name first. A row the
    reader cannot pass on (a JSON value of the wrong type) is left out and its problems reported.
    """
    if not path.exists():
        raise InputError([Problem(str(path), None, None, "no such file")])
    if path.is_dir():
        raise InputError([Problem(str(path), None, None, "is a folder, not a file")])
    if path.stat().st_size == 0:
        raise InputError([Problem(str(path), None, None, "the file is empty")])
    required_keys = [tuple(column_key(c) for c in spellings) for spellings in required]
    known_keys = {column_key(c) for c in known} | {k for group in required_keys for k in group}
    fmt = detect_format(path)
    if fmt in REFUSED_FORMATS:
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"this is {REFUSED_FORMATS[fmt]}, which upheld does not read; "
                    "save it as XLSX or CSV and try again",
                )
            ]
        )
    if fmt == "xlsx":
        check_workbook(path)
        rows_read = [0, 0, 0]
        numbered: Iterator[tuple[int, Sequence[Any]]] = _xlsx_rows(path, rows_read, report)
        sheet = _with_header(
            path,
            fmt,
            numbered,
            required_keys,
            known_keys,
            lambda: (rows_read[0], rows_read[1]),
            lambda: file_sha256(path),
        )
        sheet.first_column = rows_read[2]
        return sheet
    stream = _LineCounter(path)
    size = path.stat().st_size

    def position() -> tuple[int, int]:
        return stream.bytes_done, size

    if fmt == "jsonl":
        return _open_jsonl(path, stream, known_keys, position, report)
    numbered = _csv_rows(path, stream)
    return _with_header(path, fmt, numbered, required_keys, known_keys, position, stream.sha256)


def _with_header(
    path: Path,
    fmt: str,
    numbered: Iterator[tuple[int, Sequence[Any]]],
    required: list[tuple[str, ...]],
    known: set[str],
    position: Callable[[], tuple[int, int]],
    sha256: Callable[[], str],
) -> Sheet:
    head = list(islice(numbered, HEADER_SEARCH_ROWS))
    if not any(any(_present(c) for c in cells) for _, cells in head):
        raise InputError([Problem(str(path), None, None, "the file has no rows")])
    best: tuple[int, int, list[str]] | None = None
    for index, (_line, cells) in enumerate(head):
        keys = [column_key(c) if _present(c) else "" for c in cells]
        score = len(known.intersection(keys))
        if score and (best is None or score > best[0]):
            best = (score, index, keys)
        if score and not _missing(required, keys):
            best = (score, index, keys)
            break
    if best is None:
        expected = ", ".join(group[0] for group in required)
        raise InputError(
            [
                Problem(
                    str(path),
                    None,
                    None,
                    f"no header row found in the first {HEADER_SEARCH_ROWS} rows; "
                    f"expected columns {expected}",
                )
            ]
        )
    _score, found, columns = best
    header_line = head[found][0]
    missing = _missing(required, columns)
    if missing:
        names = ", ".join(missing)
        plural = "s" if len(missing) > 1 else ""
        raise InputError(
            [Problem(str(path), header_line, None, f"missing required column{plural}: {names}")]
        )
    _check_repeated(path, header_line, columns)
    unknown = [c for c in columns if c and c not in known]
    warnings = []
    if unknown:
        warnings.append(f"{path}:{header_line}: ignoring unknown column(s): {', '.join(unknown)}")
    rest = head[found + 1 :]
    rows = itertools.chain(rest, numbered)
    return Sheet(path, fmt, header_line, columns, rows, position, sha256, warnings)


def _missing(required: list[tuple[str, ...]], columns: list[str]) -> list[str]:
    return [group[0] for group in required if not any(k in columns for k in group)]


def _check_repeated(path: Path, line: int, columns: list[str]) -> None:
    seen: set[str] = set()
    for name in columns:
        if name and name in seen:
            raise InputError([Problem(str(path), line, name, "column appears more than once")])
        seen.add(name)


def _present(value: Any) -> bool:
    return value is not None and value != ""


class _Hashing(io.RawIOBase):
    """Passes a file's bytes through while hashing them, so a file is read only once.

    It also refuses a NUL byte anywhere: PostgreSQL cannot store one in text, and SQLite would
    keep it silently. Looking for it in each block as it passes costs next to nothing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._raw = path.open("rb", buffering=0)
        self.digest = hashlib.sha256()
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        block = self._raw.read(len(buffer))
        count = len(block) if block else 0
        if count:
            nul = block.find(b"\x00")
            if nul >= 0:
                raise InputError([_locate_nul(self.path, self.position + nul)])
            buffer[:count] = block
            self.digest.update(block)
            self.position += count
        return count

    def finish(self) -> str:
        """The SHA-256 of the whole file, reading whatever is left."""
        for block in iter(lambda: self._raw.read(1 << 20), b""):
            self.digest.update(block)
        return self.digest.hexdigest()

    def close(self) -> None:
        self._raw.close()
        super().close()


class _LineCounter:
    """A UTF-8 text stream that says which line a decoding error is on and how far it has read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._bytes = _Hashing(path)
        buffered = io.BufferedReader(self._bytes, buffer_size=1 << 16)
        self._handle = io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")
        self._digest: str | None = None

    @property
    def bytes_done(self) -> int:
        """Bytes read from the file so far."""
        return self._bytes.position

    def sha256(self) -> str:
        """The SHA-256 of the file."""
        if self._digest is None:
            self._digest = self._bytes.finish()
        return self._digest

    def __iter__(self) -> Iterator[str]:
        try:
            yield from self._handle
        except UnicodeDecodeError:
            raise InputError([_locate_bad_byte(self.path)]) from None

    @property
    def text(self) -> io.TextIOWrapper:
        """The lines themselves, one step nearer for a reader that turns a decoding error
        (UnicodeDecodeError) into `_locate_bad_byte`'s problem itself."""
        return self._handle

    def close(self) -> None:
        self.sha256()
        self._handle.close()


def _locate_bad_byte(path: Path) -> Problem:
    """Find the first byte that is not UTF-8, by line and character; only run on failure."""
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return Problem(
                    str(path),
                    number,
                    None,
                    f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at character {exc.start + 1}); "
                    "save the file as UTF-8 (CSV UTF-8 in Excel) and try again",
                )
    return Problem(str(path), None, None, "not UTF-8 text")


def _locate_nul(path: Path, offset: int) -> Problem:
    """The line of a NUL byte found at an offset; only run on failure."""
    newlines = returns = 0
    with path.open("rb") as handle:
        left = offset
        while left > 0:
            block = handle.read(min(left, 1 << 20))
            if not block:
                break
            newlines += block.count(b"\n")
            returns += block.count(b"\r")
            left -= len(block)
    # Lines end in \n (or \r\n); a file with none at all may still end its lines in \r alone.
    line = 1 + (newlines or returns)
    return Problem(
        str(path),
        line,
        None,
        "contains a NUL character (byte 0x00), which cannot be stored; remove it and try again",
    )


def _looks_binary(sample: bytes) -> bool:
    """Whether a NUL early in a file means it is not text at all (a spreadsheet, an image)."""
    before = sample[: sample.find(b"\x00")]
    try:
        before.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return b"\n" not in before


def _csv_rows(path: Path, stream: _LineCounter) -> Iterator[tuple[int, Sequence[Any]]]:
    try:
        with path.open("rb") as handle:
            sample = handle.read(4096)
        if b"\x00" in sample and _looks_binary(sample):
            raise InputError(
                [
                    Problem(
                        str(path), None, None, "this is not a text file (CSV); is it a spreadsheet?"
                    )
                ]
            )
        delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
        # Straight from the decoded text: a generator in between cost a step on every line.
        reader = csv.reader(stream.text, delimiter=delimiter, strict=True)
        try:
            for cells in reader:
                if any(cells):
                    yield reader.line_num, cells
        except csv.Error as exc:
            raise InputError(
                [Problem(str(path), reader.line_num, None, f"malformed CSV: {exc}")]
            ) from None
        except UnicodeDecodeError:
            raise InputError([_locate_bad_byte(path)]) from None
    finally:
        stream.close()


def _xlsx_rows(
    path: Path, rows_read: list[int], report: Report
) -> Iterator[tuple[int, Sequence[Any]]]:
    """The first sheet's rows; rows_read is filled with (rows read, rows in all, first column)."""
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = workbook.get_sheet_by_index(0)
        # Rows are given from the sheet's first row (line 1), cells from its first used column.
        rows_read[1] = sheet.end[0] + 1 if sheet.end else 0
        rows_read[2] = sheet.start[1] if sheet.start else 0
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises several unrelated types for damaged files
        raise unreadable(path, exc) from None
    line = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a value calamine cannot convert, such as a date out of range
            raise unreadable(path, exc) from None
        line += 1
        rows_read[0] = line
        filled = unstorable = False
        for cell in cells:
            if cell.__class__ is str:
                if cell:
                    filled = True
                    # Only a NUL can be in a spreadsheet's text that a database cannot store.
                    unstorable = unstorable or "\x00" in cell
            elif cell is not None:
                filled = True
        if unstorable:
            report(
                Problem(
                    str(path),
                    line,
                    None,
                    "contains a NUL character, which cannot be stored; remove it and try again",
                )
            )
        elif filled:
            yield line, cells


def _open_jsonl(
    path: Path,
    stream: _LineCounter,
    known: set[str],
    position: Callable[[], tuple[int, int]],
    report: Report,
) -> Sheet:
    """JSON Lines: each object's keys are columns, so every known column is in the header."""
    lines = iter(stream)
    columns: list[str] = sorted(known)
    index = {c: i for i, c in enumerate(columns)}
    unknown: set[str] = set()
    warnings: list[str] = []
    seen = [0]

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        width = len(columns)
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            seen[0] += 1
            record = _json_object(path, number, text)
            # Only an escape can put NUL or half a surrogate pair in a string: the bytes are UTF-8.
            escaped = "\\u" in text
            cells: list[Any] = [None] * width
            wrong = False
            for name, value in record.items():
                key = column_key(name)
                position = index.get(key)
                if position is None:
                    if key not in unknown:
                        unknown.add(key)
                        warnings.append(f"{path}:{number}: ignoring unknown key {name!r}")
                    continue
                kind = value.__class__
                if kind is str:
                    if escaped and _UNSTORABLE.search(value):
                        report(Problem(str(path), number, name, _unstorable(value)))
                        wrong = True
                elif kind is dict or kind is list or (kind is float and not math.isfinite(value)):
                    report(Problem(str(path), number, name, _wrong_json_type(value)))
                    wrong = True
                cells[position] = value
            if not wrong:
                yield number, cells
        stream.close()

    generated = rows()
    first = next(generated, None)
    if first is None and not seen[0]:
        stream.close()
        raise InputError([Problem(str(path), None, None, "the file has no rows")])
    numbered = itertools.chain([first] if first else [], generated)
    return Sheet(path, "jsonl", 0, columns, numbered, position, stream.sha256, warnings)


def _json_object(path: Path, number: int, text: str) -> dict[str, Any]:
    """One line of JSON Lines read as an object, or the reason it cannot be."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = f"{exc.msg} at column {exc.colno}"
    except RecursionError:
        reason = "nested too deeply"
    except ValueError as exc:  # a number too long to convert, say
        reason = str(exc)
    else:
        if isinstance(record, dict):
            return record
        raise InputError(
            [Problem(str(path), number, None, "each line must be a JSON object {...}")]
        )
    raise InputError([Problem(str(path), number, None, f"not valid JSON: {reason}")])


def _wrong_json_type(value: Any) -> str:
    if isinstance(value, dict):
        return f"is a JSON object; {_JSON_VALUES}"
    if isinstance(value, list):
        return f"is a JSON list; {_JSON_VALUES}"
    written = "NaN" if math.isnan(value) else "Infinity" if value > 0 else "-Infinity"
    return f"{written} is not a value; {_JSON_VALUES}"


def _unstorable(value: str) -> str:
    found = _UNSTORABLE.search(value)
    assert found is not None
    if found.group() == "\x00":
        return "contains a NUL character (\\u0000), which cannot be stored"
    return (
        f"contains half of a UTF-16 surrogate pair (\\u{ord(found.group()):04x}), which is not text"
    )
