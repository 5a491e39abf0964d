"""Letters that speak to the council: paragraphs its data calls for, its own hand-written
paragraphs, narrative headings, a logo and a signature, the embargo, and an abolished council's
letter addressed to the council that took over."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pypdf
import pytest
from docx import Document
from sqlalchemy import Engine, func, select

from tests import test_letters
from tests.conftest import CASE_COLUMNS, case_rows, write_csv
from tests.test_docx import png
from tests.test_letters import (
    BOLTON,
    BURY,
    NORTHAMPTON,
    YEAR,
    YEAR_CONFIG,
    generate,
    load,
)
from upheld.config import load_settings, load_year
from upheld.errors import ConfigError
from upheld.letters.content import sent_to
from upheld.letters.mail import body
from upheld.letters.typeset import write_letters
from upheld.register import Council, Register
from upheld.store import schema

review = test_letters.review  # the 2021-22 review the letter tests use, as a fixture here too
WEST_NORTHANTS = "E06000062"
PNG = base64.b64decode(png(4, 2, (29, 79, 145)))


def _add_records(engine: Engine, register: Register, tmp_path: Path) -> None:
    """Bolton: two public reports, two improvements agreed in the year (one completed), and one
    agreed the year before and now overdue (its one non-compliance comes with the review)."""
    earlier = case_rows(BOLTON, {"upheld": 1}, year=2020, prefix="20B")
    load(engine, register, "cases", write_csv(tmp_path / "more.csv", CASE_COLUMNS, earlier))
    with engine.connect() as connection:
        upheld = (
            connection.execute(
                select(schema.cases.c.reference)
                .where(schema.cases.c.authority == BOLTON, schema.cases.c.decided_year == 2021)
                .where(schema.cases.c.outcome == "upheld")
                .order_by(schema.cases.c.reference)
            )
            .scalars()
            .all()
        )
    reports = [
        (
            upheld[0],
            "2021-11-02",
            "Report on a failure to repair a home",
            "public_interest",
            "https://ombudsman.example/reports/1",
        ),
        (upheld[1], "2022-03-01", "Further report on a failure to pay a remedy", "further", ""),
    ]
    load(
        engine,
        register,
        "reports",
        write_csv(
            tmp_path / "reports.csv", ("reference", "issued", "title", "kind", "url"), reports
        ),
    )
    improvements = [
        (upheld[0], "2021-12-01", "Train housing officers in repair timescales", "completed"),
        (upheld[2], "2022-02-01", "Review the repairs policy", "agreed"),
        (earlier[0][0], "2020-06-01", "Publish a complaints policy", "overdue"),
    ]
    load(
        engine,
        register,
        "improvements",
        write_csv(
            tmp_path / "improvements.csv",
            ("reference", "agreed", "description", "status"),
            improvements,
        ),
    )


def _year_config(config: Path, text: str) -> None:
    (config / "2021-22.toml").write_text(text, encoding="utf-8")


def _titles(outline: list[Any]) -> list[str]:
    """Every title in a PDF's outline, nested ones too."""
    return [
        t for item in outline for t in (_titles(item) if isinstance(item, list) else [item.title])
    ]


def _docx_text(path: Path) -> str:
    return " ".join(" ".join(p.text for p in Document(str(path)).paragraphs).split())


def test_the_data_calls_for_paragraphs(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    _add_records(engine, register, tmp_path)
    out = tmp_path / "out"
    write_letters(
        engine,
        register,
        load_settings(config),
        load_year(config, YEAR),
        [BOLTON],
        out,
        formats=("docx",),
    )
    texts = generate(engine, register, config, out, [BOLTON])[BOLTON]
    texts["docx"] = _docx_text(out / f"{BOLTON}-2021-22.docx")
    for form, text in texts.items():
        said = [
            "Public reports",
            "This year we issued 2 public reports about the council:",
            "Report on a failure to repair a home: a public interest report, issued on "
            "2 November 2021",
            "Further report on a failure to pay a remedy: a further report, issued on 1 March 2022",
            "within three months",
            "Recommendations not complied with",
            "In one case this year the council did not do what we recommended to put things "
            "right (our reference",
            "through its scrutiny arrangements, look at this case",
            "Service improvements",
            "As a result of our investigations, the council agreed to make 2 improvements to its "
            "services this year, and has completed 1 of them.",
            "One improvement the council agreed is overdue:",
            "Publish a complaints policy (agreed on 1 June 2020, our reference 20B-00001).",
        ]
        for sentence in said:
            assert sentence in text, (form, sentence)
        # After the tables, before the activity paragraph.
        assert text.index("Decisions made") < text.index("Public reports")
        assert text.index("Service improvements") < text.index("Supporting councils to improve")
    html = (out / f"{BOLTON}-2021-22.html").read_text(encoding="utf-8")
    assert '<a href="https://ombudsman.example/reports/1">Report on a failure' in html
    # Bury has none of these, so its letter says nothing of them.
    bury = generate(engine, register, config, tmp_path / "bury", [BURY])[BURY]["html"]
    for heading in ("Public reports", "Recommendations not complied with", "Service improvements"):
        assert heading not in bury


def test_each_paragraph_can_be_switched_off(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    _add_records(engine, register, tmp_path)
    _year_config(
        config,
        YEAR_CONFIG + "\n[paragraphs]\nreports = false\ncompliance = false\nimprovements = true\n",
    )
    text = generate(engine, register, config, tmp_path / "out", [BOLTON])[BOLTON]["pdf"]
    assert "Public reports" not in text
    assert "Recommendations not complied with" not in text
    assert "Service improvements" in text


def test_a_new_council_is_told_whom_it_replaced(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    text = generate(engine, register, config, tmp_path / "out", [WEST_NORTHANTS])[WEST_NORTHANTS]
    for form in ("pdf", "html"):
        assert (
            "West Northamptonshire Council came into being on 1 April 2021, taking over from "
            "Daventry District Council, Northampton Borough Council, South Northamptonshire "
            "Council and Northamptonshire County Council. The figures in this letter are for "
            "complaints about West Northamptonshire itself. This year we also decided 3 "
            "complaints about the former councils"
        ) in " ".join(text[form].split()), form


def test_a_councils_own_paragraphs_go_where_the_year_says(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    own = config / "paragraphs" / "2021-22"
    own.mkdir(parents=True)
    (own / f"{BURY}.md").write_text(
        "# Children's services\n\nIn {year} we saw more complaints about *{council_short}*.\n",
        encoding="utf-8",
    )
    _year_config(config, YEAR_CONFIG + '\n[paragraphs]\nown = "after_opening"\n')
    out = tmp_path / "out"
    texts = generate(engine, register, config, out, [BURY, BOLTON])
    for form in ("pdf", "html"):
        text = texts[BURY][form]
        assert "Children's services In 2021-22 we saw more complaints about Bury." in text
        assert text.index("Children's services") < text.index("Complaint statistics")
        assert "Children's services" not in texts[BOLTON][form]
    html = (out / f"{BURY}-2021-22.html").read_text(encoding="utf-8")
    assert "<h2>Children&#39;s services</h2>" in html
    outline = _titles(pypdf.PdfReader(out / f"{BURY}-2021-22.pdf").outline)
    assert "Children's services" in outline

    _year_config(config, YEAR_CONFIG + '\n[paragraphs]\nown = "before_closing"\n')
    text = generate(engine, register, config, tmp_path / "later", [BURY])[BURY]["pdf"]
    assert text.index("Supporting councils to improve") < text.index("Children's services")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("Bury.md", "Hello.", "not a council's paragraphs; name each file after a council's code"),
        (f"{BURY}.txt", "Hello.", "not a council's paragraphs"),
        (f"{BURY}.md", "Hello {chief}.", "unknown placeholder {chief}"),
        (f"{BURY}.md", "\udcff", "not UTF-8 text"),
    ],
)
def test_a_wrong_paragraphs_file_stops_the_letters_before_anything_is_written(
    review: tuple[Engine, Path],
    register: Register,
    tmp_path: Path,
    name: str,
    content: str,
    message: str,
) -> None:
    engine, config = review
    own = config / "paragraphs" / "2021-22"
    own.mkdir(parents=True)
    (own / name).write_bytes(content.encode("utf-8", "surrogateescape"))
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=message.replace("{", r"\{").replace("}", r"\}")):
        write_letters(
            engine, register, load_settings(config), load_year(config, YEAR), [BOLTON], out
        )
    assert not out.exists()
    with engine.connect() as connection:
        assert (
            connection.execute(select(func.count()).select_from(schema.letter_versions)).scalar()
            == 0
        )


def test_narrative_headings_are_sections(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    closing = (
        'closing = """\n# Resources to help you get it right\n\nOur guidance is online.\n\n'
        '## For staff\n\nCourses run all year.\n"""'
    )
    engine, config = review
    text = YEAR_CONFIG.split("closing = ")[0] + closing + "\n"
    _year_config(config, text)
    out = tmp_path / "out"
    texts = generate(engine, register, config, out, [BURY])[BURY]
    html = (out / f"{BURY}-2021-22.html").read_text(encoding="utf-8")
    assert "<h2>Resources to help you get it right</h2>" in html
    assert "<h3>For staff</h3>" in html
    assert "Resources to help you get it right Our guidance is online." in texts["pdf"]
    # The closing has its own section: it no longer runs on under the one before.
    assert "Publication" not in texts["pdf"]


def test_logo_and_signature_in_every_format(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    (config / "logo.png").write_bytes(PNG)
    (config / "signature.png").write_bytes(PNG)
    (config / "upheld.toml").write_text('[organisation]\nlogo = "logo.png"\n', encoding="utf-8")
    _year_config(
        config,
        YEAR_CONFIG.replace(
            "show_upheld_per_100k = true",
            'show_upheld_per_100k = true\nsignature = "signature.png"',
        ),
    )
    out = tmp_path / "out"
    write_letters(
        engine,
        register,
        load_settings(config),
        load_year(config, YEAR),
        [BURY],
        out,
        formats=("pdf", "html", "docx"),
    )
    html = (out / f"{BURY}-2021-22.html").read_text(encoding="utf-8")
    assert 'class="logo" src="data:image/png;base64,' in html
    assert 'alt="Local Government Ombudsman"' in html
    assert 'alt="Signature of Alex Example"' in html
    reader = pypdf.PdfReader(out / f"{BURY}-2021-22.pdf")
    assert len(reader.pages[0].images) == 1
    assert len(reader.pages[-1].images) >= 1
    document = Document(str(out / f"{BURY}-2021-22.docx"))
    assert len(document.inline_shapes) == 2


def test_a_logo_that_is_not_an_image_is_refused(review: tuple[Engine, Path]) -> None:
    _engine, config = review
    (config / "logo.png").write_text("<svg/>", encoding="utf-8")
    (config / "upheld.toml").write_text('[organisation]\nlogo = "logo.png"\n', encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"\[organisation\] logo: .*logo.png is not a PNG or JPEG"
    ):
        load_settings(config)
    (config / "upheld.toml").write_text('[organisation]\nlogo = "missing.png"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[organisation\] logo: cannot read"):
        load_settings(config)


def test_without_a_publication_time_the_letter_gives_the_day(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    engine, config = review
    untimed = YEAR_CONFIG.replace("time = 10:00:00\n", "")
    _year_config(config, untimed)
    with pytest.raises(ConfigError, match=r"uses \{publication_time\}, but \[publication\] time"):
        load_year(config, YEAR)
    _year_config(config, untimed.replace(" at {publication_time}", ""))
    text = generate(engine, register, config, tmp_path / "out", [BURY])[BURY]["pdf"]
    assert "This letter is embargoed until 27 July 2022, when we will publish it" in text
    assert "00:00" not in text
    bury = register[BURY]
    note = body(bury, ((bury, {}),), [], load_settings(config), load_year(config, YEAR))
    assert "embargoed until 27 July 2022, when we will publish them" in " ".join(note.split())


def test_an_abolished_councils_letter_and_email_go_to_its_successor(
    review: tuple[Engine, Path], register: Register
) -> None:
    _engine, config = review
    settings, year = load_settings(config), load_year(config, YEAR)
    northampton = register[NORTHAMPTON]
    assert sent_to(northampton, register, year.letter_date) == (register[WEST_NORTHANTS],)
    assert sent_to(register[BURY], register, year.letter_date) == (register[BURY],)
    contacts = {"chief_executive": {"name": "Anna Earnshaw", "email": "ce@wn.example"}}
    to = ((register[WEST_NORTHANTS], contacts),)
    note = body(northampton, to, [], settings, year, register=register)
    assert note.startswith("Dear Ms Earnshaw") or note.startswith("Dear Anna Earnshaw")
    flat = " ".join(note.split())
    assert (
        "Northampton Borough Council has been abolished, so we are sending its letter to you as "
        "the chief executive of West Northamptonshire Council" in flat
    )


def test_a_split_councils_letter_is_for_every_council_that_took_over(register: Register) -> None:
    from datetime import date

    from upheld.letters.content import addressees

    cumbria, cumberland, westmorland = (
        register[c] for c in ("E10000006", "E06000063", "E06000064")
    )
    assert sent_to(cumbria, register, date(2023, 7, 20)) == (cumberland, westmorland)
    assert sent_to(cumbria, register, date(2023, 3, 31)) == (cumbria,)  # not yet abolished
    assert sent_to(register["E07000026"], register, date(2023, 7, 20)) == (cumberland,)  # Allerdale
    dorset = [c.name for c in sent_to(register["E10000009"], register, date(2019, 7, 1))]
    assert dorset == ["Bournemouth, Christchurch and Poole Council", "Dorset Council"]
    brown = {"chief_executive": {"name": "Alex Brown", "title": "Ms"}}
    green = {"chief_executive": {"name": "Sam Green", "title": "Mr"}}
    both = addressees(((cumberland, brown), (westmorland, green)))
    assert both["salutation"] == "Dear Ms Brown and Mr Green"
    assert both["lines"] == [
        "Ms Alex Brown",
        "Chief Executive",
        "Cumberland Council",
        "",
        "Mr Sam Green",
        "Chief Executive",
        "Westmorland and Furness Council",
    ]
    # A greeting staff wrote is kept; a chief executive without a name greets them all alike.
    own = {"chief_executive": {"name": "Samuel Green", "salutation": "dear Sam,"}}
    assert addressees(((cumberland, brown), (westmorland, own)))["salutation"] == (
        "Dear Ms Brown and Sam"
    )
    # One chief executive of both councils is greeted once.
    shared = {"chief_executive": {"name": "Alex Brown", "title": "Ms", "email": "ab@x.example"}}
    assert addressees(((cumberland, shared), (westmorland, shared)))["salutation"] == (
        "Dear Ms Brown"
    )
    title_only = {"chief_executive": {"name": "Dr"}}
    assert addressees(((cumberland, brown), (westmorland, title_only)))["salutation"] == (
        "Dear Chief Executives"
    )
    unknown = addressees(((cumberland, brown), (westmorland, {})))
    assert (unknown["salutation"], unknown["known"]) == ("Dear Chief Executives", False)


def test_a_letter_goes_only_to_councils_that_still_exist(register: Register) -> None:
    import dataclasses
    from datetime import date

    from upheld.core.periods import ReviewYear
    from upheld.letters.content import abolished_notice

    # Suppose Cumberland were merged into Westmorland and Furness in 2025: letters about Cumbria
    # and Allerdale, its predecessors, then go to Westmorland and Furness alone.
    merged = dataclasses.replace(
        register["E06000063"], valid_to=date(2025, 3, 31), successors=("E06000064",)
    )
    later = Register([merged if c.code == merged.code else c for c in register])
    westmorland = later["E06000064"]
    july = date(2025, 7, 20)
    assert sent_to(later["E10000006"], later, july) == (westmorland,)
    allerdale = later["E07000026"]
    assert sent_to(allerdale, later, july) == (westmorland,)
    said = abolished_notice(allerdale, [westmorland], later, ReviewYear(2024))
    assert said.startswith(
        "Allerdale Borough Council was abolished on 31 March 2023, and its responsibilities have "
        "since passed to Westmorland and Furness Council. This letter sets out the complaints "
        "about Allerdale that we decided in the period 1 April 2024 to 31 March 2025; we are "
        "sending it to you as the chief executive of Westmorland and Furness Council."
    )
    # Councils that went back into one another leave the last one named.
    a, b = (Council(code, code, code, "unitary") for code in ("X1", "X2"))
    a = dataclasses.replace(a, valid_to=date(2020, 3, 31), successors=("X2",))
    b = dataclasses.replace(b, valid_to=date(2021, 3, 31), successors=("X1",))
    assert sent_to(a, Register([a, b]), july) == (b,)


def test_the_printed_footer_cannot_break_out_of_its_style_sheet() -> None:
    from upheld.letters.typeset import css_string

    quoted = css_string('Brighton & Hove\'s "Council" </style><script>')
    assert quoted.startswith('"')
    assert quoted.endswith('"')
    inner = quoted[1:-1]
    for character in "\"'<>/&;{}":
        assert character not in inner.replace("\\", ""), character
    assert quoted == (
        '"Brighton \\26  Hove\\27 s \\22 Council\\22  \\3c \\2f style\\3e \\3c script\\3e "'
    )


def test_a_new_code_for_the_same_council_is_not_an_abolition(register: Register) -> None:
    from datetime import date

    from upheld.core.periods import ReviewYear
    from upheld.letters.content import abolished_notice, contacts_for

    old, new = "E08000016", "E08000038"  # Barnsley, given a new code on 1 April 2025
    assert register.same_council(old) == [old, new]
    assert register.same_council(new) == [new, old]
    assert register.same_council(WEST_NORTHANTS) == [WEST_NORTHANTS]
    assert register.same_council(NORTHAMPTON) == [NORTHAMPTON]
    [to] = sent_to(register[old], register, date(2025, 7, 16))
    assert to.code == new
    assert abolished_notice(register[old], [to], register, ReviewYear(2024)) == ""
    chief = {"chief_executive": {"name": "Sarah Norman", "email": "ce@barnsley.example"}}
    assert contacts_for({old: chief}, to, register) == chief
    assert contacts_for({}, to, register) == {}


def test_a_letter_written_meanwhile_by_another_run_is_not_overwritten(
    review: tuple[Engine, Path], register: Register, tmp_path: Path
) -> None:
    """Two `upheld letters` at once: the one that finishes second numbers its version after the
    other's, never the same number twice."""
    from upheld.letters import versions
    from upheld.store import engines

    engine, config = review
    settings, year = load_settings(config), load_year(config, YEAR)
    write_letters(engine, register, settings, year, [BURY], tmp_path / "first")

    def meanwhile(_code: str) -> None:
        with engines.writing(engine) as connection:
            newest = versions.current(connection, YEAR.start_year, [BURY])[BURY]
            versions.record(connection, BURY, YEAR.start_year, {"other": "run"}, {}, None, newest)

    _year_config(config, YEAR_CONFIG.replace("Thank you", "Thanks again"))
    write_letters(
        engine,
        register,
        settings,
        load_year(config, YEAR),
        [BURY],
        tmp_path / "second",
        progress=meanwhile,
    )
    with engine.connect() as connection:
        numbers = [v.number for v in versions.history(connection, YEAR.start_year, BURY)]
    assert sorted(numbers) == [1, 2, 3]
