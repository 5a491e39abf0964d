"""Letters rendered: the same letter data as a PDF (Typst) and as an HTML page (Jinja2), written
to a folder and recorded in the archive.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import typst
from sqlalchemy import Engine

from upheld.config import Settings, YearConfig, load_year
from upheld.core.figures import YearFigures
from upheld.errors import ConfigError, UpheldError
from upheld.letters import archive, content, paragraphs, versions
from upheld.register import Register
from upheld.store import engines
from upheld.store.queries import Activity, activity, all_contacts, case_records, year_figures

Progress = Callable[[str], None]
"""Called with a council code as each letter is finished."""


def css_string(text: str) -> str:
    """Text as a quoted CSS string, every character but letters, digits and spaces escaped, so
    no council's name can end the string or the style sheet (for the printed footer)."""
    escaped = "".join(c if c.isalnum() or c == " " else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


class Typesetter:
    """Turns letter data into PDF and HTML bytes; build one and reuse it for a year's letters."""

    def __init__(self) -> None:
        self._files = ExitStack()
        folder = self._files.enter_context(resources.as_file(resources.files("upheld") / "data"))
        self._typst = typst.Compiler(
            input=str(folder / "letter.typ"), root=str(folder), ignore_system_fonts=True
        )
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(folder / "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
        )
        environment.filters["css_string"] = css_string
        self._html = environment.get_template("letter.html")

    def pdf(self, letter: dict[str, Any]) -> bytes:
        """The letter as an accessible (PDF/UA-1), reproducible A4 PDF."""
        stamp = datetime.combine(datetime.fromisoformat(letter["date_iso"]).date(), time(), UTC)
        # Typst reads no base64, but makes bytes from an array of byte values.
        typeset = dict(letter)
        for key in ("logo", "signature"):
            if letter.get(key):
                octets = list(base64.b64decode(letter[key]["base64"]))
                typeset[key] = {**letter[key], "octets": octets}
        try:
            result = self._typst.compile(
                format="pdf",
                sys_inputs={"letter": json.dumps(typeset)},
                timestamp=stamp,
                pdf_standards=["ua-1"],
            )
        except typst.TypstError as exc:
            raise UpheldError(f"could not typeset the letter for {letter['code']}: {exc}") from None
        assert isinstance(result, bytes)
        return result

    def html(self, letter: dict[str, Any]) -> bytes:
        """The letter as a standalone, printable HTML page."""
        return self._html.render(letter=letter).encode("utf-8")

    def render(self, fmt: str, letter: dict[str, Any]) -> bytes:
        """The letter in one of the archive's formats."""
        if fmt == "pdf":
            return self.pdf(letter)
        if fmt == "html":
            return self.html(letter)
        from upheld.letters.docx import docx

        return docx(letter)

    def close(self) -> None:
        """Release the template files."""
        self._files.close()


@dataclass
class LetterRun:
    """What `upheld letters` did."""

    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    archived: int = 0
    councils: int = 0
    new_versions: int = 0


def file_name(code: str, year_label: str, fmt: str) -> str:
    """A letter's file name: code and year, e.g. E08000002-2023-24.pdf."""
    return f"{code}-{year_label}.{fmt}"


def previous_is_public(config: YearConfig) -> bool:
    """Whether the year before was published by this year's letter date: only then may a letter
    say how a figure changed since."""
    if config.source is None:
        return False
    try:
        before = load_year(config.source.parent, config.year.previous())
    except ConfigError:
        return False
    return before.published_at.date() <= config.letter_date


def write_letters(
    engine: Engine,
    register: Register,
    settings: Settings,
    config: YearConfig,
    codes: Sequence[str],
    out: Path,
    formats: Sequence[str] = ("pdf", "html"),
    progress: Progress | None = None,
    on_wait: Callable[[], None] | None = None,
    reason: str | None = None,
) -> LetterRun:
    """Write each council's letter in each format and archive it as a version: the same version
    when the letter says the same, else a new draft. All or nothing: a council without figures,
    or a change to an approved or sent letter without a reason, stops the run before anything
    is written.

    The archive is written as the database's one writer (`on_wait` is called if another
    command is writing and this one has to wait for it).
    """
    year = config.year
    group = settings.group(config.group)
    if group is None:
        raise ConfigError(
            f"{config.source}: [letter] group {config.group!r} is not a peer group; choose "
            f"{', '.join(settings.group_names)}"
        )
    with engine.connect() as connection:
        figures = year_figures(
            connection,
            register,
            year,
            config.average,
            group,
            settings.statistics.minimum_base,
            previous=previous_is_public(config),
        )
        contacts = all_contacts(connection)
        records = case_records(connection, year)
        now = activity(connection, year)
        before: Activity | None = activity(connection, year.previous())
        if before is not None and before.courses == before.seminars == 0:
            before = None
        newest = versions.current(connection, year.start_year, codes)
    missing = [register[code].name for code in codes if code not in figures.counts]
    if missing:
        raise UpheldError(
            f"no figures for {year.label} for {_listed(missing)}: it did not exist in that year "
            "and had no decisions; nothing was written"
        )
    paragraphs.check_own_texts(config, register)
    letters = {}
    for code in codes:
        council = figures.councils[code]
        letters[code] = content.letter(
            council,
            figures,
            contacts,
            now,
            before,
            settings,
            config,
            register=register,
            records=records.get(code),
        )
    _refuse_unexplained_change(letters, newest, figures, reason)
    # Every letter is typeset before anything is written, so a letter that cannot be (a broken
    # image, say) stops the run with the archive and the folder as they were.
    typesetter = Typesetter()
    documents: dict[str, dict[str, bytes]] = {}
    try:
        for code in codes:
            documents[code] = {fmt: typesetter.render(fmt, letters[code]) for fmt in formats}
            if progress is not None:
                progress(code)
    finally:
        typesetter.close()
    run = LetterRun(councils=len(codes))
    with engines.writing(engine, on_wait) as connection:
        # Another run may have written or approved a version while these were typeset: work
        # from the versions as they stand now that this run is the one writer.
        newest = versions.current(connection, year.start_year, codes)
        _refuse_unexplained_change(letters, newest, figures, reason)
        for code in codes:
            record = content.figures_record(figures, code)
            version = versions.record(
                connection, code, year.start_year, letters[code], record, reason, newest.get(code)
            )
            if version.id != getattr(newest.get(code), "id", None):
                run.new_versions += 1
            for fmt, document in documents[code].items():
                if archive.store(connection, code, year.start_year, fmt, document, version.id):
                    run.archived += 1
    out.mkdir(parents=True, exist_ok=True)
    for code in codes:
        for fmt, document in documents[code].items():
            path = out / file_name(code, year.label, fmt)
            if path.exists() and path.read_bytes() == document:
                run.unchanged.append(path)
            else:
                path.write_bytes(document)
                run.written.append(path)
    return run


def _refuse_unexplained_change(
    letters: Mapping[str, Mapping[str, Any]],
    newest: Mapping[str, versions.Version],
    figures: YearFigures,
    reason: str | None,
) -> None:
    """Stop a run that would change a letter already approved or sent without saying why."""
    changed = [
        figures.councils[code].name
        for code, data in letters.items()
        if code in newest
        and newest[code].released
        and newest[code].data_sha256 != versions.digest(data)
    ]
    if changed and not reason:
        raise UpheldError(
            f"the letters for {_listed(changed)} would change after they were approved or sent; "
            'say why with --reason "..." (it is kept with the new version and, once published, '
            "in the revision log); nothing was written"
        )


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")
