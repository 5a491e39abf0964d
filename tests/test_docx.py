"""The letter as a Word document: the same words in the same order as the PDF and the HTML page,
with real headings, tables, links and images, and the same bytes every time."""

from __future__ import annotations

import base64
import struct
import zipfile
import zlib
from copy import deepcopy
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pytest
from docx import Document
from docx.document import Document as WordDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm
from docx.text.paragraph import Paragraph

from upheld.letters.docx import docx

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10"/></svg>'


def png(width: int, height: int, rgb: tuple[int, int, int]) -> str:
    """A valid PNG of one colour, base64-encoded, made without an imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    data = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return base64.b64encode(data).decode("ascii")


def run(text: str, strong: bool = False, em: bool = False, href: str | None = None) -> Any:
    return {"text": text, "strong": strong, "em": em, "href": href}


def paragraph(*runs: Any) -> dict[str, Any]:
    return {"kind": "paragraph", "runs": list(runs)}


def table(caption: str, header: list[str], rows: list[list[str]], total: list[str]) -> Any:
    return {"caption": caption, "header": header, "rows": rows, "total": total}


def example() -> dict[str, Any]:
    """A letter with every part a letter can have."""
    return {
        "code": "E09000099",
        "council": "London Borough of Example",
        "council_short": "Example",
        "year": "2024-25",
        "language": "en-GB",
        "title": "Annual Review letter 2025: London Borough of Example",
        "subject": "Annual Review letter 2025",
        "organisation": {
            "name": "Local Ombudsman",
            "address": ["1 High Street", "Coventry", "CV1 1AA"],
            "website": "https://ombudsman.example/",
            "phone": "0300 000 0000",
        },
        "logo": {"media_type": "image/png", "base64": png(8, 2, (29, 79, 145)), "alt": "Logo"},
        "date": "16 July 2025",
        "date_iso": "2025-07-16",
        "delivery": "By email",
        "addressee": ["Ms Ada Lovelace", "Chief Executive", "London Borough of Example"],
        "salutation": "Dear Ms Lovelace",
        "embargo": "This letter is embargoed until 10:00 on 23 July 2025.",
        "notice": "The council was abolished on 1 April 2025.",
        "opening": [
            paragraph(
                run("I write with our "),
                run("annual", strong=True),
                run(" summary, "),
                run("see ", em=True, href="https://ombudsman.example/review"),
                run("the review", strong=True, href="https://ombudsman.example/review"),
                run("."),
            ),
            {"kind": "heading", "level": 1, "runs": [run("What changed")]},
            {
                "kind": "list",
                "items": [
                    [run("First point")],
                    [run("Second, "), run("linked", href="https://ombudsman.example/two")],
                ],
            },
            {"kind": "heading", "level": 2, "runs": [run("In more detail")]},
            {"kind": "heading", "level": 3, "runs": [run("Finer detail")]},
        ],
        "statistics_intro": "These are our statistics.",
        "statistics": [
            {
                "name": "upheld",
                "heading": "Complaints upheld",
                "meaning": "How often we found fault.",
                "value": "60%",
                "basis": "We upheld 6 of 10.",
                "sure": "",
                "average": "55%",
                "comparison": "About the average.",
                "change": "",
                "chart": None,
                "chart_alt": "No chart",
            },
            {
                "name": "compliance",
                "heading": "Compliance",
                "meaning": "How often the council did what it agreed.",
                "value": "100%",
                "basis": "All 4 remedies.",
                "sure": "Surely between 40% and 100%.",
                "average": "99%",
                "comparison": "Above the average.",
                "change": "Up from 90%.",
                "chart": SVG,
                "chart_alt": "Bar chart. Compliance: Example 100%; average 99%.",
            },
        ],
        "received": table(
            "Complaints received",
            ["Subject", "Received"],
            [["Housing", "7"], ["Planning", "3"]],
            ["Total", "10"],
        ),
        "decisions": table(
            "Decisions made",
            ["Decision", "Detail", "Count"],
            [["Upheld", "Fault found", "6"], ["Not upheld", "No fault", "4"]],
            ["Total", "", "10"],
        ),
        "extra": {
            "after_opening": [
                {"heading": "Children's services", "blocks": [paragraph(run("After opening."))]}
            ],
            "after_statistics": [{"heading": None, "blocks": [paragraph(run("After tables."))]}],
            "before_closing": [
                {"heading": "Looking ahead", "blocks": [paragraph(run("Before closing."))]}
            ],
        },
        "activity": "We ran 3 courses.",
        "closing": [paragraph(run("Thank you."))],
        "sign_off": "Yours sincerely,",
        "signature": {"media_type": "image/png", "base64": png(3, 1, (0, 0, 0)), "alt": "Sig"},
        "signatory": "Amerdeep Clarke",
        "signatory_title": "Local Government Ombudsman",
    }


def read(document: bytes) -> WordDocument:
    return Document(BytesIO(document))


def paragraphs(document: WordDocument) -> list[tuple[str, str]]:
    """Each body paragraph's style and text, skipping the images' empty paragraphs."""
    return [(p.style.name, p.text) for p in document.paragraphs if p.text and p.style is not None]


def body_order(document: WordDocument) -> list[str]:
    """Paragraph texts and tables (as 'table:<first cell>') in the order of the body."""
    order: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            if item.text:
                order.append(item.text)
        else:
            order.append(f"table:{item.cell(0, 0).text}")
    return order


def test_every_text_in_order_with_its_style() -> None:
    document = read(docx(example()))
    assert paragraphs(document) == [
        ("Normal", "Local Ombudsman"),
        ("Normal", "1 High Street\nCoventry\nCV1 1AA\nhttps://ombudsman.example/"),
        ("Normal", "16 July 2025\nBy email"),
        ("Normal", "Ms Ada Lovelace\nChief Executive\nLondon Borough of Example"),
        ("Normal", "Dear Ms Lovelace"),
        ("Heading 1", "Annual Review letter 2025"),
        ("Normal", "This letter is embargoed until 10:00 on 23 July 2025."),
        ("Normal", "The council was abolished on 1 April 2025."),
        ("Normal", "I write with our annual summary, see the review."),
        ("Heading 2", "What changed"),
        ("List Bullet", "First point"),
        ("List Bullet", "Second, linked"),
        ("Heading 3", "In more detail"),
        ("Heading 4", "Finer detail"),
        ("Heading 2", "Children's services"),
        ("Normal", "After opening."),
        ("Heading 2", "Complaint statistics"),
        ("Normal", "These are our statistics."),
        ("Heading 3", "Complaints upheld"),
        ("Normal", "How often we found fault."),
        ("Normal", "60%"),
        ("Normal", "We upheld 6 of 10. About the average."),
        ("Heading 3", "Compliance"),
        ("Normal", "How often the council did what it agreed."),
        ("Normal", "100%"),
        ("Normal", "All 4 remedies. Surely between 40% and 100%. Above the average. Up from 90%."),
        ("Normal", "Bar chart. Compliance: Example 100%; average 99%."),
        ("Heading 2", "Complaints and decisions in detail"),
        ("Caption", "Complaints received"),
        ("Caption", "Decisions made"),
        ("Normal", "After tables."),
        ("Heading 2", "Supporting councils to improve"),
        ("Normal", "We ran 3 courses."),
        ("Heading 2", "Looking ahead"),
        ("Normal", "Before closing."),
        ("Normal", "Thank you."),
        ("Normal", "Yours sincerely,"),
        ("Normal", "Amerdeep Clarke\nLocal Government Ombudsman"),
    ]
    order = body_order(document)
    assert order.index("Complaints received") + 1 == order.index("table:Subject")
    assert order.index("Decisions made") + 1 == order.index("table:Decision")
    assert order.index("table:Decision") + 1 == order.index("After tables.")


def test_headings_are_outline_levels() -> None:
    document = read(docx(example()))
    levels = {
        p.text: p.style.name
        for p in document.paragraphs
        if p.style is not None and p.style.name.startswith("Heading")
    }
    assert levels["Annual Review letter 2025"] == "Heading 1"
    assert levels["Complaints upheld"] == "Heading 3"
    for paragraph in document.paragraphs:
        if paragraph.style is not None and paragraph.style.name.startswith("Heading"):
            level = int(paragraph.style.name.split()[1])
            outline = paragraph.style.element.xpath("w:pPr/w:outlineLvl/@w:val")
            assert outline == [str(level - 1)], paragraph.text


def test_runs_keep_their_emphasis_and_links_are_real() -> None:
    document = read(docx(example()))
    opening = next(p for p in document.paragraphs if p.text.startswith("I write"))
    assert [(r.text, r.bold, r.italic) for r in opening.runs] == [
        ("I write with our ", None, None),
        ("annual", True, None),
        (" summary, ", None, None),
        (".", None, None),
    ]
    links = opening.hyperlinks
    assert len(links) == 1
    assert links[0].address == "https://ombudsman.example/review"
    assert links[0].text == "see the review"
    assert [(r.text, r.bold, r.italic) for r in links[0].runs] == [
        ("see ", None, True),
        ("the review", True, None),
    ]
    assert all(r.style is not None and r.style.name == "Hyperlink" for r in links[0].runs)
    targets = [link.address for p in document.paragraphs for link in p.hyperlinks if link.address]
    assert targets == [
        "https://ombudsman.example/",
        "https://ombudsman.example/review",
        "https://ombudsman.example/two",
    ]
    relationships = document.part.rels.values()
    external = {r.target_ref for r in relationships if r.is_external}
    assert external == set(targets)


def test_tables_have_header_rows_bold_totals_and_right_aligned_numbers() -> None:
    document = read(docx(example()))
    received, decisions = document.tables
    assert [[c.text for c in row.cells] for row in received.rows] == [
        ["Subject", "Received"],
        ["Housing", "7"],
        ["Planning", "3"],
        ["Total", "10"],
    ]
    assert [[c.text for c in row.cells] for row in decisions.rows] == [
        ["Decision", "Detail", "Count"],
        ["Upheld", "Fault found", "6"],
        ["Not upheld", "No fault", "4"],
        ["Total", "", "10"],
    ]
    for found, caption in ((received, "Complaints received"), (decisions, "Decisions made")):
        rows = list(found.rows)
        repeats = [bool(row._tr.xpath("w:trPr/w:tblHeader")) for row in rows]
        assert repeats == [True] + [False] * (len(rows) - 1)
        assert found._tbl.xpath("w:tblPr/w:tblCaption/@w:val") == [caption]
        for number, row in enumerate(rows):
            bolds = {r.bold for c in row.cells for p in c.paragraphs for r in p.runs}
            expected = {True} if number in (0, len(rows) - 1) else {None}
            assert bolds <= expected, (caption, number)
            aligned = [c.paragraphs[0].alignment for c in row.cells]
            assert aligned[-1] == WD_ALIGN_PARAGRAPH.RIGHT
            assert all(a is None for a in aligned[:-1])


def test_images_are_the_logo_and_signature_and_the_chart_is_words() -> None:
    document = read(docx(example()))
    shapes = list(document.inline_shapes)
    assert len(shapes) == 2
    described = [s._inline.docPr.get("descr") for s in shapes]
    assert described == ["Logo", "Sig"]
    assert shapes[0].height == pytest.approx(18 * 36000, abs=1)
    body = document.element.body
    assert body.xpath("count(.//w:drawing)") == 2
    assert not body.xpath(".//*[local-name()='svg' or local-name()='svgBlip']")
    media = [n for n in zipfile.ZipFile(BytesIO(docx(example()))).namelist() if "media" in n]
    assert len(media) == 2
    chart = next(p for p in document.paragraphs if p.text.startswith("Bar chart"))
    assert [r.italic for r in chart.runs] == [True]
    assert not any(p.text == "No chart" for p in document.paragraphs)
    # The logo comes first, the signature between sign-off and signatory.
    order = [
        "image" if p._p.xpath(".//w:drawing") else p.text
        for p in document.paragraphs
        if p.text or p._p.xpath(".//w:drawing")
    ]
    assert order[0] == "image"
    sign_off = order.index("Yours sincerely,")
    assert order[sign_off + 1 : sign_off + 3] == [
        "image",
        "Amerdeep Clarke\nLocal Government Ombudsman",
    ]


def test_statistic_value_is_large_and_bold_and_meaning_quiet() -> None:
    document = read(docx(example()))
    value = next(p for p in document.paragraphs if p.text == "60%")
    assert value.runs[0].bold is True
    size = value.runs[0].font.size
    assert size is not None
    assert size.pt == 20
    meaning = next(p for p in document.paragraphs if p.text == "How often we found fault.")
    assert meaning.runs[0].italic is True


def test_page_language_properties_and_footer() -> None:
    document = read(docx(example()))
    section = document.sections[0]
    # Word's A4 in twentieths of a point, and the PDF's margins: 2 cm top, 2.4 cm elsewhere.
    size = section._sectPr.xpath("w:pgSz")[0]
    assert (size.get(qn("w:w")), size.get(qn("w:h"))) == ("11906", "16838")
    assert section.page_width == pytest.approx(Mm(210), abs=Mm(0.1))
    assert section.page_height == pytest.approx(Mm(297), abs=Mm(0.1))
    margins = section._sectPr.xpath("w:pgMar")[0]
    assert [margins.get(qn(f"w:{side}")) for side in ("top", "bottom", "left", "right")] == [
        "1134",
        "1361",
        "1361",
        "1361",
    ]
    defaults = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val")
    assert defaults == ["en-GB"]
    properties = document.core_properties
    assert properties.title == "Annual Review letter 2025: London Borough of Example"
    assert properties.author == "Local Ombudsman"
    assert properties.language == "en-GB"
    assert properties.revision == 1
    assert properties.created == properties.modified == datetime(2025, 7, 16, tzinfo=UTC)
    footer = section.footer
    assert not footer.is_linked_to_previous
    line = footer.paragraphs[0]
    assert line.text == "Annual Review letter 2025: London Borough of Example\tPage 1 of 1"
    fields = [str(t) for t in line._p.xpath(".//w:instrText/text()")]
    assert [f.strip() for f in fields] == ["PAGE", "NUMPAGES"]
    kinds = line._p.xpath(".//w:fldChar/@w:fldCharType")
    assert kinds == ["begin", "separate", "end"] * 2


def test_the_same_letter_gives_the_same_bytes() -> None:
    first = docx(example())
    assert docx(example()) == first
    with zipfile.ZipFile(BytesIO(first)) as package:
        entries = package.infolist()
    assert entries[0].filename == "[Content_Types].xml"
    assert {e.date_time for e in entries} == {(2025, 7, 16, 0, 0, 0)}
    later = example()
    later["date_iso"] = "2025-07-17"
    assert docx(later) != first


def test_a_letter_without_the_optional_parts() -> None:
    letter = example()
    for key in ("logo", "signature", "extra", "notice"):
        del letter[key]
    document = read(docx(letter))
    texts = [text for _, text in paragraphs(document)]
    assert len(document.inline_shapes) == 0
    assert texts[0] == "Local Ombudsman"
    assert texts[texts.index("Annual Review letter 2025") + 2].startswith("I write")
    for extra in ("After opening.", "After tables.", "Before closing.", "Looking ahead"):
        assert extra not in texts
    assert texts[-2:] == ["Yours sincerely,", "Amerdeep Clarke\nLocal Government Ombudsman"]

    empty = deepcopy(example())
    empty.update(logo=None, signature=None, extra=None, notice=None)
    assert docx(empty) == docx(letter)
