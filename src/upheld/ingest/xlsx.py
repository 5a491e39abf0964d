"""XLSX files checked before they are read: a crafted one can make the reader ask for more memory
than any computer has, and stop the whole process.

The reader (calamine) sizes its memory from what a workbook says about itself: the furthest cell
(a single cell at XFD1048576 makes it ask for 512 GiB), the size a sheet declares in its
<dimension>, and the number of shared strings. So, before it reads anything, every part of the
workbook is unpacked here as a stream, without trusting the sizes the zip file declares, and each
is searched for what the reader would size its memory from. Files over the limits below are
refused with a message that names the limit. They are generous for real files: a year of an
ombudsman's cases is about 20,000 rows of 11 columns, and a whole history about 1,000,000 rows.

Searching every cell of a big sheet with a Python loop would cost more than reading it, so the
search is in two passes. The first looks, with one regular expression, only for cells that are
not written as Excel and every other spreadsheet program writes them (`<c r="B7" ...>`, within
the limits); in a real file it finds none, and is done. Anything else makes the second pass read
every cell's position the way the reader does, and measure exactly.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from upheld.errors import InputError, Problem

MAX_UNPACKED_BYTES = 256 * 1024 * 1024
"""The most an XLSX file may unpack to, all its parts together."""
MAX_CELLS = 16_000_000
"""The most cells a sheet may span, counted from A1 to its furthest row and column."""
MAX_COLUMNS = 200
"""The most columns a sheet's cells may reach."""

_BLOCK = 1 << 20
_LONGEST_TAG = 1 << 20
"""No real workbook has an XML tag anywhere near this long."""
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted part
    struct.error,
    ValueError,  # a part name that is not UTF-8
    OSError,
)
_PREFIXED_CELL = re.compile(rb":c(?=[\s/>])")
_DIMENSION = re.compile(rb"dimension(?=[\s/>])")
_SHARED_STRINGS = re.compile(rb"sst(?=[\s/>])")
_OPENING = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?\Z")
_FIRST_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_TOKEN = re.compile(
    rb"""<(/?)(?:[A-Za-z_][\w.-]*:)?(c|row)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>"""
)
_REFERENCE = re.compile(rb"([A-Za-z]*)([0-9]*)")
_TAG_REST = re.compile(rb"""(?:[^>"']|"[^"]*"|'[^']*')*+>""")
"""The rest of a tag, to its '>': a '>' inside a quoted attribute does not end it."""


def check_workbook(path: Path) -> None:
    """Refuse an XLSX file that is damaged, or bigger than the limits, before it is read."""
    if path.stat().st_size > MAX_UNPACKED_BYTES:
        raise _refused(path, f"the file is larger than {_limit_bytes()}")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if not any(m.filename == "xl/workbook.xml" for m in members):
                raise _refused(
                    path,
                    "this is not an XLSX workbook (it has no xl/workbook.xml); "
                    "save it as XLSX or CSV and try again",
                    limit=False,
                )
            budget = MAX_UNPACKED_BYTES
            for member in members:
                budget -= _check_part(path, archive, member, budget)
    except _UNREADABLE as exc:
        with path.open("rb") as handle:
            signature = handle.read(len(_OLE_SIGNATURE))
        if signature == _OLE_SIGNATURE:
            raise _refused(
                path,
                "this is an Excel 97-2003 workbook or a password-protected one, which upheld "
                "does not read; save it as XLSX (without a password) or CSV and try again",
                limit=False,
            ) from None
        raise unreadable(path, exc) from None


def unreadable(path: Path, exc: Exception) -> InputError:
    """The refusal of a file that is not a readable XLSX spreadsheet."""
    return InputError(
        [
            Problem(
                str(path),
                None,
                None,
                f"not a readable XLSX spreadsheet ({exc}); "
                "export it again from Excel, or save it as CSV",
            )
        ]
    )


def _check_part(path: Path, archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: int) -> int:
    """Unpack one part of the workbook and check it; returns its real size."""
    declared = member.file_size
    # zipfile stops at the size a part declares; read on past it, so that a false size cannot
    # hide what the reader would unpack. zipfile still checks the CRC at the real end, which
    # reading stops short of when the part is too big.
    member.file_size = budget + 2 * _BLOCK
    size = 0
    search = _Search(path, member.filename)
    with archive.open(member) as stream:
        for piece in _pieces(path, _blocks(stream, budget + 1)):
            size += len(piece)
            if size > budget:
                raise _refused(path, f"the workbook unpacks to more than {_limit_bytes()}")
            search.feed(piece)
    if size != declared:
        raise zipfile.BadZipFile(
            f"{member.filename} unpacks to {size:,} bytes, not the {declared:,} it declares"
        )
    if search.irregular:
        with archive.open(member) as stream:
            _measure(path, member.filename, _pieces(path, _blocks(stream, size)))
    return size


def _blocks(stream: IO[bytes], most: int) -> Iterator[bytes]:
    """A part's bytes in blocks, up to `most` of them."""
    while most > 0 and (block := stream.read(min(_BLOCK, most))):
        most -= len(block)
        yield block


def _pieces(path: Path, blocks: Iterator[bytes]) -> Iterator[bytes]:
    """The blocks again, cut so that no XML tag is split between two pieces."""
    tail = b""
    for block in blocks:
        data = tail + block if tail else block
        start = data.rfind(b"<")
        if start < 0 or _TAG_REST.match(data, start + 1):
            # Whatever follows the last complete tag is text, which no search here looks in.
            tail = b""
            yield data
            continue
        if len(data) - start > _LONGEST_TAG:
            raise zipfile.BadZipFile("it has an XML tag over a megabyte long")
        tail = data[start:]
        yield data[:start]
    if tail:
        yield tail


class _Search:
    """The first pass over one part: declared sizes, and whether any cell needs measuring."""

    def __init__(self, path: Path, part: str) -> None:
        self.path = path
        self.part = part
        self.irregular = False
        self._cells: re.Pattern[bytes] | None = None

    def feed(self, piece: bytes) -> None:
        """Search the next piece of the part."""
        if self._cells is None:
            # The first rows say how wide the sheet is; a wider cell later is looked at closely.
            columns = [_column_number(letters) for letters in _FIRST_COLUMNS.findall(piece)]
            widest = max(columns, default=26)
            if widest > MAX_COLUMNS:
                self.irregular = True
            self._cells = _unusual_cells(min(widest, MAX_COLUMNS), MAX_CELLS)
        if not self.irregular and (
            self._cells.search(piece) is not None or _PREFIXED_CELL.search(piece) is not None
        ):
            self.irregular = True
        for found in _DIMENSION.finditer(piece):
            for ref in _attributes(piece, found.start(), b"ref"):
                self._check_dimension(ref)
        for found in _SHARED_STRINGS.finditer(piece):
            for name in (b"uniqueCount", b"count"):
                for written in _attributes(piece, found.start(), name):
                    self._check_strings(written)

    def _check_dimension(self, ref: bytes) -> None:
        corners = [_position(corner) for corner in ref.split(b":")]
        if None in corners or len(corners) > 2:
            return  # the reader refuses it itself
        rows = max(c[0] for c in corners if c) + 1
        columns = max(c[1] for c in corners if c) + 1
        if rows * columns > MAX_CELLS:
            raise _refused(
                self.path,
                f"a sheet ({self.part}) declares its size as {ref.decode('ascii', 'replace')}, "
                f"{rows * columns:,} cells; {_most_cells()}",
            )

    def _check_strings(self, written: bytes) -> None:
        digits = written.strip().lstrip(b"+").lstrip(b"0")
        if digits.isdigit() and _number(digits) > MAX_CELLS:
            raise _refused(
                self.path,
                f"the shared strings ({self.part}) declare {_number(digits):,} strings; "
                f"at most {MAX_CELLS:,} are read from an XLSX file",
            )


@functools.cache
def _unusual_cells(columns: int, cells: int) -> re.Pattern[bytes]:
    """Cells not written as spreadsheet programs write them, within `columns` and `cells`.

    That is `<c r="B7" s="1" t="s">`: the reference first, in capitals, and then only the other
    attributes a cell may have, so that no second `r` (which the reader would take) hides.
    """
    rows = cells // columns
    reference = _letters_up_to(columns) + _numbers_up_to(rows)
    usual = rb' r="%s"(?: (?:s|t|cm|vm|ph)="[^"]*+")*+/?>' % reference
    return re.compile(rb"<c(?=[\s/>])(?!%s)" % usual)


def _letters_up_to(columns: int) -> bytes:
    """A pattern for the letters of the columns 1 to `columns` (at most ZZ)."""
    last = _column_letters(columns)
    if len(last) == 1:
        return b"[A-%s]" % last.encode()
    first, second = last.encode()[:1], last.encode()[1:]
    parts = [b"%s[A-%s]" % (first, second)]
    if first > b"A":
        parts.append(b"[A-%s][A-Z]" % bytes([first[0] - 1]))
    parts.append(b"[A-Z]")
    return b"(?:%s)" % b"|".join(parts)


def _numbers_up_to(limit: int) -> bytes:
    """A pattern for the whole numbers 1 to `limit`, written without leading zeros."""
    digits = str(limit).encode()
    parts = []
    if len(digits) > 1:
        parts.append(b"[1-9][0-9]{0,%d}" % (len(digits) - 2))
    for index, digit in enumerate(digits):
        lowest = ord("1") if index == 0 else ord("0")
        if digit > lowest:
            rest = len(digits) - index - 1
            parts.append(b"%s[%c-%c][0-9]{%d}" % (digits[:index], lowest, digit - 1, rest))
    parts.append(digits)
    return b"(?:%s)" % b"|".join(parts)


def _measure(path: Path, part: str, pieces: Iterator[bytes]) -> None:
    """The second pass: every cell's position, as the reader works it out; refuse if too far."""
    row = column = 0
    furthest_row = furthest_column = 0
    for piece in pieces:
        for closing, name, attributes in _TOKEN.findall(piece):
            empty = attributes.endswith(b"/")
            if name == b"row":
                if closing:
                    row, column = row + 1, 0
                elif not empty:
                    for ref in _attributes_of(attributes, b"r"):
                        found = _position(ref, row_only=True)
                        if found is not None:
                            row = found[0]
                continue
            if closing or empty:
                continue  # the reader takes no value from an empty cell
            where: tuple[int, int] | None = (row, column)
            for ref in _attributes_of(attributes, b"r"):
                where = _position(ref)
            if where is None:
                continue  # the reader refuses it itself
            column = where[1] + 1
            furthest_row = max(furthest_row, where[0] + 1)
            furthest_column = max(furthest_column, column)
    if furthest_column > MAX_COLUMNS:
        raise _refused(
            path,
            f"a sheet ({part}) has cells as far right as column "
            f"{_column_letters(furthest_column)} ({furthest_column:,} columns); at most "
            f"{MAX_COLUMNS} columns are read from an XLSX file: delete the stray cells, or save it "
            "as CSV",
        )
    if furthest_row * furthest_column > MAX_CELLS:
        raise _refused(
            path,
            f"a sheet ({part}) has cells as far as row {furthest_row:,} and column "
            f"{_column_letters(furthest_column)}, {furthest_row * furthest_column:,} cells "
            f"from A1; {_most_cells()}",
        )


def _attributes(piece: bytes, at: int, name: bytes) -> list[bytes]:
    """The values of an attribute of the tag whose name is at `at`, if it is a tag at all."""
    opening = piece.rfind(b"<", max(0, at - 200), at)
    if opening < 0 or not _OPENING.match(piece, opening, at):
        return []
    rest = _TAG_REST.match(piece, at)
    return _attributes_of(piece[at : rest.end() if rest else len(piece)], name)


def _attributes_of(tag: bytes, name: bytes) -> list[bytes]:
    pattern = rb"""(?:^|\s)%s\s*=\s*(?:"([^"]*)"|'([^']*)')""" % re.escape(name)
    return [double or single for double, single in re.findall(pattern, tag)]


def _position(ref: bytes, *, row_only: bool = False) -> tuple[int, int] | None:
    """A cell reference's (row, column), counted from 0, as the reader reads it; None if it
    would refuse it. Absurd numbers are kept, to be refused as over the limits."""
    found = _REFERENCE.fullmatch(ref.strip())
    if found is None:
        return None
    letters, digits = found.groups()
    if not digits or _number(digits) == 0 or (not letters and not row_only):
        return None
    return _number(digits) - 1, _column_number(letters.upper()) - 1 if letters else 0


def _number(digits: bytes) -> int:
    """A number as written, with any past a trillion taken as a trillion (all over the limits)."""
    digits = digits.lstrip(b"0") or b"0"
    return int(digits) if len(digits) <= 12 else 10**12


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters[:8]:
        number = number * 26 + letter - ord("A") + 1
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _limit_bytes() -> str:
    return f"{MAX_UNPACKED_BYTES // (1024 * 1024)} MiB, the most upheld reads from an XLSX file"


def _most_cells() -> str:
    return (
        f"at most {MAX_CELLS:,} cells are read from an XLSX file: delete the stray cells, "
        "or save it as CSV"
    )


def _refused(path: Path, message: str, *, limit: bool = True) -> InputError:
    advice = "; save it as CSV, which has no such limit" if limit and "CSV" not in message else ""
    return InputError([Problem(str(path), None, None, message + advice)])
