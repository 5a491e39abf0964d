"""The paragraphs a letter adds for one council: those its data calls for (public reports,
non-compliance, service improvements, the councils it took over from), each switched on or off in
the year's `[paragraphs]`, and the council's own hand-written paragraphs from
`paragraphs/<year>/<code>.md` in the configuration folder, placed where `[paragraphs] own` says.

A section is `{"heading": str | None, "blocks": [...]}`, with blocks as `prose.blocks` makes them,
so every renderer draws them as it draws the year's narrative.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from upheld.config import COUNCIL_TEXT_FOLDER, PLACES, YearConfig, check_placeholders
from upheld.core.figures import YearFigures
from upheld.core.wording import and_list, long_date, plural
from upheld.errors import ConfigError
from upheld.letters import prose
from upheld.register import Council, Register
from upheld.store.queries import CaseRecords, Improvement

Section = dict[str, Any]

OWN_TEXT_BYTES = 64 * 1024
"""The most a council's own paragraphs may be: a page or two of a letter, with room to spare."""
LISTED = 10
"""The most cases or improvements a paragraph lists one by one; more are counted."""


def _paragraph(*runs: str | tuple[str, str | None]) -> prose.Block:
    """A paragraph of plain runs; a (text, href) pair is a link."""
    made = []
    for run in runs:
        text, href = run if isinstance(run, tuple) else (run, None)
        made.append({"text": text, "strong": False, "em": False, "href": href})
    return {"kind": "paragraph", "runs": made}


def _items(lines: list[list[str | tuple[str, str | None]]]) -> prose.Block:
    items = [_paragraph(*line)["runs"] for line in lines]
    return {"kind": "list", "items": items}


def _reference(reference: str) -> str:
    # "23 024 866" kept on one line.
    return reference.replace(" ", "\u00a0")


def _references(references: list[str]) -> str:
    shown = [_reference(r) for r in references[:LISTED]]
    more = len(references) - len(shown)
    return and_list([*shown, f"{more:,} more"] if more else shown)


def reports_section(records: CaseRecords) -> Section | None:
    """The public reports we issued about the council in the year, with their dates and links."""
    if not records.reports:
        return None
    count = len(records.reports)
    lines: list[list[str | tuple[str, str | None]]] = []
    for report in records.reports:
        kind = "further report" if report.kind == "further" else "public interest report"
        title: str | tuple[str, str | None] = (
            (report.title, report.url) if report.url else report.title
        )
        lines.append(
            [
                title,
                f": a {kind}, issued on {long_date(report.issued)} (our reference "
                f"{_reference(report.reference)}).",
            ]
        )
    return {
        "heading": "Public reports",
        "blocks": [
            _paragraph(
                f"This year we issued {plural(count, 'public report')} about the council:"
                if count > 1
                else "This year we issued a public report about the council:"
            ),
            _items(lines),
            _paragraph(
                "The council must consider each report formally and tell us, within three months, "
                "what it has done or will do in response."
            ),
        ],
    }


def compliance_section(records: CaseRecords) -> Section | None:
    """The cases in which the council did not comply with our recommendations, with the advice
    that its members look at them."""
    refused = records.not_complied
    if not refused:
        return None
    cases = "one case" if len(refused) == 1 else plural(len(refused), "case")
    return {
        "heading": "Recommendations not complied with",
        "blocks": [
            _paragraph(
                f"In {cases} this year the council did not do what we recommended to put things "
                f"right (our {'reference' if len(refused) == 1 else 'references'} "
                f"{_references(refused)})."
            ),
            _paragraph(
                "Not complying with our recommendations is rare, and it leaves people without the "
                "remedy we found they were owed. We ask that the council's members, through its "
                "scrutiny arrangements, look at "
                f"{'this case' if len(refused) == 1 else 'these cases'}: why the council did not "
                "comply, and what it will do now."
            ),
        ],
    }


def _improvement(improvement: Improvement) -> list[str | tuple[str, str | None]]:
    description = improvement.description.rstrip(". ")
    return [
        f"{description} (agreed on {long_date(improvement.agreed)}, our reference "
        f"{_reference(improvement.reference)})."
    ]


def improvements_section(records: CaseRecords) -> Section | None:
    """The service improvements the council agreed in the year, and any that are overdue."""
    agreed, overdue = records.agreed, records.overdue
    if not agreed and not overdue:
        return None
    blocks: list[prose.Block] = []
    if agreed:
        done = sum(1 for i in agreed if i.status == "completed")
        said = (
            "As a result of our investigations, the council agreed to make "
            f"{plural(len(agreed), 'improvement')} to its services this year"
        )
        if done == len(agreed):
            said += ", and has completed " + ("it" if done == 1 else "all of them")
        elif done:
            said += f", and has completed {done:,} of them"
        blocks.append(_paragraph(said + "."))
    else:
        blocks.append(
            _paragraph("The council did not agree any new improvements to its services this year.")
        )
    if overdue:
        shown = overdue[:LISTED]
        more = len(overdue) - len(shown)
        intro = (
            "One improvement the council agreed is overdue:"
            if len(overdue) == 1
            else f"{plural(len(overdue), 'improvement')} the council agreed are overdue"
            + (f"; the {len(shown)} agreed first are:" if more else ":")
        )
        blocks.append(_paragraph(intro))
        blocks.append(_items([_improvement(i) for i in shown]))
        blocks.append(
            _paragraph(
                "Please make sure the council completes "
                f"{'it' if len(overdue) == 1 else 'them'} and tells us when it has done so."
            )
        )
    return {"heading": "Service improvements", "blocks": blocks}


def predecessors_section(
    council: Council, figures: YearFigures, register: Register
) -> Section | None:
    """For a council created by reorganisation, the councils it took over from, and where the
    complaints about them are counted."""
    before = register.predecessors(council.code)
    if not before or council.valid_from is None:
        return None
    year = figures.year
    decided = sum(figures.counts[p.code].decided for p in before if p.code in figures.counts)
    recent = council.valid_from >= year.previous().start
    if not recent and not decided:
        return None
    said = (
        f"{council.name} came into being on {long_date(council.valid_from)}, taking over from "
        f"{and_list([p.name for p in before])}. The figures in this letter are for complaints "
        f"about {council.short_name} itself."
    )
    if decided:
        said += (
            f" This year we also decided {plural(decided, 'complaint')} about the former "
            f"{'council' if len(before) == 1 else 'councils'}; we count those against "
            f"{'it' if len(before) == 1 else 'them'}, and publish them on "
            f"{'its' if len(before) == 1 else 'their'} own pages on our website."
        )
    return {"heading": "Your council's predecessors", "blocks": [_paragraph(said)]}


def own_text(config: YearConfig, code: str, values: Mapping[str, str]) -> list[prose.Block]:
    """A council's own hand-written paragraphs for the year, if it has any: Markdown with the
    narrative's placeholders, headings allowed."""
    folder = config.council_texts
    path = folder / f"{code}.md" if folder is not None else None
    if path is None or not path.is_file():
        return []
    text = _read(path)
    check_placeholders(path, "paragraphs", text)
    return prose.blocks(text, values)


def check_own_texts(config: YearConfig, register: Register) -> None:
    """Refuse a year's folder of councils' own paragraphs with a file that is not a council's,
    or that does not read: a misnamed file would otherwise be silently left out."""
    folder = config.council_texts
    if folder is None or not folder.is_dir():
        return
    for found in sorted(folder.iterdir()):
        if found.suffix != ".md" or found.stem not in register:
            raise ConfigError(
                f"{found}: not a council's paragraphs; name each file after a council's code, "
                f"e.g. {COUNCIL_TEXT_FOLDER}/{config.year.label}/E08000002.md"
            )
        check_placeholders(found, "paragraphs", _read(found))


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if len(data) > OWN_TEXT_BYTES:
        raise ConfigError(
            f"{path}: {len(data):,} bytes is too long for a letter's paragraphs (at most "
            f"{OWN_TEXT_BYTES:,})"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start + 1})") from None


def sections(
    council: Council,
    figures: YearFigures,
    register: Register,
    records: CaseRecords,
    config: YearConfig,
    values: Mapping[str, str],
) -> dict[str, list[Section]]:
    """A council's added sections, by where they go in its letter (every place in PLACES)."""
    switched = config.paragraphs
    placed: dict[str, list[Section]] = {place: [] for place in PLACES}
    found = [
        reports_section(records) if switched.reports else None,
        compliance_section(records) if switched.compliance else None,
        improvements_section(records) if switched.improvements else None,
        predecessors_section(council, figures, register) if switched.predecessors else None,
    ]
    placed["after_statistics"] += [s for s in found if s is not None]
    own = own_text(config, council.code, values)
    if own:
        placed[switched.own].append({"heading": None, "blocks": own})
    return placed
