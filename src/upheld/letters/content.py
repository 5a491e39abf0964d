"""What an annual review letter says: one plain dict per council, rendered as HTML and as PDF.

Every sentence is written here, once, so the HTML and the PDF cannot disagree. The words are the
project's own; the year's configuration supplies the opening and closing narrative.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from upheld.config import Settings, YearConfig
from upheld.core.catalogue import CATALOGUE
from upheld.core.figures import YearFigures
from upheld.core.wording import and_list, long_date, plural
from upheld.letters import names, prose
from upheld.present import sections
from upheld.register import Council
from upheld.store.queries import Activity


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


def addressee(council: Council, contacts: Mapping[str, Mapping[str, str | None]]) -> dict[str, Any]:
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


def publication_paragraph(settings: Settings, config: YearConfig) -> str:
    """When and where the letter and the data will be published."""
    return (
        f"We will publish this letter, with the data it is based on, on our website at "
        f"{settings.organisation.performance_url} on {long_date(config.publication_date)} at "
        f"{config.publication_time.strftime('%H:%M')}. Until then it is embargoed: please do not "
        f"share it outside the council."
    )


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
    contacts: Mapping[str, Mapping[str, str | None]],
    activity_now: Activity,
    activity_before: Activity | None,
    settings: Settings,
    config: YearConfig,
) -> dict[str, Any]:
    """Everything one council's annual review letter says, as plain data."""
    counts = figures.counts[council.code]
    values = placeholders(council, settings, config)
    letter_year = config.year.start_year + 1
    subject = f"Annual Review letter {letter_year}"
    to = addressee(council, contacts)
    return {
        "code": council.code,
        "council": council.name,
        "council_short": council.short_name,
        "year": config.year.label,
        "language": "en-GB",
        "title": f"{subject}: {council.name}",
        "subject": subject,
        "organisation": {
            "name": settings.organisation.name,
            "address": list(settings.organisation.address),
            "website": settings.organisation.website,
            "phone": settings.organisation.phone,
        },
        "date": long_date(config.letter_date),
        "date_iso": config.letter_date.isoformat(),
        "delivery": "By email",
        "addressee": to["lines"],
        "salutation": to["salutation"],
        "opening": prose.blocks(config.opening, values),
        "period": config.year.period,
        "statistics_intro": (
            f"These are our statistics for {council.name} for the period {config.year.period}, "
            "each compared with the average of similar authorities. A figure from few cases "
            "can differ from the average by chance alone, so we say where a difference is more "
            "than chance would explain, given the number of cases."
        ),
        "statistics": sections.statistics_section(
            council,
            figures,
            [s for s in CATALOGUE if config.shows(s)],
            intervals=config.show_intervals,
        ),
        "received": sections.received_table(counts),
        "decisions": sections.decisions_table(counts),
        "activity": activity_paragraph(council.code, activity_now, activity_before),
        "publication": publication_paragraph(settings, config),
        "closing": prose.blocks(config.closing, values),
        "sign_off": "Yours sincerely,",
        "signatory": config.signatory,
        "signatory_title": config.signatory_title,
    }
