"""What an annual review letter says: one plain dict per council, rendered as HTML and as PDF.

Every sentence is written here, once, so the HTML and the PDF cannot disagree. The words are the
project's own; the year's configuration supplies the opening and closing narrative.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from upheld.config import Settings, YearConfig
from upheld.core.stats import Average, Counts, one_decimal, percent
from upheld.core.vocabulary import (
    AUTHORITY_TYPES,
    OUTCOME_GROUP_OF,
    OUTCOME_GROUPS,
    OUTCOMES,
    SERVICE_AREAS,
)
from upheld.letters import prose
from upheld.present import charts
from upheld.register import Council
from upheld.store.queries import Activity, YearFigures

NOT_AVAILABLE = "n/a"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

EXPLANATIONS = {
    "uphold_rate": (
        "Complaints upheld",
        "How often we found fault when we looked into a complaint in detail. We only "
        "investigate in detail where there is enough evidence of fault to justify it, so this "
        "rate is best read alongside the number of detailed investigations it comes from.",
    ),
    "compliance_rate": (
        "Compliance with our recommendations",
        "How often the council did what we recommended to put things right, in the cases where "
        "we recorded whether it had. Complying late still counts as complying; we show late "
        "compliance separately.",
    ),
    "satisfactory_remedy_rate": (
        "Satisfactory remedy provided by the council",
        "How often, when we upheld a complaint, the council had already offered a suitable remedy "
        "before the complaint reached us. A higher figure shows a council that recognises and puts "
        "right its own mistakes.",
    ),
    "upheld_per_100k": (
        "Upheld complaints per 100,000 residents",
        "The number of complaints we upheld for every 100,000 people living in the area, which "
        "allows councils of different sizes to be compared.",
    ),
}


def plural(number: int, singular: str, plural_form: str | None = None) -> str:
    """A count and its noun: "1 upheld decision", "2 upheld decisions", "0 complaints"."""
    noun = singular if number == 1 else (plural_form or singular + "s")
    return f"{number:,} {noun}"


def long_date(day: Any) -> str:
    """A date as the letter writes it: "16 July 2025"."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _pct(value: int | None) -> str:
    return NOT_AVAILABLE if value is None else f"{value}%"


def _per_100k(value: Any) -> str:
    rounded = one_decimal(value)
    return NOT_AVAILABLE if rounded is None else f"{rounded}"


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
    if chief and chief.get("name"):
        name = str(chief["name"])
        title = chief.get("title")
        full = f"{title} {name}" if title else name
        surname = name.split()[-1]
        salutation = f"Dear {title} {surname}" if title else f"Dear {name}"
        return {
            "lines": [full, "Chief Executive", council.name],
            "salutation": salutation,
            "email": chief.get("email"),
            "known": True,
        }
    return {
        "lines": ["The Chief Executive", council.name],
        "salutation": "Dear Chief Executive",
        "email": None,
        "known": False,
    }


def _comparison(council: Council, average: Average | None, value: str, existed: bool) -> str:
    if not existed:
        return (
            f"{council.name} no longer existed at the start of the year, so it is not compared "
            "with similar authorities."
        )
    if average is None or value == NOT_AVAILABLE:
        return "There is no average of similar authorities to compare with this year."
    kind = next(t for t in AUTHORITY_TYPES if t.key == council.type).count_noun(2)
    return f"The average of similar authorities ({kind}) was {value}."


def _uphold(counts: Counts) -> str:
    investigated, upheld = counts.investigated, counts.upheld
    if investigated == 0:
        return "We did not investigate any complaints about the council in detail this year."
    rate = _pct(counts.uphold_rate.percent)
    decisions = plural(upheld, "upheld decision")
    return (
        f"We upheld {rate} of the complaints we investigated in detail: {decisions} from "
        f"{plural(investigated, 'detailed investigation')}."
    )


def _compliance(counts: Counts) -> str:
    outcomes = counts.compliance_outcomes
    if outcomes == 0:
        return "No recommendations were due for compliance in this period."
    kept = counts.complied + counts.complied_late
    sentence = (
        f"We recorded {plural(outcomes, 'compliance outcome')} this year. The council complied "
        f"with our recommendations in {_pct(counts.compliance_rate.percent)} of cases "
        f"({kept:,} of {outcomes:,})."
    )
    if counts.complied_late:
        late = "was" if counts.complied_late == 1 else "were"
        sentence += f" {counts.complied_late:,} of these {late} late."
    if counts.not_complied:
        sentence += f" In {plural(counts.not_complied, 'case')} it did not comply."
    return sentence


def _remedy(counts: Counts) -> str:
    if counts.upheld == 0:
        return "We did not uphold any complaints, so there were no remedies to assess."
    remedies = counts.satisfactory_remedies
    return (
        f"In {_pct(counts.satisfactory_remedy_rate.percent)} of upheld cases the council had "
        f"already provided a satisfactory remedy before the complaint reached us: "
        f"{remedies:,} of {plural(counts.upheld, 'upheld decision')}."
    )


def _per_100k_text(counts: Counts, vintage: str | None) -> str:
    if counts.upheld_per_100k is None:
        return "We do not have a population figure for the council for this year."
    return (
        f"We upheld {_per_100k(counts.upheld_per_100k)} complaints for every 100,000 residents: "
        f"{plural(counts.upheld, 'upheld decision')} for a population of "
        f"{counts.population:,} ({vintage})."
    )


def statistics_section(
    council: Council,
    figures: YearFigures,
    show_per_100k: bool,
    font_family: str = charts.FONT_FAMILY,
) -> list[dict[str, Any]]:
    """The key statistics, each with its meaning, figure, basis, comparison and chart."""
    code = council.code
    counts = figures.counts[code]
    average = figures.average_for(code)
    existed = council.exists_in(figures.year)
    population = figures.populations.get(code)
    entries = [
        (
            "uphold_rate",
            _pct(counts.uphold_rate.percent),
            _uphold(counts),
            None if average is None else average.rate("uphold_rate"),
            "%",
        ),
        (
            "compliance_rate",
            _pct(counts.compliance_rate.percent),
            _compliance(counts),
            None if average is None else average.rate("compliance_rate"),
            "%",
        ),
        (
            "satisfactory_remedy_rate",
            _pct(counts.satisfactory_remedy_rate.percent),
            _remedy(counts),
            None if average is None else average.rate("satisfactory_remedy_rate"),
            "%",
        ),
    ]
    if show_per_100k:
        entries.append(
            (
                "upheld_per_100k",
                _per_100k(counts.upheld_per_100k),
                _per_100k_text(counts, population.vintage if population else None),
                None if average is None else average.rate("upheld_per_100k"),
                "",
            )
        )
    section = []
    for name, value, basis, exact_average, unit in entries:
        heading, meaning = EXPLANATIONS[name]
        shown_average = (
            (_pct(percent(exact_average)) if unit == "%" else _per_100k(exact_average))
            if exact_average is not None and existed
            else NOT_AVAILABLE
        )
        chart_value = _number(value)
        chart_average = _number(shown_average)
        chart = None
        if not (name == "compliance_rate" and counts.compliance_outcomes == 0):
            chart = charts.comparison_chart(
                heading,
                council.short_name,
                chart_value,
                "Average of similar authorities",
                chart_average if existed else None,
                unit=unit,
                chart_id=f"chart-{name.replace('_', '-')}",
                font_family=font_family,
            )
        section.append(
            {
                "name": name,
                "heading": heading,
                "meaning": meaning,
                "value": value,
                "basis": basis,
                "average": shown_average,
                "comparison": _comparison(council, average, shown_average, existed),
                "chart": chart,
                "chart_alt": f"Bar chart. {heading}: {council.short_name} {value}; "
                f"average of similar authorities {shown_average}.",
            }
        )
    return section


def _number(text: str) -> float | None:
    if text == NOT_AVAILABLE:
        return None
    return float(text.rstrip("%"))


def received_table(counts: Counts) -> dict[str, Any]:
    """Complaints and enquiries received, by service area, with a total."""
    rows = [[t.label, f"{counts.received_by_category.get(t.key, 0):,}"] for t in SERVICE_AREAS]
    return {
        "caption": "Complaints and enquiries received, by service area",
        "header": ["Service area", "Received"],
        "rows": rows,
        "total": ["Total", f"{counts.received:,}"],
    }


def decisions_table(counts: Counts) -> dict[str, Any]:
    """Decisions made, by outcome and by the three groups used since 2024-25, with a total."""
    rows = [
        [
            OUTCOME_GROUPS.label(OUTCOME_GROUP_OF[t.key]),
            t.label,
            f"{counts.decided_by_outcome.get(t.key, 0):,}",
        ]
        for t in sorted(OUTCOMES, key=lambda t: OUTCOME_GROUPS.keys.index(OUTCOME_GROUP_OF[t.key]))
    ]
    return {
        "caption": "Decisions made, by outcome",
        "header": ["Group", "Outcome", "Decisions"],
        "rows": rows,
        "total": ["Total", "", f"{counts.decided:,}"],
    }


def _change(now: int, before: int, noun: str) -> str:
    if now == before:
        return f"the same number of {noun} as the year before"
    difference = abs(now - before)
    word = "more" if now > before else "fewer"
    return f"{difference:,} {word} than the year before"


def activity_paragraph(code: str, now: Activity, before: Activity | None) -> str:
    """What the ombudsman did to help councils improve, with the change on the previous year."""
    if now.courses == 0 and now.seminars == 0:
        return "We did not run any training courses or seminars for councils this year."
    sentence = (
        f"During the year we delivered {plural(now.courses, 'training course')} to "
        f"{plural(now.course_attendees, 'person', 'people')}"
    )
    if before is not None:
        sentence += f" ({_change(now.courses, before.courses, 'courses')})"
    sentence += (
        f", and held {plural(now.seminars, 'seminar')} attended by "
        f"{plural(now.seminar_attendees, 'person', 'people')}."
    )
    attended = now.councils_attending.get(code, 0)
    if attended:
        sentence += f" Staff from your council took part in {attended:,} of them."
    return sentence


def publication_paragraph(settings: Settings, config: YearConfig) -> str:
    """When and where the letter and the data will be published."""
    return (
        f"We will publish this letter, with the data it is based on, on our website at "
        f"{settings.organisation.performance_url} on {long_date(config.publication_date)} at "
        f"{config.publication_time.strftime('%H:%M')}. Until then it is embargoed: please do not "
        f"share it outside the council."
    )


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
            "each compared with the average of similar authorities."
        ),
        "statistics": statistics_section(council, figures, config.show_upheld_per_100k),
        "received": received_table(counts),
        "decisions": decisions_table(counts),
        "activity": activity_paragraph(council.code, activity_now, activity_before),
        "publication": publication_paragraph(settings, config),
        "closing": prose.blocks(config.closing, values),
        "sign_off": "Yours sincerely,",
        "signatory": config.signatory,
        "signatory_title": config.signatory_title,
    }
