"""What an annual review letter says: one plain dict per council, rendered as HTML and as PDF.

Every sentence is written here, once, so the HTML and the PDF cannot disagree. The words are the
project's own; the year's configuration supplies the opening and closing narrative.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from upheld.config import Settings, YearConfig, image_type
from upheld.core.catalogue import CATALOGUE
from upheld.core.figures import YearFigures
from upheld.core.periods import ReviewYear
from upheld.core.wording import and_list, long_date, plural
from upheld.errors import ConfigError
from upheld.letters import names, paragraphs, prose
from upheld.present import sections
from upheld.register import Council, Register
from upheld.store.queries import Activity, CaseRecords


def placeholders(council: Council, settings: Settings, config: YearConfig) -> dict[str, str]:
    """The values the narrative's {placeholders} are filled with."""
    return {
        "council": council.name,
        "council_short": council.short_name,
        "year": config.year.label,
        "letter_year": str(config.year.start_year + 1),
        "period": config.year.period,
        "publication_date": long_date(config.publication_date),
        "publication_time": config.publication_time.strftime("%H:%M"),
        "organisation": settings.organisation.name,
        "website": settings.organisation.website,
        "signatory": config.signatory,
    }


Contacts = Mapping[str, Mapping[str, str | None]]
"""A council's contacts by role (`chief_executive`, ...): name, title, email, salutation."""


def chief_email(contacts: Contacts) -> str | None:
    """The chief executive's email address: without it, a council's letter is not emailed."""
    return (contacts.get("chief_executive") or {}).get("email") or None


def addressee(council: Council, contacts: Contacts) -> dict[str, Any]:
    """Who the letter is to and how to greet them: the chief executive, or the office."""
    chief = contacts.get("chief_executive")
    if chief and chief.get("name") and str(chief["name"]).strip():
        name, title = str(chief["name"]), chief.get("title")
        try:
            full = names.addressee_name(name, title)
            greeting = names.salutation(name, title, chief.get("salutation"))
        except ValueError:
            # A name that is only a title ("Dr") says nothing to greet.
            full, greeting = name.strip(), "Dear Chief Executive"
        return {
            "lines": [full, "Chief Executive", council.name],
            "salutation": greeting,
            "email": chief.get("email"),
            "known": True,
        }
    return {
        "lines": ["The Chief Executive", council.name],
        "salutation": "Dear Chief Executive",
        "email": None,
        "known": False,
    }


def addressees(to: Addressed) -> dict[str, Any]:
    """Who the letter is to and how to greet them, when it goes to several councils too: each
    chief executive's address in turn, and one greeting for them all."""
    each = [addressee(council, contacts) for council, contacts in to]
    if len(each) == 1:
        return each[0]
    lines: list[str] = []
    for one in each:
        lines += ["", *one["lines"]] if lines else one["lines"]
    # One greeting for all, each person once (one may lead two of the councils): "Dear Ms Brown
    # and Mr Green", unless one of them has no name to greet.
    people: dict[str, str | None] = {}
    for (council, contacts), one in zip(to, each, strict=True):
        chief = contacts.get("chief_executive") or {}
        who = str(chief.get("email") or chief.get("name") or council.code).casefold()
        greeted = _GREETED.fullmatch(str(one["salutation"])) if one["known"] else None
        people.setdefault(who, greeted[1].rstrip(" ,;:") if greeted else None)
    names = [p for p in people.values() if p is not None and p != "Chief Executive"]
    named = len(names) == len(people)
    return {
        "lines": lines,
        "salutation": "Dear " + and_list(names) if named else "Dear Chief Executives",
        "known": named,
    }


_GREETED = re.compile(r"dear\s+(.+)", re.IGNORECASE)


def _change(now: int, before: int, noun: str) -> str:
    if now == before:
        return f"the same number of {noun} as the year before"
    difference = abs(now - before)
    word = "more" if now > before else "fewer"
    return f"{difference:,} {word} than the year before"


def _places(places: tuple[str, ...]) -> str:
    """Where seminars were held, as a phrase: "in Leeds, Bristol and online"."""
    named = [p for p in places if p.casefold() != "online"]
    online = len(named) < len(places)
    if not named:
        return "online"
    return "in " + and_list([*named, "online"] if online else named)


def activity_paragraph(code: str, now: Activity, before: Activity | None) -> str:
    """What the ombudsman did to help councils improve: courses and their delegates, seminars,
    where they were and who came, each against the year before."""
    if now.courses == 0 and now.seminars == 0:
        said = "We did not run any training courses or seminars for councils this year"
        if before is not None and (before.courses or before.seminars):
            ran = [
                plural(n, noun)
                for n, noun in ((before.courses, "course"), (before.seminars, "seminar"))
                if n
            ]
            said += f" (the year before, we ran {and_list(ran)})"
        return said + "."
    sentences = []
    if now.courses:
        said = (
            f"During the year we delivered {plural(now.courses, 'training course')} to "
            f"{plural(now.course_attendees, 'delegate')}"
        )
        if before is not None:
            said += f" ({_change(now.courses, before.courses, 'courses')})"
        sentences.append(said + ".")
    else:
        sentences.append("We did not deliver any training courses this year.")
    if now.seminars:
        said = f"We held {plural(now.seminars, 'seminar')}"
        if now.seminar_places:
            said += f" {_places(now.seminar_places)}"
        said += f", attended by {plural(now.seminar_attendees, 'person', 'people')}"
        if before is not None:
            said += f" ({_change(now.seminars, before.seminars, 'seminars')})"
        sentences.append(said + ".")
    else:
        sentences.append("We did not hold any seminars this year.")
    councils = len(now.councils_attending)
    if councils:
        sentences.append(
            f"Staff from {plural(councils, 'council')} took part in our courses and seminars."
        )
    attended = now.councils_attending.get(code, 0)
    if attended:
        sentences.append(f"Staff from your council took part in {attended:,} of them.")
    return " ".join(sentences)


def embargo_paragraph(settings: Settings, config: YearConfig) -> str:
    """The embargo, first thing in the letter: until when, and where it will be published."""
    return (
        f"This letter is embargoed until {config.embargo}, when we will publish it, with the "
        f"data it is based on, at {settings.organisation.performance_url}. Until then, please do "
        "not share the letter, or the figures in it, outside the council."
    )


def sent_to(council: Council, register: Register, day: date) -> tuple[Council, ...]:
    """The councils a letter goes to: the council itself, or, once it has been abolished, every
    council that took over its responsibilities (all of them, if it was split) and still exists."""
    found: dict[str, Council] = {}
    seen = {council.code}

    def follow(one: Council) -> None:
        successors = [] if one.exists_on(day) else register.successors(one.code)
        if not successors:
            # Still there, or the last council there was: nobody else took over.
            found.setdefault(one.code, one)
        for successor in successors:
            if successor.code not in seen:
                seen.add(successor.code)
                follow(successor)

    if council.code not in register:
        return (council,)
    follow(council)
    # Successors that all went back into one another leave nobody standing: the last one named.
    return tuple(found.values()) or (register.successors(council.code)[-1],)


Addressed = tuple[tuple[Council, Contacts], ...]
"""The councils a letter goes to, each with its contacts."""


def addressed(
    council: Council, register: Register, day: date, everyone: Mapping[str, Contacts]
) -> Addressed:
    """The councils a council's letter goes to on that day, each with its contacts."""
    return tuple(
        (to, contacts_for(everyone, to, register)) for to in sent_to(council, register, day)
    )


def missing_email(council: Council, to: Addressed, register: Register) -> str | None:
    """What stops a council's letter being emailed, if anything: a council it goes to whose
    chief executive has no email address."""
    lacking = [c for c, contacts in to if not chief_email(contacts)]
    if not lacking:
        return None
    said = "no email address for the chief executive"
    others = other_councils(council, lacking, register)
    if not others:
        return said
    names = [c.name for c in others]
    who = "who receive its letter" if len(others) > 1 else "who receives its letter"
    return f"no email address for {chief_executives_of(names)}, {who}"


def other_councils(council: Council, to: Sequence[Council], register: Register) -> list[Council]:
    """The councils a letter goes to other than the one it is about (under any code it has had)."""
    same = set(register.same_council(council.code)) if council.code in register else {council.code}
    return [c for c in to if c.code not in same]


def chief_executives_of(names: Sequence[str]) -> str:
    """ "the chief executive of X", or "the chief executives of X and Y"."""
    return f"the chief executive{'s' if len(names) > 1 else ''} of {and_list(list(names))}"


def contacts_for(everyone: Mapping[str, Contacts], to: Council, register: Register) -> Contacts:
    """The contacts of the council a letter goes to, kept under any code it has had."""
    for code in register.same_council(to.code) if to.code in register else [to.code]:
        if everyone.get(code):
            return everyone[code]
    return {}


def abolished_notice(
    council: Council, to: Sequence[Council], register: Register, year: ReviewYear
) -> str:
    """Why a letter about an abolished council goes to others, said once at its start; nothing
    when the council was only given a new code."""
    if council.valid_to is None or not other_councils(council, to, register):
        return ""
    names = [c.name for c in to]
    direct = [s.name for s in register.successors(council.code)] if council.code in register else []
    # A council that took over may itself have gone since: say where the work is now.
    took_over = (
        f"{and_list(direct)} took over its responsibilities"
        if direct and set(direct) == set(names)
        else f"its responsibilities have since passed to {and_list(names)}"
    )
    said = (
        f"{council.name} was abolished on {long_date(council.valid_to)}, and {took_over}. This "
        f"letter sets out the complaints about {council.short_name} that we decided in the "
        f"period {year.period}; we are sending it to you as {chief_executives_of(names)}."
    )
    if not council.exists_in(year):
        said += (
            f" As {council.short_name} no longer existed during the year, its figures are not "
            "compared with similar authorities."
        )
    return said


def image(path: Path | None, alt: str) -> dict[str, str] | None:
    """A logo or signature for the letter data: its media type, its bytes in base64 and the
    text that stands for it."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the image: {exc.strerror or exc}") from None
    media_type = image_type(data[:8])
    if media_type is None:
        raise ConfigError(f"{path}: not a PNG or JPEG image")
    return {"media_type": media_type, "base64": base64.b64encode(data).decode("ascii"), "alt": alt}


def figures_record(figures: YearFigures, code: str) -> dict[str, Any]:
    """The figures a council's letter gives, as kept with each version of it: the counts and,
    for each statistic, its figure, what it divides and the average it is set against."""
    counts = figures.counts[code]
    average = figures.average_for(code)
    return {
        "received": counts.received,
        "decided": counts.decided,
        "investigated": counts.investigated,
        "upheld": counts.upheld,
        "statistics": {
            s.key: {
                "value": counts.figure(s.key),
                "numerator": counts.count(s.numerator),
                "denominator": counts.count(s.denominator),
                "similar": average.figure(s.key) if average else None,
            }
            for s in CATALOGUE
        },
    }


def letter(
    council: Council,
    figures: YearFigures,
    everyone: Mapping[str, Contacts],
    activity_now: Activity,
    activity_before: Activity | None,
    settings: Settings,
    config: YearConfig,
    *,
    register: Register | None = None,
    records: CaseRecords | None = None,
) -> dict[str, Any]:
    """Everything one council's annual review letter says, as plain data.

    `everyone` is every council's contacts, by code: the letter is addressed to those of the
    councils it goes to (`sent_to`), its successors' once it has been abolished."""
    counts = figures.counts[council.code]
    values = placeholders(council, settings, config)
    letter_year = config.year.start_year + 1
    subject = f"Annual Review letter {letter_year}"
    register = register if register is not None else Register([council])
    to_councils = addressed(council, register, config.letter_date, everyone)
    to = addressees(to_councils)
    existed = council.exists_in(config.year)
    added = paragraphs.sections(
        council, figures, register, records or CaseRecords(), config, values
    )
    organisation = settings.organisation
    return {
        "code": council.code,
        "council": council.name,
        "council_short": council.short_name,
        "year": config.year.label,
        "language": "en-GB",
        "title": f"{subject}: {council.name}",
        "subject": subject,
        "organisation": {
            "name": organisation.name,
            "address": list(organisation.address),
            "website": organisation.website,
            "phone": organisation.phone,
        },
        "logo": image(Path(organisation.logo) if organisation.logo else None, organisation.name),
        "date": long_date(config.letter_date),
        "date_iso": config.letter_date.isoformat(),
        "delivery": "By email",
        "addressee": to["lines"],
        "salutation": to["salutation"],
        "embargo": embargo_paragraph(settings, config),
        "notice": abolished_notice(
            council, [c for c, _contacts in to_councils], register, config.year
        ),
        "opening": prose.blocks(config.opening, values),
        "period": config.year.period,
        "statistics_intro": (
            f"These are our statistics for {council.name} for the period {config.year.period}, "
            "each compared with the average of similar authorities. A figure from few cases "
            "can differ from the average by chance alone, so we say where a difference is more "
            "than chance would explain, given the number of cases."
            if existed
            else f"These are our statistics for {council.name} for the period {config.year.period}."
        ),
        "statistics": sections.statistics_section(
            council,
            figures,
            [s for s in CATALOGUE if config.shows(s)],
            intervals=config.show_intervals,
        ),
        "received": sections.received_table(counts),
        "decisions": sections.decisions_table(counts),
        "extra": added,
        "activity": activity_paragraph(council.code, activity_now, activity_before),
        "closing": prose.blocks(config.closing, values),
        "sign_off": "Yours sincerely,",
        "signature": image(config.signature, f"Signature of {config.signatory}"),
        "signatory": config.signatory,
        "signatory_title": config.signatory_title,
    }
