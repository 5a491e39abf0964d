"""Crafted and damaged XLSX files are refused before the reader sees them, with the limit named."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.conftest import CASE_COLUMNS, case_rows, write_xlsx
from tests.test_imports import problems_of
from upheld.errors import InputError
from upheld.ingest import xlsx
from upheld.ingest.xlsx import check_workbook
from upheld.register import Register

NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{NAMESPACE}" '
        f'xmlns:r="{RELATIONSHIPS}"><sheets><sheet name="Cases" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" '
        'Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" '
        'Target="sharedStrings.xml"/></Relationships>'
    ),
}
HEADER = "".join(
    f'<c r="{letter}1" t="inlineStr"><is><t>{name}</t></is></c>'
    for letter, name in zip("ABCD", CASE_COLUMNS[:4], strict=False)
)


def cell(ref: str, text: str) -> str:
    """An inline-string cell."""
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet(rows: str, before: str = "") -> str:
    """A worksheet's XML: whatever comes before the cells, then the rows."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NAMESPACE}">{before}'
        f'<sheetData><row r="1">{HEADER}</row>{rows}</sheetData></worksheet>'
    )


GOOD_ROW = (
    '<row r="2">'
    + cell("A2", "X1")
    + cell("B2", "E08000002")
    + cell("C2", "2019-05-01")
    + cell("D2", "Housing")
    + "</row>"
)


def workbook(path: Path, worksheet: str, parts: dict[str, str] | None = None) -> Path:
    """An XLSX file written by hand: the usual parts, this worksheet, and any others."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", worksheet)
        for name, text in (parts or {}).items():
            archive.writestr(name, text)
    return path


def refusal(path: Path) -> str:
    """The one-line message a file is refused with."""
    with pytest.raises(InputError) as caught:
        check_workbook(path)
    (problem,) = caught.value.problems
    assert problem.line is None
    return str(problem).replace(f"{path}: ", "")


def test_a_real_workbook_passes(tmp_path: Path) -> None:
    rows = case_rows("E08000002", {"upheld": 3000})
    check_workbook(write_xlsx(tmp_path / "cases.xlsx", CASE_COLUMNS, rows, title_rows=2))
    check_workbook(workbook(tmp_path / "hand.xlsx", sheet(GOOD_ROW)))


def run_import(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """The import command in a process of its own, with its memory capped at 2 GiB: a file that
    got past the check would kill that process, not the tests."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    database = str(tmp_path / "u.db")
    return subprocess.run(
        [sys.executable, "-m", "upheld", "--db", database, "import", "cases", str(path)],
        capture_output=True,
        text=True,
        preexec_fn=cap,
        env={**os.environ, "RUST_BACKTRACE": "0"},
        check=False,
    )


@pytest.mark.parametrize(
    ("rows", "before", "expected"),
    [
        (
            '<row r="1048576">' + cell("XFD1048576", "x") + "</row>",
            "",
            "a sheet (xl/worksheets/sheet1.xml) has cells as far right as column XFD "
            "(16,384 columns); at most 200 columns are read from an XLSX file: delete the "
            "stray cells, or save it as CSV",
        ),
        (
            GOOD_ROW,
            '<dimension ref="A1:XFD1048576"/>',
            "a sheet (xl/worksheets/sheet1.xml) declares its size as A1:XFD1048576, "
            "17,179,869,184 cells; at most 16,000,000 cells are read from an XLSX file: "
            "delete the stray cells, or save it as CSV",
        ),
    ],
)
def test_a_far_cell_or_a_huge_dimension_is_refused_not_fatal(
    tmp_path: Path, rows: str, before: str, expected: str
) -> None:
    path = workbook(tmp_path / "far.xlsx", sheet(rows, before))
    assert path.stat().st_size < 6000
    assert refusal(path) == expected
    ran = run_import(path, tmp_path)
    assert ran.returncode == 1
    assert ran.stderr.endswith(f"{path}: {expected}\n1 problem found; nothing was imported.\n")


@pytest.mark.parametrize(
    "far",
    [
        '<row r="5"><c r="xfd5" t="inlineStr"><is><t>x</t></is></c></row>',  # lower case
        "<row r='5'><c r='XFD5' t='inlineStr'><is><t>x</t></is></c></row>",  # single quotes
        '<row r="5"><c\tr="XFD5"><v>1</v></c></row>',  # a tab
        '<row r="5"><c t="n" r="XFD5"><v>1</v></c></row>',  # r not first
        '<row r="5"><c r="A5" r="XFD5"><v>1</v></c></row>',  # r twice: the reader takes the last
        '<x:row r="5"><x:c r="XFD5"><x:v>1</x:v></x:c></x:row>',  # a namespace prefix
        "<row>" + "<c><v>1</v></c>" * 300 + "</row>",  # no references: 300 cells in a row
        '<row r="5"><c r="GR5"><v>1</v></c>' + "<c><v>1</v></c>" * 5 + "</row>",  # after GR
    ],
)
def test_cells_written_unusually_are_measured_as_the_reader_would(tmp_path: Path, far: str) -> None:
    path = workbook(tmp_path / "odd.xlsx", sheet(far))
    assert "has cells as far right as column" in refusal(path)


def test_unusual_cells_within_the_limits_pass(tmp_path: Path) -> None:
    rows = (
        '<row r="2"><c t="inlineStr" r="a2"><is><t>X1</t></is></c><c r="B2"/>'
        "<c><v>2</v></c><c/><c r='GR2'><v>3</v></c></row>"
        "<row><c><v>4</v></c></row>"
    )
    check_workbook(workbook(tmp_path / "odd.xlsx", sheet(rows)))


def test_cells_hidden_in_any_part_are_measured(tmp_path: Path) -> None:
    # The reader finds sheets through the workbook's relationships, which may point anywhere.
    far = "junk" + sheet('<row r="1048576">' + cell("XFD1048576", "x") + "</row>")
    path = workbook(tmp_path / "hidden.xlsx", sheet(GOOD_ROW), {"xl/media/image1.png": far})
    assert "(xl/media/image1.png) has cells as far right as column XFD" in refusal(path)


def test_too_many_cells_in_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsx, "MAX_CELLS", 1000)
    rows = "".join(
        f'<row r="{n}">{cell(f"A{n}", "x")}{cell(f"D{n}", "y")}</row>' for n in range(2, 300)
    )
    assert refusal(workbook(tmp_path / "long.xlsx", sheet(rows))) == (
        "a sheet (xl/worksheets/sheet1.xml) has cells as far as row 299 and column D, "
        "1,196 cells from A1; at most 1,000 cells are read from an XLSX file: delete the stray "
        "cells, or save it as CSV"
    )
    rows = "".join(f'<row r="{n}">{cell(f"A{n}", "x")}</row>' for n in range(2, 251))
    check_workbook(workbook(tmp_path / "narrow.xlsx", sheet(rows)))


def test_too_many_columns_written_by_a_spreadsheet_program(tmp_path: Path) -> None:
    header = [*CASE_COLUMNS[:4], *(f"note {n}" for n in range(197))]
    path = write_xlsx(tmp_path / "wide.xlsx", header, [])
    assert "as far right as column GS (201 columns)" in refusal(path)
    check_workbook(write_xlsx(tmp_path / "wide.xlsx", header[:200], []))


def test_a_huge_shared_string_count_is_refused(tmp_path: Path) -> None:
    strings = f'<sst xmlns="{NAMESPACE}" count="1" uniqueCount="4000000000"><si><t>x</t></si></sst>'
    path = workbook(tmp_path / "strings.xlsx", sheet(GOOD_ROW), {"xl/sharedStrings.xml": strings})
    assert refusal(path) == (
        "the shared strings (xl/sharedStrings.xml) declare 4,000,000,000 strings; at most "
        "16,000,000 are read from an XLSX file; save it as CSV, which has no such limit"
    )
    ran = run_import(path, tmp_path)
    assert ran.returncode == 1
    assert "Traceback" not in ran.stderr
    assert "backtrace" not in ran.stderr


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(sheet(GOOD_ROW).replace("</worksheet>", "").encode())
            spaces = b" " * (1 << 20)
            for _ in range(1024):
                part.write(spaces)
            part.write(b"</worksheet>")
    assert path.stat().st_size < 5_000_000
    assert refusal(path) == (
        "the workbook unpacks to more than 256 MiB, the most upheld reads from an XLSX file; "
        "save it as CSV, which has no such limit"
    )


def test_the_limit_counts_every_part_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(xlsx, "MAX_UNPACKED_BYTES", 200_000)
    padding = " " * 60_000
    parts = {f"xl/extra{n}.xml": f"<x>{padding}</x>" for n in range(4)}
    assert "unpacks to more than" in refusal(workbook(tmp_path / "b.xlsx", sheet(GOOD_ROW), parts))
    del parts["xl/extra3.xml"]
    check_workbook(workbook(tmp_path / "b.xlsx", sheet(GOOD_ROW), parts))


def patch_sizes(path: Path, part: str, size: int) -> None:
    """Make the zip file declare another unpacked size for a part (its CRC left alone)."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(part)
    local = info.header_offset
    assert data[local + 30 : local + 30 + len(name)] == name
    data[local + 22 : local + 26] = size.to_bytes(4, "little")
    central = data.index(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.index(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = size.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def test_a_part_that_hides_its_size_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "liar.xlsx", sheet(GOOD_ROW * 50))
    patch_sizes(path, "xl/worksheets/sheet1.xml", 100)
    message = refusal(path)
    assert message.startswith("not a readable XLSX spreadsheet (xl/worksheets/sheet1.xml unpacks")
    assert "not the 100 it declares" in message


def test_a_damaged_part_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet(GOOD_ROW))
    data = path.read_bytes()
    path.write_bytes(data.replace(b"Housing", b"Hxusing"))
    assert refusal(path).startswith("not a readable XLSX spreadsheet (Bad CRC-32")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
            "this is an Excel 97-2003 workbook or a password-protected one",
        ),
        (b"not a zip at all", "not a readable XLSX spreadsheet (File is not a zip file)"),
    ],
)
def test_files_that_are_not_xlsx(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    assert refusal(path).startswith(expected)


def test_an_opendocument_spreadsheet_named_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert refusal(path) == (
        "this is not an XLSX workbook (it has no xl/workbook.xml); "
        "save it as XLSX or CSV and try again"
    )


@pytest.mark.parametrize("limit", [1, 2, 9, 10, 11, 99, 100, 101, 615_384, 1_454_545])
def test_the_number_pattern_matches_exactly_one_to_the_limit(limit: int) -> None:
    import re

    pattern = re.compile(xlsx._numbers_up_to(limit))
    probes = {1, 2, 9, 10, 11, 99, 100, 101, limit - 1, limit, limit + 1, limit * 10}
    for number in probes:
        assert (pattern.fullmatch(str(number).encode()) is not None) == (1 <= number <= limit)
    assert pattern.fullmatch(b"0") is None
    assert pattern.fullmatch(b"01") is None


@pytest.mark.parametrize("columns", [1, 11, 26, 27, 52, 53, 200])
def test_the_letter_pattern_matches_exactly_the_first_columns(columns: int) -> None:
    import re

    from upheld.ingest.read import column_letters

    pattern = re.compile(xlsx._letters_up_to(columns))
    for index in range(0, 260):
        expected = index < columns
        assert (pattern.fullmatch(column_letters(index).encode()) is not None) == expected


def test_a_nul_in_a_cell_is_refused_by_line(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    values = ("X2", "E08000002", "2019-05-01", "Hous\x00ing")
    row = '<row r="3">' + "".join(cell(f"{c}3", v) for c, v in zip("ABCD", values, strict=True))
    path = workbook(tmp_path / "nul.xlsx", sheet(GOOD_ROW + row + "</row>"))
    assert problems_of(engine, register, "cases", path) == [
        "nul.xlsx:3: contains a NUL character, which cannot be stored; remove it and try again"
    ]


@pytest.mark.parametrize("split", [0, 5, 12, 17, 25])
def test_a_cell_split_between_two_blocks_is_still_found(tmp_path: Path, split: int) -> None:
    # A '>' inside a quoted attribute must not end the tag, wherever the part is cut in blocks.
    far = '<c t="a>b" r="XFD1048576"><v>1</v></c>'
    before = sheet("").split("<sheetData>")[0] + "<sheetData>"
    padding = " " * ((1 << 20) - len(before) - split)
    rows = f'{padding}<row r="5">{far}</row>'
    path = workbook(tmp_path / "split.xlsx", before + rows + "</sheetData></worksheet>")
    assert "as far right as column XFD" in refusal(path)


def test_a_quoted_greater_than_does_not_hide_a_declared_size(tmp_path: Path) -> None:
    strings = f'<sst xmlns="{NAMESPACE}" x="a>b" uniqueCount="4000000000"><si><t>x</t></si></sst>'
    path = workbook(tmp_path / "strings.xlsx", sheet(GOOD_ROW), {"xl/sharedStrings.xml": strings})
    assert "declare 4,000,000,000 strings" in refusal(path)
    dimension = '<dimension x=">" ref="A1:XFD1048576"/>'
    path = workbook(tmp_path / "dimension.xlsx", sheet(GOOD_ROW, dimension))
    assert "declares its size as A1:XFD1048576" in refusal(path)
