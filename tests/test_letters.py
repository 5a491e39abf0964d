"""Annual review letters, read back from the PDF and the HTML as their readers would."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, cast

import pypdf
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from upheld.cli import cli
from upheld.config import load_settings, load_year
from upheld.core.periods import ReviewYear
from upheld.errors import ConfigError
from upheld.ingest.imports import import_files
from upheld.ingest.kinds import KINDS
from upheld.letters.content import activity_paragraph
from upheld.letters.typeset import Typesetter, write_letters
from upheld.register import Register
from upheld.store import schema
from upheld.store.queries import Activity

YEAR = ReviewYear(2021)
BURY, BOLTON, MANCHESTER = "E08000002", "E08000001", "E08000003"
ADUR, NORTHAMPTON = "E07000223", "E07000154"

YEAR_CONFIG = """
[letter]
date = 2022-07-20
signatory = "Alex Example"
signatory_title = "Local Government Ombudsman"
show_upheld_per_100k = true

[publication]
date = 2022-07-27
time = 10:00:00

[narrative]
opening = \"\"\"
I write with **{council}**'s annual review for {year}, the period {period}.
\"\"\"
closing = \"\"\"
We will publish on {publication_date} at {publication_time}. Thank you, {council_short}.
\"\"\"
"""


def load(engine: Engine, register: Register, kind: str, path: Path) -> None:
    import_files(engine, KINDS[kind], [path], register)


@pytest.fixture
def review(engine: Engine, register: Register, tmp_path: Path) -> tuple[Engine, Path]:
    """A 2021-22 review: Bury among metropolitan boroughs, a quiet district, an abolished one."""
    rows = case_rows(BURY, {"upheld": 11, "not_upheld": 11}, year=2021, remedies=2)
    rows += case_rows(BOLTON, {"upheld": 6, "not_upheld": 2}, year=2021)
    rows += case_rows(MANCHESTER, {"upheld": 1, "not_upheld": 3}, year=2021, remedies=1)
    rows += case_rows(ADUR, {"advice_given": 2, "referred_back_for_local_resolution": 1}, year=2021)
    rows += [
        (f"N{n}", NORTHAMPTON, "2021-01-10", "Housing", "2021-06-01", outcome, "no")
        for n, outcome in enumerate(["upheld", "upheld", "not_upheld"])
    ]
    load(engine, register, "cases", write_csv(tmp_path / "cases.csv", CASE_COLUMNS, rows))
    bury_upheld = [r[0] for r in rows if r[1] == BURY and r[5] == "upheld"][:5]
    bolton_upheld = [r[0] for r in rows if r[1] == BOLTON and r[5] == "upheld"][:2]
    compliance = [(ref, "2022-01-10", "complied") for ref in bury_upheld]
    compliance += [
        (bolton_upheld[0], "2022-01-10", "complied"),
        (bolton_upheld[1], "2022-01-11", "not_complied"),
    ]
    load(
        engine,
        register,
        "compliance",
        write_csv(tmp_path / "compliance.csv", ("reference", "assessed", "outcome"), compliance),
    )
    contacts = [
        (BURY, "chief_executive", "Jane Smith", "ceo@bury.example", "Ms"),
        (BURY, "link_officer", "Sam Link", "link@bury.example", ""),
    ]
    load(
        engine,
        register,
        "contacts",
        write_csv(
            tmp_path / "contacts.csv", ("authority", "role", "name", "email", "title"), contacts
        ),
    )
    events = [
        ("2021-05-10", "course", "Good complaint handling", "Online", "12", BURY),
        ("2021-06-10", "course", "Good complaint handling", "Leeds", "15", ""),
        ("2021-09-10", "seminar", "Learning from complaints", "Online", "40", ""),
        ("2020-09-10", "course", "Good complaint handling", "Online", "10", ""),
    ]
    load(
        engine,
        register,
        "events",
        write_csv(
            tmp_path / "events.csv",
            ("date", "kind", "title", "location", "attendees", "authorities"),
            events,
        ),
    )
    config = tmp_path / "config"
    config.mkdir()
    (config / "2021-22.toml").write_text(YEAR_CONFIG, encoding="utf-8")
    return engine, config


def generate(
    engine: Engine, register: Register, config: Path, out: Path, codes: list[str]
) -> dict[str, dict[str, str]]:
    """Write the letters; return each council's PDF text and HTML text."""
    write_letters(engine, register, load_settings(config), load_year(config, YEAR), codes, out)
    texts = {}
    for code in codes:
        pdf = pypdf.PdfReader(out / f"{code}-2021-22.pdf")
        pdf_text = " ".join(page.extract_text() for page in pdf.pages)
        html = _visible_text((out / f"{code}-2021-22.html").read_text(encoding="utf-8"))
        texts[code] = {"pdf": " ".join(pdf_text.split()), "html": " ".join(html.split())}
    return texts


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "svg", "title"):
            self._hidden += 1
        if tag in ("br", "p", "li", "td", "th", "h1", "h2", "h3", "div", "caption", "address"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "svg", "title"):
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "".join(parser.parts)


BURY_SENTENCES = [
    "Annual Review letter 2022",
    "20 July 2022",
    "By email",
    "Ms Jane Smith",
    "Chief Executive",
    "Dear Ms Smith",
    "I write with Bury Metropolitan Borough Council's annual review for 2021-22, the period "
    "1 April 2021 to 31 March 2022.",
    "We upheld 50% of the complaints we investigated in detail: 11 upheld decisions from 22 "
    "detailed investigations.",
    "The average of similar authorities (metropolitan boroughs) was 50%.",
    "We recorded 5 compliance outcomes this year. The council complied with our recommendations "
    "in 100% of cases (5 of 5).",
    "The average of similar authorities (metropolitan boroughs) was 75%.",
    "In 18% of upheld cases the council had already provided a satisfactory remedy before the "
    "complaint reached us: 2 of 11 upheld decisions.",
    "The average of similar authorities (metropolitan boroughs) was 39%.",
    "We upheld 5.7 complaints for every 100,000 residents: 11 upheld decisions for a population "
    "of 193,851 (Census 2021).",
    "The average of similar authorities (metropolitan boroughs) was 0.2.",
    "During the year we delivered 2 training courses to 27 delegates "
    "(1 more than the year before). "
    "We held 1 seminar online, attended by 40 people (1 more than the year before). "
    "Staff from 1 council took part in our courses and seminars. "
    "Staff from your council took part in 1 of them.",
    "on 27 July 2022 at 10:00",
    "We will publish on 27 July 2022 at 10:00. Thank you, Bury.",
    "Yours sincerely,",
    "Alex Example",
]


def test_bury_letter_says_every_figure(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    texts = generate(engine, register, config, tmp_path / "out", [BURY])[BURY]
    for form in ("pdf", "html"):
        for sentence in BURY_SENTENCES:
            assert sentence in texts[form], (form, sentence)
    assert "Page 1 of" in texts["pdf"]
    html = texts["html"]
    # Tables: 22 received in Housing, 22 decided (11 + 11).
    assert "Housing 22" in html
    assert "Upheld 11" in html
    assert "Not upheld 11" in html


def test_quiet_district_and_abolished_council(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    texts = generate(engine, register, config, tmp_path / "out", [ADUR, NORTHAMPTON])
    adur = texts[ADUR]
    for form in ("pdf", "html"):
        text = adur[form]
        assert "The Chief Executive Adur District Council" in text
        assert "Dear Chief Executive" in text
        assert (
            "We did not investigate any complaints about the council in detail this year." in text
        )
        assert "No recommendations were due for compliance in this period." in text
        assert "We did not uphold any complaints, so there were no remedies to assess." in text
        assert "n/a" in text
    northampton = texts[NORTHAMPTON]
    for form in ("pdf", "html"):
        text = northampton[form]
        assert "2 upheld decisions from 3 detailed investigations" in text
        # Addressed to the council that took over, saying why once, with no charts of one bar.
        assert "The Chief Executive West Northamptonshire Council" in text
        assert (
            "Northampton Borough Council was abolished on 31 March 2021, and West "
            "Northamptonshire Council took over its responsibilities. This letter sets out the "
            "complaints about Northampton that we decided in the period 1 April 2021 to 31 March "
            "2022; we are sending it to you as the chief executive of West Northamptonshire "
            "Council. As Northampton no longer existed during the year, its figures are not "
            "compared with similar authorities." in text
        )
        assert text.count("no longer existed") == 1
        assert "The average of similar authorities" not in text
        assert "each compared with the average of similar authorities" not in text
        assert "We do not have a population figure for the council for this year." in text
    html = (tmp_path / "out" / f"{NORTHAMPTON}-2021-22.html").read_text(encoding="utf-8")
    assert "<svg" not in html


def test_one_upheld_decision_is_singular(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    text = generate(engine, register, config, tmp_path / "out", [MANCHESTER])[MANCHESTER]["html"]
    assert "1 upheld decision from 4 detailed investigations" in text
    assert "1 of 1 upheld decision." in text


def test_no_stray_values_in_any_letter(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    codes = [BURY, BOLTON, MANCHESTER, ADUR, NORTHAMPTON]
    for code, texts in generate(engine, register, config, tmp_path / "out", codes).items():
        for form, text in texts.items():
            for stray in ("None", "{", "}", "null", "nan", " ,", "()"):
                assert stray not in text, (code, form, stray)


def test_letters_say_whether_a_difference_is_more_than_chance(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    texts = generate(engine, register, config, tmp_path / "plain", [BURY, MANCHESTER])
    for form in ("pdf", "html"):
        bury = texts[BURY][form]
        # 11 of 22 against an average of 50%: in line, and said so, never "higher".
        assert (
            "The average of similar authorities (metropolitan boroughs) was 50%. This is in line "
            "with similar authorities, given the number of cases." in bury
        )
        # Upheld per 100,000: 11 upheld where the average expects under one.
        assert (
            "was 0.2. This is much higher than similar authorities, well beyond what chance "
            "would explain." in bury
        )
        # 1 of 4 upheld: too few to say anything about.
        manchester = texts[MANCHESTER][form]
        assert (
            "was 50%. This is based on too few cases to compare with similar authorities."
            in manchester
        )
        assert "lower than similar authorities" not in manchester
        # Intervals only where the year's configuration asks for them.
        assert "likely between" not in bury
        # No figures the year before: nothing to say about change.
        assert "Up from" not in bury
        assert "Down from" not in bury
    year_file = config / "2021-22.toml"
    year_file.write_text(
        year_file.read_text().replace(
            "show_upheld_per_100k = true", "show_upheld_per_100k = true\nshow_intervals = true"
        )
    )
    texts = generate(engine, register, config, tmp_path / "intervals", [BURY])
    for form in ("pdf", "html"):
        assert (
            "50%, likely between 30% and 70%, from 22 detailed investigations."
            in (texts[BURY][form])
        )


def test_pdf_is_a4_tagged_titled_and_reproducible(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    generate(engine, register, config, tmp_path / "a", [BURY])
    generate(engine, register, config, tmp_path / "b", [BURY])
    first = (tmp_path / "a" / f"{BURY}-2021-22.pdf").read_bytes()
    assert first == (tmp_path / "b" / f"{BURY}-2021-22.pdf").read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(first))
    page = reader.pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    assert reader.metadata is not None
    assert reader.metadata.title == "Annual Review letter 2022: Bury Metropolitan Borough Council"
    root = cast(dict[str, Any], reader.trailer["/Root"].get_object())
    assert root["/Lang"] == "en-GB"
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert b"Libertinus" in first  # the font is embedded, not taken from the system


def test_html_letter_is_accessible_and_printable(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    generate(engine, register, config, tmp_path / "out", [BURY])
    html = (tmp_path / "out" / f"{BURY}-2021-22.html").read_text(encoding="utf-8")
    assert '<html lang="en-GB">' in html
    assert "<title>Annual Review letter 2022: Bury Metropolitan Borough Council</title>" in html
    assert html.count("<h1>") == 1
    assert '<th scope="col"' in html
    assert "<caption>" in html
    assert "@media print" in html
    assert html.count('role="img"') == 4
    assert len(re.findall(r"aria-labelledby=\"[^\"]+-title [^\"]+-desc\"", html)) == 4


def test_regenerating_unchanged_letters_rewrites_nothing(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    out = tmp_path / "out"
    settings, year = load_settings(config), load_year(config, YEAR)
    first = write_letters(engine, register, settings, year, [BURY, ADUR], out)
    assert (len(first.written), first.archived) == (4, 4)
    stamps = {p: p.stat().st_mtime_ns for p in out.iterdir()}
    again = write_letters(engine, register, settings, year, [BURY, ADUR], out)
    assert (len(again.written), len(again.unchanged), again.archived) == (0, 4, 0)
    assert {p: p.stat().st_mtime_ns for p in out.iterdir()} == stamps
    changed = (config / "2021-22.toml").read_text().replace("2022-07-20", "2022-07-21")
    (config / "2021-22.toml").write_text(changed)
    third = write_letters(
        engine, register, settings, load_year(config, YEAR), [BURY], out, formats=("pdf",)
    )
    assert (len(third.written), third.archived) == (1, 1)
    with engine.connect() as connection:
        versions = connection.execute(
            select(func.count())
            .select_from(schema.letters)
            .where(schema.letters.c.authority == BURY)
        ).scalar_one()
    assert versions == 3  # pdf twice, html once


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("date = 2022-07-20\n", ""), r"\[letter\] date is missing"),
        (lambda t: t.replace("{council_short}", "{counsil}"), r"unknown placeholder \{counsil\}"),
        (lambda t: t.replace("[publication]", "[publication"), "not valid TOML"),
        (lambda t: t.replace("2022-07-20", "2022-03-20"), "inside the review year"),
        (lambda t: t.replace("date = 2022-07-27", "date = 2022-07-01"), "before the letter date"),
        (lambda t: t.replace("signatory =", "signatry ="), "unknown key 'signatry'"),
    ],
)
def test_bad_configuration_writes_no_letters(
    review: tuple[Engine, Path],
    tmp_path: Path,
    database_url: str,
    change: object,
    message: str,
) -> None:
    _engine, config = review
    path = config / "2021-22.toml"
    path.write_text(change(path.read_text()))  # type: ignore[operator]
    with pytest.raises(ConfigError, match=message):
        load_year(config, YEAR)
    out = tmp_path / "letters"
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            database_url,
            "--config",
            str(config),
            "letters",
            "--year",
            "2021-22",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 1
    assert re.search(message, result.output)
    assert "2021-22.toml" in result.output
    assert not out.exists()


def test_cli_letters_and_archive_listing(
    review: tuple[Engine, Path], database_url: str, tmp_path: Path
) -> None:
    _engine, config = review
    out = tmp_path / "letters"
    base = ["--db", database_url, "--config", str(config)]
    run = CliRunner().invoke(
        cli, [*base, "letters", "--year", "2021-22", "--authority", "Bury", "--out", str(out)]
    )
    assert run.exit_code == 0, run.output
    assert "1 council, 2021-22: 2 letter files written" in run.output
    assert sorted(p.name for p in out.iterdir()) == [f"{BURY}-2021-22.html", f"{BURY}-2021-22.pdf"]
    listing = CliRunner().invoke(cli, [*base, "letters", "list", "--year", "2021-22"])
    assert listing.exit_code == 0
    assert BURY in listing.output
    assert "2 archived letters." in listing.output
    shown = CliRunner().invoke(cli, [*base, "config", "show", "--year", "2021-22"])
    assert shown.exit_code == 0
    assert "published at 2022-07-27T10:00:00+01:00 (UK time)" in shown.output


def test_one_typesetter_sets_many_letters_each_as_if_alone(
    review: tuple[Engine, Path], register: Register
) -> None:
    from upheld.core.periods import ReviewYear
    from upheld.letters.content import letter
    from upheld.store.queries import activity, all_contacts, year_figures

    engine, config = review
    settings, year_config = load_settings(config), load_year(config, YEAR)
    with engine.connect() as connection:
        figures = year_figures(connection, register, YEAR)
        contacts = all_contacts(connection)
        now, before = activity(connection, YEAR), activity(connection, ReviewYear(2020))
    data = {
        code: letter(register[code], figures, contacts, now, before, settings, year_config)
        for code in (BURY, BOLTON)
    }
    shared = Typesetter()
    together = [shared.pdf(data[BURY]), shared.pdf(data[BOLTON]), shared.pdf(data[BURY])]
    shared.close()
    alone = {}
    for code in (BURY, BOLTON):
        fresh = Typesetter()
        alone[code] = fresh.pdf(data[code])
        fresh.close()
    assert together == [alone[BURY], alone[BOLTON], alone[BURY]]
    assert alone[BURY] != alone[BOLTON]
    assert "Bury" in " ".join(
        p.extract_text() for p in pypdf.PdfReader(io.BytesIO(together[0])).pages
    )


def test_a_letter_quotes_the_year_before_only_once_it_was_published(tmp_path: Path) -> None:
    from upheld.letters.typeset import previous_is_public

    config = tmp_path / "config"
    config.mkdir()
    (config / "2021-22.toml").write_text(YEAR_CONFIG, encoding="utf-8")
    this_year = load_year(config, YEAR)
    # No 2020-21 configuration: that year was never published, so its figures are not quoted.
    assert previous_is_public(this_year) is False
    before = YEAR_CONFIG.replace("2022-07-20", "2021-07-20").replace("2022-07-27", "2021-07-27")
    (config / "2020-21.toml").write_text(before, encoding="utf-8")
    assert previous_is_public(this_year) is True
    # Published only after this year's letters are dated: not yet public when they go out.
    late = YEAR_CONFIG.replace("2022-07-20", "2022-07-20").replace("2022-07-27", "2022-08-30")
    (config / "2020-21.toml").write_text(late, encoding="utf-8")
    assert previous_is_public(this_year) is False


@pytest.mark.parametrize(
    ("name", "title", "written", "first_line", "greeting"),
    [
        ("Scott Logan CBE", "Mr", None, "Mr Scott Logan CBE", "Dear Mr Logan"),
        ("Ann de la Cruz", "Ms", None, "Ms Ann de la Cruz", "Dear Ms de la Cruz"),
        ("Dr Angela Hutchings", "Dr", None, "Dr Angela Hutchings", "Dear Dr Hutchings"),
        ("Sam Okafor", None, "Dear Sam", "Sam Okafor", "Dear Sam"),
        ("Dr", None, None, "Dr", "Dear Chief Executive"),
    ],
)
def test_a_letter_greets_a_chief_executive_by_name(
    name: str, title: str | None, written: str | None, first_line: str, greeting: str
) -> None:
    from upheld.letters.content import addressee
    from upheld.register import Council

    council = Council(BURY, "Bury Metropolitan Borough Council", "Bury", "metropolitan")
    chief = {"name": name, "title": title, "email": "ceo@bury.example", "salutation": written}
    to = addressee(council, {"chief_executive": chief})
    assert to["lines"][0] == first_line
    assert to["salutation"] == greeting


def test_a_salutation_imported_with_the_contacts_is_used_as_written(
    engine: Engine, register: Register, tmp_path: Path
) -> None:
    from upheld.store.queries import all_contacts

    path = write_csv(
        tmp_path / "contacts.csv",
        ("authority", "role", "name", "email", "title", "salutation"),
        [(BURY, "chief_executive", "Ann de la Cruz", "ceo@bury.example", "Ms", "Ms de la Cruz")],
    )
    load(engine, register, "contacts", path)
    with engine.connect() as connection:
        chief = all_contacts(connection)[BURY]["chief_executive"]
    assert chief["salutation"] == "Ms de la Cruz"


def _activity(
    courses: int = 0,
    delegates: int = 0,
    seminars: int = 0,
    people: int = 0,
    councils: dict[str, int] | None = None,
    places: tuple[str, ...] = (),
) -> Activity:
    return Activity(courses, delegates, seminars, people, councils or {}, places)


@pytest.mark.parametrize(
    ("now", "before", "said"),
    [
        (
            _activity(),
            None,
            "We did not run any training courses or seminars for councils this year.",
        ),
        (
            _activity(),
            _activity(courses=3, seminars=1),
            "We did not run any training courses or seminars for councils this year "
            "(the year before, we ran 3 courses and 1 seminar).",
        ),
        (
            _activity(courses=1, delegates=1),
            _activity(courses=1),
            "During the year we delivered 1 training course to 1 delegate "
            "(the same number of courses as the year before). "
            "We did not hold any seminars this year.",
        ),
        (
            _activity(
                seminars=3,
                people=1_250,
                councils={"E1": 2, "E2": 1},
                places=("Leeds", "Online", "Bristol"),
            ),
            None,
            "We did not deliver any training courses this year. We held 3 seminars in Leeds, "
            "Bristol and online, attended by 1,250 people. Staff from 2 councils took part in "
            "our courses and seminars. Staff from your council took part in 2 of them.",
        ),
    ],
)
def test_activity_paragraph_reads_naturally(
    now: Activity, before: Activity | None, said: str
) -> None:
    assert activity_paragraph("E1", now, before) == said
