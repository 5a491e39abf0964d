"""Streaming CSV and XLSX writers for the open data downloads: constant memory, any number of rows.

Both are generators of bytes, handed a header and an iterable of rows, so a download of a
hundred thousand decisions starts at once and never sits whole in memory. Both write the same
columns from the same rows; only the way each kind of value is written differs:

- text: as it is in the CSV, with a leading apostrophe where it could start a formula; an
  inline string in the XLSX, never a formula;
- whole numbers and numbers: numbers in both;
- dates: `2024-12-29` in the CSV, a date cell shown as 2024-12-29 in the XLSX;
- true and false: `true` and `false` in the CSV, TRUE and FALSE in the XLSX;
- nothing: an empty cell in both.

The XLSX is written by hand, not with openpyxl: openpyxl keeps each sheet in a temporary file and
writes nothing out until the workbook is saved, so the first byte would wait for the last row. Here
each row goes into a deflated ZIP entry as it comes, the ZIP entries carry data descriptors (sizes
after the data, as any streamed ZIP does), and strings are inline, so there is no shared-strings
table to hold.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.sax.saxutils import escape, quoteattr

from upheld.present.export import neutralised

Value = str | int | float | bool | date | None
"""What a cell of a download may hold."""

CHUNK = 64 * 1024
"""About how many bytes are gathered before they are sent on."""

CELL_LIMIT = 32_767
"""The most characters a spreadsheet cell holds (Excel's limit); the CSV has no limit."""
CUT = " […]"
"""What ends a text cut at the cell limit, so that the cut is never silent."""

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
"""Characters XML 1.0 cannot carry at all."""
_EPOCH = date(1899, 12, 30)
"""Day 0 of a spreadsheet's dates (the 1900 date system, as Excel counts)."""


def csv_value(value: Value) -> Value:
    """A value as the CSV writes it."""
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    written: Value = neutralised(value)
    return written


def csv_text(rows: Iterable[Sequence[Value]]) -> bytes:
    """Rows as lines of CSV, UTF-8 (a header is a row like any other)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [csv_value(value) for value in row] for row in rows
    )
    return buffer.getvalue().encode("utf-8")


def csv_stream(header: Sequence[str], rows: Iterable[Sequence[Value]]) -> Iterator[bytes]:
    """A CSV file, UTF-8, sent on in pieces of about 64 KB as its rows come."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_value(value) for value in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its name, its header, and its rows, asked for only when the
    sheet is written (so a sheet after another can say how many rows that one had)."""

    name: str
    header: Sequence[str]
    rows: Callable[[], Iterable[Sequence[Value]]]
    widths: Sequence[int] = field(default=())
    """Each column's width in characters; a width from its heading where not given."""


@dataclass(frozen=True)
class Properties:
    """What the workbook says about itself (File > Properties)."""

    title: str = ""
    creator: str = ""
    description: str = ""


class _Pipe:
    """A write-only file that keeps what is written until it is collected: the ZIP is written
    into it and sent on from it. It cannot seek, so the ZIP entries get data descriptors."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes, /) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def collect(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        self.size = 0
        return data


def column_letter(index: int) -> str:
    """A spreadsheet column's letters from its index from 0: A, B, ..., Z, AA, AB, ..."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text(value: str) -> str:
    value = _ILLEGAL.sub("", value)
    if len(value) > CELL_LIMIT:
        value = value[: CELL_LIMIT - len(CUT)] + CUT
    return escape(value)


def _cell(reference: str, value: Value, style: int = 0) -> str:
    """One cell's XML; empty for an empty cell."""
    if type(value) is str:  # the commonest, first
        styled = f' s="{style}"' if style else ""
        return (
            f'<c r="{reference}" t="inlineStr"{styled}><is><t xml:space="preserve">'
            f"{_text(value)}</t></is></c>"
        )
    if value is None:
        return ""
    if value is True or value is False:
        return f'<c r="{reference}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{reference}"><v>{value}</v></c>'
    if isinstance(value, float):
        return f'<c r="{reference}"><v>{value!r}</v></c>' if math.isfinite(value) else ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f'<c r="{reference}" s="1"><v>{(value - _EPOCH).days}</v></c>'
    return _cell(reference, str(value), style)  # a subclass of str, say


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
"""Style 0 is plain, 1 a date (yyyy-mm-dd), 2 bold (the header row)."""
_HEADER_STYLE = 2


def _content_types(sheets: int) -> str:
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        f"{_XML}<Types "
        'xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f"{overrides}</Types>"
    )


_ROOT_RELATIONSHIPS = (
    f'{_XML}<Relationships xmlns="{_PACKAGE}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
    "</Relationships>"
)


def _core(properties: Properties) -> str:
    return (
        f"{_XML}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{_text(properties.title)}</dc:title>"
        f"<dc:creator>{_text(properties.creator)}</dc:creator>"
        f"<dc:description>{_text(properties.description)}</dc:description>"
        "</cp:coreProperties>"
    )


def _workbook(names: Sequence[str]) -> str:
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, 1)
    )
    return (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets></workbook>"
    )


def _workbook_relationships(sheets: int) -> str:
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{_RELATIONSHIPS}/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, sheets + 1)
    )
    return (
        f'{_XML}<Relationships xmlns="{_PACKAGE}">{links}'
        f'<Relationship Id="rId{sheets + 1}" Type="{_RELATIONSHIPS}/styles" '
        'Target="styles.xml"/></Relationships>'
    )


_FORBIDDEN_IN_NAMES = re.compile(r"[\[\]:*?/\\]")


def sheet_name(name: str) -> str:
    """A name a spreadsheet accepts for a sheet: at most 31 characters, none of []:*?/\\."""
    return _FORBIDDEN_IN_NAMES.sub(" ", name)[:31].strip() or "Sheet"


def _sheet_start(sheet: Sheet) -> str:
    widths = list(sheet.widths) or [max(8, min(40, len(heading) + 2)) for heading in sheet.header]
    columns = "".join(
        f'<col min="{n}" max="{n}" width="{width}" customWidth="1"/>'
        for n, width in enumerate(widths, 1)
    )
    # The header row stays in view as the rows scroll beneath it.
    return (
        f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        "</sheetView></sheetViews>"
        f"{f'<cols>{columns}</cols>' if columns else ''}<sheetData>"
    )


def xlsx_stream(sheets: Sequence[Sheet], properties: Properties = Properties()) -> Iterator[bytes]:
    """An XLSX workbook of the sheets, sent on in pieces of about 64 KB as their rows come."""
    pipe = _Pipe()
    moment = (1980, 1, 1, 0, 0, 0)  # a fixed time: the same data makes the same file

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, moment)
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    names = [sheet_name(sheet.name) for sheet in sheets]
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        for name, text in (
            ("[Content_Types].xml", _content_types(len(sheets))),
            ("_rels/.rels", _ROOT_RELATIONSHIPS),
            ("docProps/core.xml", _core(properties)),
            ("xl/workbook.xml", _workbook(names)),
            ("xl/_rels/workbook.xml.rels", _workbook_relationships(len(sheets))),
            ("xl/styles.xml", _STYLES),
        ):
            book.writestr(entry(name), text)
        for number, sheet in enumerate(sheets, 1):
            letters = [column_letter(i) for i in range(len(sheet.header))]
            with book.open(entry(f"xl/worksheets/sheet{number}.xml"), "w") as part:
                pending: list[str] = [_sheet_start(sheet), '<row r="1">']
                pending += [
                    _cell(f"{letter}1", heading, _HEADER_STYLE)
                    for letter, heading in zip(letters, sheet.header, strict=True)
                ]
                pending.append("</row>")
                size = 0
                for line, row in enumerate(sheet.rows(), 2):
                    cells = "".join(
                        _cell(f"{letter}{line}", value)
                        for letter, value in zip(letters, row, strict=True)
                    )
                    text = f'<row r="{line}">{cells}</row>'
                    pending.append(text)
                    size += len(text)
                    if size >= CHUNK:
                        part.write("".join(pending).encode("utf-8"))
                        pending.clear()
                        size = 0
                        if pipe.size:
                            yield pipe.collect()
                pending.append("</sheetData></worksheet>")
                part.write("".join(pending).encode("utf-8"))
            if pipe.size:
                yield pipe.collect()
    yield pipe.collect()
