"""Letters as Word documents: the same letter data as the PDF and the HTML page, for staff who
review letters in Word with tracked changes.
"""

from __future__ import annotations

import base64
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from io import BytesIO
from itertools import groupby
from typing import Any

from docx import Document
from docx.document import Document as WordDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

_ACCENT = RGBColor(0x1D, 0x4F, 0x91)
_QUIET = RGBColor(0x50, 0x5A, 0x5F)

_PAGE_WIDTH = Mm(210)
_PAGE_HEIGHT = Mm(297)
_SIDE_MARGIN = Cm(2.4)
_TEXT_WIDTH = Length(_PAGE_WIDTH - 2 * _SIDE_MARGIN)

# A narrative's own headings sit below the letter's: Heading 1 is the subject, Heading 2 a section.
_NARRATIVE_HEADING = {1: "Heading 2", 2: "Heading 3", 3: "Heading 4"}


def docx(letter: Mapping[str, Any]) -> bytes:
    """The letter as a reproducible A4 Word document with real headings, tables and links."""
    written = _date(letter)
    document = Document()
    _set_up(document, letter, written)
    _letterhead(document, letter["organisation"], letter.get("logo"))

    dated = document.add_paragraph(_text(letter["date"]))
    dated.add_run().add_break()
    dated.add_run(_text(letter["delivery"])).bold = True
    _lines(document.add_paragraph(), _texts(letter["addressee"]))
    document.add_paragraph(_text(letter["salutation"]))

    document.add_heading(_text(letter["subject"]), level=1)
    document.add_paragraph().add_run(_text(letter["embargo"])).bold = True
    if letter.get("notice"):
        document.add_paragraph(_text(letter["notice"]))
    _blocks(document, letter["opening"])
    extra: Mapping[str, Any] = letter.get("extra") or {}
    _sections(document, extra.get("after_opening"))

    document.add_heading("Complaint statistics", level=2)
    document.add_paragraph(_text(letter["statistics_intro"]))
    for statistic in letter["statistics"]:
        _statistic(document, statistic)

    document.add_heading("Complaints and decisions in detail", level=2)
    _table(document, letter["received"])
    _table(document, letter["decisions"])
    _sections(document, extra.get("after_statistics"))

    document.add_heading("Supporting councils to improve", level=2)
    document.add_paragraph(_text(letter["activity"]))
    _sections(document, extra.get("before_closing"))
    _blocks(document, letter["closing"])

    _signature(document, letter)

    package = BytesIO()
    document.save(package)
    return _reproducible(package.getvalue(), written)


def _text(value: Any) -> str:
    """A value from the letter data as text."""
    return "" if value is None else str(value)


def _texts(values: Iterable[Any]) -> list[str]:
    """A list from the letter data as a list of texts."""
    return [_text(value) for value in values]


def _date(letter: Mapping[str, Any]) -> date:
    """The day the letter is dated."""
    return date.fromisoformat(_text(letter["date_iso"]))


def _set_up(document: WordDocument, letter: Mapping[str, Any], written: date) -> None:
    """Page, language, styles, footer and document properties."""
    language = _text(letter.get("language") or "en-GB")
    section = document.sections[0]
    section.page_width = _PAGE_WIDTH
    section.page_height = _PAGE_HEIGHT
    section.top_margin = Cm(2)
    section.bottom_margin = Cm(2.4)
    section.left_margin = _SIDE_MARGIN
    section.right_margin = _SIDE_MARGIN

    defaults = document.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr")[0]
    lang = defaults.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        defaults.append(lang)
    lang.set(qn("w:val"), language)
    for theme in document.settings.element.xpath("w:themeFontLang"):
        theme.set(qn("w:val"), language)

    styles = document.styles
    hyperlink = styles.add_style("Hyperlink", WD_STYLE_TYPE.CHARACTER, builtin=True)
    hyperlink.base_style = styles["Default Paragraph Font"]
    hyperlink.font.color.rgb = _ACCENT
    hyperlink.font.underline = True
    hyperlink.priority = 99
    hyperlink.unhide_when_used = True

    footer_style = styles["Footer"]
    footer_style.font.size = Pt(8.5)
    footer_style.font.color.rgb = _QUIET
    # The template's footer tab stops are for US Letter; one right-aligned stop fits A4.
    tab_stops = footer_style.paragraph_format.tab_stops
    tab_stops.clear_all()
    tab_stops.add_tab_stop(_TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)

    footer = section.footer.paragraphs[0]
    footer.text = f"{_text(letter['subject'])}: {_text(letter['council'])}\tPage "
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")

    stamp = datetime.combine(written, time(), UTC)
    organisation = _text(letter["organisation"]["name"])
    properties = document.core_properties
    properties.title = _text(letter["title"])
    properties.subject = _text(letter["subject"])
    properties.author = organisation
    properties.last_modified_by = organisation
    properties.language = language
    properties.comments = ""
    properties.created = stamp
    properties.modified = stamp
    properties.revision = 1


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A Word field, such as PAGE, whose value Word fills in as it lays out the pages."""
    begin = paragraph.add_run()
    begin._r.append(OxmlElement("w:fldChar", attrs={qn("w:fldCharType"): "begin"}))
    code = OxmlElement("w:instrText", attrs={qn("xml:space"): "preserve"})
    code.text = f" {instruction} "
    paragraph.add_run()._r.append(code)
    separate = paragraph.add_run()
    separate._r.append(OxmlElement("w:fldChar", attrs={qn("w:fldCharType"): "separate"}))
    paragraph.add_run("1")
    end = paragraph.add_run()
    end._r.append(OxmlElement("w:fldChar", attrs={qn("w:fldCharType"): "end"}))


def _letterhead(
    document: WordDocument, organisation: Mapping[str, Any], logo: Mapping[str, Any] | None
) -> None:
    """The organisation's logo, name, address and website."""
    if logo:
        _image(document.add_paragraph(), logo, Cm(1.8))
    name = document.add_paragraph().add_run(_text(organisation["name"]))
    name.bold = True
    name.font.size = Pt(15)
    name.font.color.rgb = _ACCENT

    address = document.add_paragraph()
    _rule_below(address)
    address.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for line in _texts(organisation["address"]):
        _quiet(address.add_run(line)).add_break()
    website = _text(organisation["website"])
    link = address.add_run(website)
    link.font.size = Pt(9)
    _hyperlink(address, website, [link])


def _quiet(run: Run) -> Run:
    """A run in the letterhead's small grey type."""
    run.font.size = Pt(9)
    run.font.color.rgb = _QUIET
    return run


def _rule_below(paragraph: Paragraph) -> None:
    """A line under the paragraph, as under the PDF's letterhead."""
    border = OxmlElement("w:pBdr")
    border.append(
        OxmlElement(
            "w:bottom",
            attrs={
                qn("w:val"): "single",
                qn("w:sz"): "6",
                qn("w:space"): "4",
                qn("w:color"): "1D4F91",
            },
        )
    )
    properties = paragraph._p.get_or_add_pPr()
    properties.insert_element_before(border, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc")


def _lines(paragraph: Paragraph, lines: Sequence[str]) -> None:
    """Lines of text in one paragraph, broken as the PDF breaks them."""
    for number, line in enumerate(lines):
        run = paragraph.add_run(line)
        if number < len(lines) - 1:
            run.add_break()


def _runs(paragraph: Paragraph, runs: Iterable[Mapping[str, Any]]) -> None:
    """A narrative's runs of text: bold, italic and links as the data says."""
    for href, group in groupby(runs, key=lambda run: run.get("href")):
        added = []
        for spec in group:
            run = paragraph.add_run(_text(spec["text"]))
            if spec.get("strong"):
                run.bold = True
            if spec.get("em"):
                run.italic = True
            added.append(run)
        if href:
            _hyperlink(paragraph, _text(href), added)


def _hyperlink(paragraph: Paragraph, target: str, runs: Sequence[Run]) -> None:
    """Wrap runs already in the paragraph in a link to an external address."""
    relationship = paragraph.part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink", attrs={qn("r:id"): relationship, qn("w:history"): "1"})
    runs[0]._r.addprevious(link)
    for run in runs:
        run.style = "Hyperlink"
        link.append(run._r)


def _blocks(document: WordDocument, blocks: Iterable[Mapping[str, Any]]) -> None:
    """Narrative paragraphs, bulleted lists and headings."""
    for block in blocks:
        kind = block["kind"]
        if kind == "list":
            for item in block["items"]:
                _runs(document.add_paragraph(style="List Bullet"), item)
        elif kind == "heading":
            style = _NARRATIVE_HEADING[int(block["level"])]
            _runs(document.add_paragraph(style=style), block["runs"])
        else:
            _runs(document.add_paragraph(), block["runs"])


def _sections(document: WordDocument, sections: Iterable[Mapping[str, Any]] | None) -> None:
    """Council-specific sections, each with an optional heading."""
    for section in sections or ():
        if section.get("heading"):
            document.add_heading(_text(section["heading"]), level=2)
        _blocks(document, section["blocks"])


def _statistic(document: WordDocument, statistic: Mapping[str, Any]) -> None:
    """One statistic: its heading, what it means, its value and what to make of it."""
    document.add_heading(_text(statistic["heading"]), level=3)
    meaning = document.add_paragraph()
    meaning.paragraph_format.keep_with_next = True
    words = meaning.add_run(_text(statistic["meaning"]))
    words.italic = True
    words.font.color.rgb = _QUIET

    value = document.add_paragraph()
    value.paragraph_format.keep_with_next = True
    figure = value.add_run(_text(statistic["value"]))
    figure.bold = True
    figure.font.size = Pt(20)
    figure.font.color.rgb = _ACCENT

    parts = [statistic.get(key) for key in ("basis", "sure", "comparison", "change")]
    document.add_paragraph(" ".join(_text(part) for part in parts if part))
    # Word cannot show SVG portably, so the chart is told in words.
    if statistic.get("chart") is not None:
        document.add_paragraph().add_run(_text(statistic["chart_alt"])).italic = True


def _table(document: WordDocument, spec: Mapping[str, Any]) -> None:
    """A table of counts: a caption above, a repeating header row, a bold total row."""
    caption = _text(spec["caption"])
    document.add_paragraph(caption, style="Caption").paragraph_format.keep_with_next = True
    header = _texts(spec["header"])
    body = [_texts(row) for row in spec["rows"]]
    total = _texts(spec["total"])
    table = document.add_table(rows=len(body) + 2, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    table._tbl.tblPr.append(OxmlElement("w:tblCaption", attrs={qn("w:val"): caption}))
    rows = list(table.rows)
    rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for row, cells in zip(rows, [header, *body, total], strict=True):
        bold = row is rows[0] or row is rows[-1]
        for number, (cell, text) in enumerate(zip(row.cells, cells, strict=True)):
            paragraph = cell.paragraphs[0]
            written = paragraph.add_run(text)
            if bold:
                written.bold = True
            paragraph.paragraph_format.space_after = Pt(0)
            if number == len(cells) - 1:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT


def _signature(document: WordDocument, letter: Mapping[str, Any]) -> None:
    """The sign-off, the signature if there is one, and who signs."""
    sign_off = document.add_paragraph(_text(letter["sign_off"]))
    sign_off.paragraph_format.keep_with_next = True
    signature = letter.get("signature")
    if signature:
        picture = document.add_paragraph()
        picture.paragraph_format.keep_with_next = True
        _image(picture, signature, Cm(1.5))
    signatory = document.add_paragraph()
    signatory.add_run(_text(letter["signatory"])).bold = True
    signatory.add_run().add_break()
    signatory.add_run(_text(letter["signatory_title"]))


def _image(paragraph: Paragraph, image: Mapping[str, Any], height: Length) -> None:
    """A PNG or JPEG from the letter data, at the given height unless too wide for the page."""
    data = base64.b64decode(_text(image["base64"]), validate=True)
    shape = paragraph.add_run().add_picture(BytesIO(data), height=height)
    if shape.width > _TEXT_WIDTH:
        shape.height = Length(shape.height * _TEXT_WIDTH // shape.width)
        shape.width = _TEXT_WIDTH
    shape._inline.docPr.set("descr", _text(image.get("alt")))


def _reproducible(package: bytes, written: date) -> bytes:
    """The package rewritten with every entry stamped with the letter's date, in a fixed order."""
    stamp = (written.year, written.month, written.day, 0, 0, 0)
    source = zipfile.ZipFile(BytesIO(package))
    names = sorted(source.namelist(), key=lambda name: (name != "[Content_Types].xml", name))
    result = BytesIO()
    with source, zipfile.ZipFile(result, "w") as target:
        for name in names:
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            # ZipInfo otherwise records the platform it was made on.
            entry.create_system = 0
            entry.external_attr = 0
            target.writestr(entry, source.read(name))
    return result.getvalue()
